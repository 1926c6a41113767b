"""Axis ticks for the charts: decades on a log axis, round and evenly spaced values on a linear one.

Left alone, plotext puts its ticks evenly between the data's ends (``0.039810`` on a log axis)
and drops a label where two round to the same row. The charts hand it these ticks instead and,
on the y axis, set the limits to the outermost ticks, so the top and bottom rows carry a label.
Display only: nothing here changes a value, it only decides where to write one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MANTISSAS = (1, 2, 5)
"""Round steps: 1, 2 or 5 times a power of ten."""
MOST_DECIMALS = 4
"""More decimals than this on a linear axis and the labels switch to ``2e-6`` notation."""


@dataclass(frozen=True)
class Axis:
    """Where an axis is ticked and what each tick says."""

    ticks: list[float]
    """In data units (plotext takes the log of them itself on a log axis)."""
    labels: list[str]
    limits: tuple[float, float]
    """The axis's ends in plotext's units: the data's, or their log10 on a log axis."""
    decimals: int = 0
    """Decimals of a linear axis's labels (charts shown side by side share the larger)."""


def interval_counts(rows: int) -> list[int]:
    """How many intervals a y axis of ``rows`` rows may be cut into, most first.

    Each tick should sit exactly on a row, evenly spaced: so the intervals divide the rows between
    the first and the last, unless each spans 2.5 rows or more (then being a row off shows little).
    A short axis may have a tick on every row; a tall one about every third.
    """
    gaps = max(rows - 1, 1)
    most = gaps if gaps <= 6 else max(5, gaps // 3)
    return [n for n in range(most, 0, -1) if gaps % n == 0 or gaps / n >= 2.5]


def fewest(candidates: list[tuple[float, int, Axis]], slack: float) -> Axis:
    """The candidate (span, intervals, axis) that spans least, so the data fills the axis; if that has just
    its two ends ticked, the one with the most ticks among those spanning at most ``slack`` more."""
    least = min(span for span, _, _ in candidates)
    tightest = max((c for c in candidates if c[0] <= least * 1.01), key=lambda c: c[1])
    if tightest[1] > 1:
        return tightest[2]
    return max((c for c in candidates if c[0] <= least + slack), key=lambda c: c[1])[2]


def nice_step(span: float, intervals: int, *, whole: bool = False) -> float:
    """The smallest 1, 2 or 5 × 10^k step that covers ``span`` in at most ``intervals`` intervals."""
    rough = span / max(intervals, 1)
    if rough <= 0 or not math.isfinite(rough):
        return 1.0
    power = 10.0 ** math.floor(math.log10(rough))
    for scale in (1.0, 10.0):
        for mantissa in MANTISSAS:
            step = mantissa * power * scale
            if step >= rough * (1 - 1e-9) and (not whole or step >= 1):
                return step
    return 10.0 * power


def step_decimals(step: float) -> int:
    """Decimals that show a multiple of ``step`` exactly: 0.02 → 2, 5 → 0."""
    return max(0, -math.floor(math.log10(step) + 1e-9))


def linear_axis(low: float, high: float, rows: int, *, decimals: int | None = None) -> Axis:
    """Round, evenly spaced ticks, each on a row of a ``rows``-row axis, whose outer two enclose ``low``…``high``."""
    if not high > low:  # one value (or a flat line): a unit-wide axis around it
        pad = abs(low) / 2 or 0.5
        low, high = low - pad, high + pad
    candidates = []
    for n in interval_counts(rows):
        step = nice_step(high - low, n)
        while math.floor(low / step + 1e-9) + n < high / step - 1e-9:  # rounding the start down can leave a gap
            step = nice_step(step * 1.5, 1)
        if step <= 10 * (high - low):  # else n is too few to straddle zero with round ticks
            candidates.append((n * step, n, _even(low, step, n, decimals)))
    if not candidates:  # no count of intervals fits the rows: round ticks, a row off here and there
        step = nice_step(high - low, 2)
        n = math.ceil(high / step - 1e-9) - math.floor(low / step + 1e-9)
        return _even(low, step, n, decimals)
    return fewest(candidates, 0.0)


def _even(low: float, step: float, n: int, decimals: int | None) -> Axis:
    """``n`` intervals of ``step`` from the multiple of ``step`` at or below ``low``."""
    first = math.floor(low / step + 1e-9)
    ticks = [i * step for i in range(first, first + n + 1)]
    shown = max(step_decimals(step), decimals or 0)  # never fewer than the step needs
    return Axis(ticks, labels(ticks, shown, step), (ticks[0], ticks[-1]), step_decimals(step))


def labels(ticks: list[float], decimals: int, step: float) -> list[str]:
    """Every tick in one format: ``decimals`` fixed decimals, or ``2e-6`` when that would be too many."""
    if decimals <= MOST_DECIMALS:
        return [f"{value:.{decimals}f}" for value in ticks]
    exponent = math.floor(math.log10(step) + 1e-9)
    return [f"{round(value / 10.0**exponent)}e{exponent}" if value else "0" for value in ticks]


def whole_ticks(low: float, high: float, most: int) -> list[int]:
    """Round whole numbers within ``low``…``high`` (epochs are counted, not measured): 10, 20, 30 …"""
    if not high > low:
        return [round(low)]
    step = int(nice_step(high - low, max(most - 1, 1), whole=True))
    ticks = list(range(math.ceil(low / step) * step, math.floor(high) + 1, step))
    return ticks if len(ticks) > 1 else sorted({math.ceil(low), math.floor(high)})  # a narrow chart: its ends


def inner_ticks(low: float, high: float, most: int) -> tuple[list[float], list[str]]:
    """Round, evenly spaced ticks within ``low``…``high`` (an x axis keeps the data's ends)."""
    if not high > low:
        return [low], [f"{low:g}"]
    step = nice_step(high - low, max(most - 1, 1))
    ticks = [i * step for i in range(math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9) + 1)]
    return ticks, labels(ticks, step_decimals(step), step)


def log_axis(low: float, high: float, rows: int) -> Axis:
    """Decades (``1e-2``, ``1e-3`` …) enclosing ``low``…``high`` (both > 0), each on a row; every n-th if many.

    Data within less than two decades on an axis of 3 rows or more gets 2 and 5 between them
    (``2e-2``, ``5e-2``), as a log axis with two labels says little.
    """
    first, last = math.floor(math.log10(low) + 1e-9), math.ceil(math.log10(high) - 1e-9)
    last = max(last, first + 1)
    if last - first < 2 and rows >= 3:
        candidates = [m * 10.0**k for k in range(first, last + 1) for m in MANTISSAS if m * 10.0**k <= 10.0**last]
        below = max(c for c in candidates if c <= low * (1 + 1e-9))
        above = min(c for c in candidates if c >= high * (1 - 1e-9))
        ticks = [c for c in candidates if below <= c <= above]
        return Axis(ticks, [power_label(c) for c in ticks], (math.log10(below), math.log10(above)))
    options = []
    for n in interval_counts(rows):
        every = math.ceil((last - first) / n)
        ticks = [10.0 ** (first + i * every) for i in range(n + 1)]
        axis = Axis(ticks, [power_label(c) for c in ticks], (float(first), float(first + n * every)))
        options.append((float(n * every), n, axis))
    return fewest(options, 1.0)  # one empty decade is worth a tick on more rows


def power_label(value: float) -> str:
    """``0.02`` → ``2e-2``: the one format of a log axis's labels."""
    exponent = math.floor(math.log10(value) + 1e-9)
    return f"{value / 10.0**exponent:.0f}e{exponent}"
