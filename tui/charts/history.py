"""What the TUI keeps of a model's epochs as they arrive: losses, band edges and their smoothed forms.

Everything here grows by one value per epoch and does constant work per value, so the charts'
redraw (which thins before it looks at any point) costs the same at a million epochs as at a
thousand. The smoothing is display-only; the figures themselves are the engine's.
"""

from __future__ import annotations

import bisect
import math
from array import array
from dataclasses import dataclass, field

from engine.report.events import EpochReport
from engine.report.metrics import LossTrack
from engine.report.spread import BAND_TEXT
from tui.charts.curves import EMA_ALPHA, Curve


@dataclass
class Smoothed:
    """A series' exponential moving average, one value per value added (NaN where it was not finite)."""

    values: array[float] = field(default_factory=lambda: array("d"))
    """Compact (8 bytes a value): a run of a million epochs keeps several such series per model."""
    level: float = math.nan

    def add(self, value: float) -> None:
        """``s = alpha·v + (1 − alpha)·s``, starting at the first finite value; non-finite values are skipped."""
        if math.isfinite(value):
            self.level = value if math.isnan(self.level) else EMA_ALPHA * value + (1.0 - EMA_ALPHA) * self.level
            self.values.append(self.level)
        else:
            self.values.append(math.nan)


SMOOTHED = ("loss", "val_loss", "val_accuracy", "loss_low", "loss_high", "val_low", "val_high")
"""The series of a :class:`LossHistory` that are kept smoothed too."""


@dataclass
class LossHistory(LossTrack):
    """The epochs of one model as they arrive: what the loss charts and the live metrics show."""

    latest: EpochReport | None = None
    seconds: array[float] = field(default_factory=lambda: array("d"))
    loss_low: array[float] = field(default_factory=lambda: array("d"))
    """With several seeds: each epoch's band edges (the engine's :func:`engine.report.spread.band`)."""
    loss_high: array[float] = field(default_factory=lambda: array("d"))
    val_low: array[float] = field(default_factory=lambda: array("d"))
    val_high: array[float] = field(default_factory=lambda: array("d"))
    seeds: int = 1
    """Seeds per model in the run; 1: no bands."""
    finite_seeds: int = 1
    """Seeds still training (not diverged) at the latest epoch."""
    smoothed: dict[str, Smoothed] = field(default_factory=lambda: {name: Smoothed() for name in SMOOTHED})

    def add(self, report: EpochReport) -> None:
        """Record one epoch report (losses, accuracies and best val via :class:`LossTrack`)."""
        self.add_report(report)
        self.seconds.append(report.seconds)
        self.latest = report
        if (loss_band := report.loss_band) and (val_band := report.val_band):
            self.loss_low.append(loss_band.low)
            self.loss_high.append(loss_band.high)
            self.val_low.append(val_band.low)
            self.val_high.append(val_band.high)
            self.seeds, self.finite_seeds = val_band.of, val_band.n
        for name, series in self.smoothed.items():
            values = getattr(self, name)
            if len(series.values) < len(values):
                series.add(values[-1])

    def curve(self, label: str, which: str, color: str, marker: str = "") -> Curve:
        """``loss``, ``val_loss`` or ``val_accuracy`` as a chart curve, with its EMA and (several seeds) its band;
        ``marker``: its plotext marker (see :class:`tui.charts.curves.Curve`)."""
        values = getattr(self, which)
        band: tuple[Curve, Curve] | None = None
        if which in ("loss", "val_loss") and self.val_low:
            prefix = "loss" if which == "loss" else "val"
            low, high = (
                Curve("", self.epochs, getattr(self, name), color, ema=self.smoothed[name].values)
                for name in (f"{prefix}_low", f"{prefix}_high")
            )
            band = (low, high)
        # No slicing: a copy of a million epochs per redraw is what this module avoids (prepared() aligns them).
        return Curve(label, self.epochs, values, color, ema=self.smoothed[which].values, band=band, marker=marker)

    @property
    def band_text(self) -> str:
        """What a chart says of this model's band: ``median, min–max of 8`` (``(7 left)`` once one diverged)."""
        if not self.val_low:
            return ""
        left = f" ({self.finite_seeds} left)" if self.finite_seeds != self.seeds else ""
        return f"median, {BAND_TEXT} of {self.seeds}{left}"

    def recent_rate(self, window_seconds: float = 3.0) -> float:
        """Epochs per second over about the last ``window_seconds``.

        The first epoch includes compiling (seconds), so the average since the start would
        understate the speed, and overstate the time left, for most of a run.
        """
        if len(self.seconds) < 2:
            return math.nan
        now = self.seconds[-1]
        start = bisect.bisect_left(self.seconds, now - window_seconds, hi=len(self.seconds) - 1)
        elapsed = now - self.seconds[start]
        return (len(self.seconds) - 1 - start) / elapsed if elapsed > 0 else math.nan
