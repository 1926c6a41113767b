"""Figures over seeds: the band a chart draws, the spread a table shows, the verdict that ends a run.

Everything here is plain numpy on a handful of numbers per model (one per seed). Diverged
seeds (NaN or infinite figures) are left out and counted, so every figure can say "n = 7 of 8".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

BAND_TEXT = "min–max"
"""What a chart's band spans, as its legend says it."""
BOOTSTRAP_RESAMPLES = 4000
BOOTSTRAP_SEED = 0
"""Fixed, so the same run always gets the same interval, on screen and in ``metrics.json``."""
MIN_FOR_INTERVAL = 5
"""Fewer finite seeds than this per model: no interval is given (a bootstrap of so few is too narrow to trust)."""


@dataclass(frozen=True)
class Band:
    """The median and range of one figure across the seeds that did not diverge."""

    median: float
    low: float
    high: float
    n: int
    """Finite values the band is made of."""
    of: int
    """Seeds in all."""


def finite(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """The finite values, as floats."""
    array = np.asarray(values, dtype=float)
    return array[np.isfinite(array)]


def band(values: Sequence[float]) -> Band:
    """Median and min–max of the finite ``values``; NaNs when none is finite."""
    good = finite(values)
    if not len(good):
        return Band(math.nan, math.nan, math.nan, 0, len(values))
    return Band(float(np.median(good)), float(good.min()), float(good.max()), len(good), len(values))


def summary(values: Sequence[float]) -> dict[str, float | int]:
    """``mean``, ``sd`` (sample, n − 1), ``min``, ``median``, ``max`` of the finite values, with ``n`` and ``of``."""
    good = finite(values)
    if not len(good):
        nan = math.nan
        return {"mean": nan, "sd": nan, "min": nan, "median": nan, "max": nan, "n": 0, "of": len(values)}
    sd = float(good.std(ddof=1)) if len(good) > 1 else math.nan
    return {
        "mean": float(good.mean()),
        "sd": sd,
        "min": float(good.min()),
        "median": float(np.median(good)),
        "max": float(good.max()),
        "n": len(good),
        "of": len(values),
    }


@dataclass(frozen=True)
class Verdict:
    """How two models' seeds compare on one figure (lower is better), and what may be concluded."""

    first: str
    second: str
    figure: str
    lower_in: int
    """Seeds (paired by position) in which ``first`` was lower than ``second``."""
    pairs: int
    """Seeds in which both were finite."""
    median_ratio: float
    """Median of ``first`` ÷ median of ``second``."""
    interval: tuple[float, float] | None
    """95 % bootstrap interval of the ratio of geometric means, ``first`` ÷ ``second``; ``None``: too few seeds."""
    conclusion: str

    @property
    def text(self) -> str:
        """The verdict in one sentence, claiming no more than its numbers."""
        said = f"{self.first}'s {self.figure} is lower than {self.second}'s in {self.lower_in} of {self.pairs} seeds"
        said += f"; median ratio {ratio_text(self.median_ratio)}"
        if self.interval is not None:
            low, high = self.interval
            said += f"; 95 % bootstrap interval of the ratio [{ratio_text(low)}, {ratio_text(high)}]"
        return f"{said}: {self.conclusion}"


def ratio_text(ratio: float) -> str:
    """A ratio as people read it: ``1.1×``, ``0.031×``; a dash when undefined."""
    if not math.isfinite(ratio):
        return "—"
    return f"{ratio:.2g}×" if ratio < 0.1 else f"{ratio:.2f}×"


def verdict(
    first: str, first_values: Sequence[float], second: str, second_values: Sequence[float], figure: str
) -> Verdict:
    """Compare two models' per-seed ``figure`` (lower is better).

    The interval resamples each model's finite seeds with replacement and takes the ratio of
    geometric means: losses spread over decades, so a ratio says more than a difference. The
    conclusion names a winner only when the whole interval lies on one side of 1.
    """
    a, b = np.asarray(first_values, dtype=float), np.asarray(second_values, dtype=float)
    both = np.isfinite(a[: len(b)]) & np.isfinite(b[: len(a)])
    paired_a, paired_b = a[: len(b)][both], b[: len(a)][both]
    lower_in = int(np.sum(paired_a < paired_b))
    good_a, good_b = finite(a), finite(b)
    positive = bool(len(good_a) and len(good_b) and good_a.min() > 0 and good_b.min() > 0)
    median_ratio = float(np.median(good_a) / np.median(good_b)) if positive else math.nan
    interval: tuple[float, float] | None = None
    if not positive:
        conclusion = "no comparison (a model has no finite, positive values)"
    elif min(len(good_a), len(good_b)) < MIN_FOR_INTERVAL:
        conclusion = f"too few seeds for an interval (need {MIN_FOR_INTERVAL} per model)"
    else:
        interval = bootstrap_ratio(good_a, good_b)
        if interval[1] < 1:
            conclusion = f"{first} is lower (the interval lies below 1×)"
        elif interval[0] > 1:
            conclusion = f"{second} is lower (the interval lies above 1×)"
        else:
            conclusion = "no clear difference (the interval includes 1×)"
    return Verdict(first, second, figure, lower_in, int(both.sum()), median_ratio, interval, conclusion)


def bootstrap_ratio(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """95 % percentile-bootstrap interval of ``geomean(a) / geomean(b)``."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    log_a, log_b = np.log(a), np.log(b)
    means_a = log_a[rng.integers(0, len(a), (BOOTSTRAP_RESAMPLES, len(a)))].mean(axis=1)
    means_b = log_b[rng.integers(0, len(b), (BOOTSTRAP_RESAMPLES, len(b)))].mean(axis=1)
    low, high = np.percentile(means_a - means_b, [2.5, 97.5])
    return float(np.exp(low)), float(np.exp(high))
