"""Plotext charts for the loss curves and the forecast, and the display helpers they need.

The helpers are display-only (smoothing, thinning, making values drawable on a log axis);
no training maths lives in the UI. Drawing is split in two steps on purpose: ``draw`` only
prepares and stores the curves, which is cheap; plotting them (thinned to the chart's width)
and plotext's expensive ``build()`` happen when Textual renders the widget, only if it is on
screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from textual.app import RenderResult
from textual_plotext import PlotextPlot

MODEL_COLORS: dict[str, str] = {"rnn": "cyan+", "lstm": "magenta+", "gru": "orange+"}
"""One colour per model kind, from the 16 ANSI colours so charts read without truecolor."""
LOSS_COLOR, VAL_COLOR, RAW_COLOR, TRUTH_COLOR = "blue+", "orange+", "gray", "green+"
BASELINE_COLOR = "white"
GIVEN_COLOR = "white"
"""The truth values the closed loop is handed before it runs on its own predictions."""

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


def faint_color(color: str) -> str:
    """The dim version of a chart colour ("cyan+" → "cyan"), for raw curves behind their smoothed ones."""
    return color.removesuffix("+") if color.endswith("+") else RAW_COLOR


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
    """One line on a chart: a legend label, its points and a plotext colour name."""

    label: str
    x: Series
    y: Series
    color: str
    reference: bool = False
    """A reference line (the task's baseline): never smoothed, no faint raw copy."""
    ema: Series | None = None
    """``y`` smoothed, kept up to date as values arrive (see :class:`tui.history.Smoothed`); computed
    on the thinned points when absent."""
    band: tuple[Curve, Curve] | None = None
    """With several seeds: the band's lower and upper edge (``y`` is then the median), drawn dim."""


class Chart(PlotextPlot):
    """A plotext chart that hands plotext its data afresh at every render, and never crashes the app.

    plotext's ``build()`` rescales the data it holds in place (log10 of log10 of a loss on the
    next build), so a chart that Textual repaints (resize, tab switch) must re-plot first.
    ``show`` only stores what to draw; ``render`` plots it, thinned to the width it has now.
    A chart that plotext still cannot build shows a one-line notice instead.
    """

    def __init__(self, title: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.chart_title = title
        self.shown_title = title
        self.x_label = ""
        self.log_axis = False
        self.faint: list[Curve] = []
        """Raw curves drawn faintly behind the smoothed ones."""
        self.curves: list[Curve] = []
        """The labelled curves on the chart (finite points, smoothed if asked), for status lines and tests."""

    def show(self, title: str, curves: list[Curve], *, log: bool = False, faint: list[Curve] | None = None) -> None:
        """Replace what the chart shows and schedule a repaint of this widget (not the app)."""
        self.shown_title, self.curves, self.log_axis, self.faint = title, curves, log, faint or []
        self.refresh()

    def render(self) -> RenderResult:
        plt = self.plt
        plt.clear_data()
        plt.title(self.shown_title)
        plt.xlabel(self.x_label)
        # plotext cannot build a log axis without data: stay linear until the first point.
        plt.yscale("log" if self.log_axis and self.curves else "linear")
        limit = max(self.size.width - 10, 16)  # the y tick labels take ~10 columns
        for curve in self.faint:
            plt.plot(*_lists(*thin(curve.x, curve.y, limit)), color=curve.color, marker="braille")
        for curve in self.curves:
            plt.plot(*_lists(*thin(curve.x, curve.y, limit)), label=curve.label, color=curve.color, marker="braille")
        try:
            if self.x_label == "epoch" and (ticks := self.whole_ticks()):
                plt.xticks(ticks)
            return super().render()
        except Exception as error:  # plotext internals; the next draw usually recovers
            return f"{self.chart_title}: cannot draw this chart ({type(error).__name__})"

    def whole_ticks(self) -> list[int] | None:
        """Up to 5 whole-number ticks over the curves' x range: epochs are counted, not measured."""
        ends = [float(value) for curve in self.curves if len(curve.x) for value in (curve.x[0], curve.x[-1])]
        if not ends:
            return None
        return np.unique(np.linspace(min(ends), max(ends), 5).round().astype(int)).tolist()


class CurveChart(Chart):
    """A line chart of loss curves against epochs, with an optional log axis and EMA smoothing.

    With smoothing on, each raw curve is drawn faintly first and its EMA over it.
    """

    def __init__(self, title: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(title, id=id, classes=classes)
        self.x_label = "epoch"

    def draw(self, curves: Sequence[Curve], *, log: bool = False, smooth: bool = False) -> None:
        """Show ``curves`` (non-finite points dropped; clamped for a log axis; smoothed if asked).

        Each curve is thinned to :data:`DRAW_POINTS` before any per-point work, so a redraw costs
        the same at a million epochs as at a thousand.
        """
        shown, faint = [], []
        for curve in curves:
            x, y = prepared(curve, log=log, smooth=smooth)
            if not len(x):
                continue
            for edge in curve.band or ():  # the band's edges, dim, behind the median
                ex, ey = prepared(edge, log=log, smooth=smooth)
                if len(ex):
                    faint.append(Curve("", ex, ey, faint_color(curve.color)))
            if smooth and not curve.reference and curve.band is None:  # the raw curve, faint, behind its EMA
                faint.append(Curve(curve.label, *prepared(curve, log=log, smooth=False), faint_color(curve.color)))
            shown.append(Curve(curve.label, x, y, curve.color, curve.reference))
        title = self.chart_title + (" · log" if log else "") + (" · EMA" if smooth else "")
        self.show(title, shown, log=log, faint=faint)


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
        return values[picks]
    return np.array([values[i] for i in picks.tolist()], dtype=np.float64)


class ForecastChart(Chart):
    """The true series with each model's closed-loop forecast on the same x axis."""

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(title, id=id)
        self.x_label = "x"

    def draw(self, truth: Curve | None, forecasts: Sequence[Curve], title: str) -> None:
        """Show ``truth`` first, then one curve per model (a diverged forecast's NaNs dropped);
        a model with several seeds has its band's edges drawn dim behind its median."""
        # The truth first, the models' forecasts over it, the given window (if any, first in
        # ``forecasts``) over the truth: where the hand-over happens stays visible.
        curves = [Curve(c.label, *drawable(c.x, c.y, log=False), c.color) for c in (truth, *forecasts) if c]
        faint = [
            Curve("", *drawable(edge.x, edge.y, log=False), faint_color(c.color))
            for c in forecasts
            for edge in c.band or ()
        ]
        self.show(title, curves, faint=faint)


def _lists(x: np.ndarray, y: np.ndarray) -> tuple[list[float], list[float]]:
    """plotext wants plain lists; numpy scalars confuse its tick formatting."""
    return x.tolist(), y.tolist()
