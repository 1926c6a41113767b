"""The curves the charts draw, and getting them ready: smoothing, thinning, dropping what cannot be drawn.

Display-only (no training maths): the values stay what the engine reported; this decides which of
them reach a chart and in what form. Nothing here imports Textual or plotext.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Series = Sequence[float] | np.ndarray
"""A curve's x or y values: a list as the engine reports them, or an array once prepared for drawing."""

EMA_ALPHA = 0.1
"""Weight of the newest point in the displayed exponential moving average."""
DRAW_POINTS = 2000
"""Points per curve handed on for drawing, at most: more than any terminal has columns."""
LOG_FLOOR = 1e-12
"""Stand-in for non-positive values on a log axis (a loss of exactly 0 cannot be drawn)."""


def ema(values: Series, alpha: float = EMA_ALPHA) -> np.ndarray:
    """Exponential moving average ``s[i] = alpha * v[i] + (1 - alpha) * s[i-1]``, ``s[0] = v[0]``.

    Display smoothing only: the raw values stay what the engine reported. Expects finite
    values (callers drop the others first, see :func:`drawable`).
    """
    data = np.asarray(values, dtype=np.float64)
    smoothed = np.empty_like(data)
    level = data[0] if data.size else 0.0
    for i, value in enumerate(data):
        level = alpha * value + (1.0 - alpha) * level
        smoothed[i] = level
    return smoothed


def drawable(x: Series, y: Series, *, log: bool) -> tuple[np.ndarray, np.ndarray]:
    """Drop points whose y is NaN or infinite (a diverged model); on a log axis clamp y to ``LOG_FLOOR``.

    plotext's log scale breaks once it meets a value <= 0, and cannot place NaN at all.
    """
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep = np.isfinite(ys)
    xs, ys = xs[keep], ys[keep]
    if log:
        ys = np.maximum(ys, LOG_FLOOR)
    return xs, ys


def thin(x: Series, y: Series, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``limit`` evenly spaced points, always keeping the first and the last.

    A chart cannot show more points than it has columns; plotext's build time grows with
    the points it is given, so a 1,000-epoch curve is cut down to about the chart's width.
    """
    x, y = np.asarray(x), np.asarray(y)
    if limit < 2 or len(x) <= limit:
        return x, y
    picks = np.unique(np.linspace(0, len(x) - 1, limit).round().astype(int))
    return x[picks], y[picks]


@dataclass
class Curve:
    """One line on a chart: a legend label, its points, a plotext colour name and marker."""

    label: str
    x: Series
    y: Series
    color: str
    reference: bool = False
    """A reference line (the task's baseline): never smoothed, no faint raw copy."""
    ema: Series | None = None
    """``y`` smoothed, kept up to date as values arrive (see :class:`tui.charts.history.Smoothed`); computed
    on the thinned points when absent."""
    band: tuple[Curve, Curve] | None = None
    """With several seeds: the band's lower and upper edge (``y`` is then the median), drawn dim."""
    marker: str = ""
    """A plotext marker ("braille", "hd" or one character); empty: the chart gives it the next free one,
    so that every curve reads without colour too (see :mod:`tui.charts.legend`)."""
    every: int = 0
    """0: a line. n: only a point in every n-th column, so that the lines under it stay visible."""


def prepared(curve: Curve, *, log: bool, smooth: bool) -> tuple[np.ndarray, np.ndarray]:
    """A curve's points ready to plot: thinned first, its EMA if smoothing, drawable on the axis."""
    smoothing = smooth and not curve.reference
    values = curve.ema if smoothing and curve.ema is not None else curve.y
    picks = spread_picks(min(len(curve.x), len(values)), DRAW_POINTS)
    x, y = drawable(_take(curve.x, picks), _take(values, picks), log=log)
    if smoothing and curve.ema is None and len(y):
        y = ema(y)
    return x, y


def spread_picks(count: int, limit: int) -> np.ndarray:
    """At most ``limit`` evenly spread indices into ``count`` values, the first and last included."""
    if count <= limit:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, limit).round().astype(int))


def _take(values: Series, picks: np.ndarray) -> np.ndarray:
    """``values`` at ``picks``, without converting a long list as a whole."""
    if isinstance(values, np.ndarray):
        picked: np.ndarray = values[picks]
        return picked
    return np.array([values[i] for i in picks.tolist()], dtype=np.float64)


def column_picks(x: np.ndarray, low: float, high: float, columns: int, every: int) -> np.ndarray:
    """Indices of the points that fall in every ``every``-th of ``columns`` columns spanning ``low``…``high``.

    One point per such column (the first): a curve drawn as points leaves the columns between free.
    """
    if not len(x) or columns < 2 or not high > low:
        return np.arange(len(x))
    column = np.round((x - low) / (high - low) * (columns - 1)).astype(int)
    chosen = np.flatnonzero(column % every == 0)
    _, first = np.unique(column[chosen], return_index=True)
    return chosen[first]
