"""Plotext charts for the loss curves and the forecast, and the display helpers they need.

The helpers are display-only (smoothing, thinning, making values drawable on a log axis);
no training maths lives in the UI. Drawing is split in two steps on purpose: ``draw`` only
prepares and stores the curves, which is cheap; plotting them (thinned to the chart's width)
and plotext's expensive ``build()`` happen when Textual renders the widget, only if it is on
screen.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from engine.events import EpochReport
from engine.metrics import LossTrack
from engine.spread import BAND_TEXT

MODEL_COLORS: dict[str, str] = {"rnn": "cyan+", "lstm": "magenta+", "gru": "orange+"}
"""One colour per model kind, from the 16 ANSI colours so charts read without truecolor."""
LOSS_COLOR, VAL_COLOR, RAW_COLOR, TRUTH_COLOR = "blue+", "orange+", "gray", "green+"
BASELINE_COLOR = "white"

Series = Sequence[float] | np.ndarray
"""A curve's x or y values: a list as the engine reports them, or an array once prepared for drawing."""

EMA_ALPHA = 0.1
"""Weight of the newest point in the displayed exponential moving average."""
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
    low: Series | None = None
    """With several seeds: the band's lower and upper edge at each x (``y`` is then the median)."""
    high: Series | None = None


@dataclass
class LossHistory(LossTrack):
    """The epochs of one model as they arrive: what the loss charts and the live metrics show."""

    latest: EpochReport | None = None
    seconds: list[float] = field(default_factory=list)
    loss_low: list[float] = field(default_factory=list)
    """With several seeds: each epoch's band edges (the engine's :func:`engine.spread.band`)."""
    loss_high: list[float] = field(default_factory=list)
    val_low: list[float] = field(default_factory=list)
    val_high: list[float] = field(default_factory=list)
    seeds: int = 1
    """Seeds per model in the run; 1: no bands."""
    finite_seeds: int = 1
    """Seeds still training (not diverged) at the latest epoch."""

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

    def band_of(self, which: str) -> tuple[list[float] | None, list[float] | None]:
        """The band's (low, high) edges of ``loss`` or ``val``; ``(None, None)`` for one seed."""
        if not self.val_low:
            return None, None
        return (self.loss_low, self.loss_high) if which == "loss" else (self.val_low, self.val_high)

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
        """Show ``curves`` (non-finite points dropped; clamped for a log axis; smoothed if asked)."""
        shown, faint = [], []
        for curve in curves:
            x, y = drawable(curve.x, curve.y, log=log)
            if not len(x):
                continue
            if curve.low is not None and curve.high is not None:  # the band's edges, dim, behind the median
                for edge in (curve.low, curve.high):
                    ex, ey = drawable(curve.x[: len(edge)], edge, log=log)
                    if len(ex):
                        faint.append(Curve("", ex, ema(ey) if smooth else ey, faint_color(curve.color)))
            elif smooth and not curve.reference:
                faint.append(Curve(curve.label, x, y, faint_color(curve.color)))
            if smooth and not curve.reference:
                y = ema(y)
            shown.append(Curve(curve.label, x, y, curve.color, curve.reference))
        title = self.chart_title + (" · log" if log else "") + (" · EMA" if smooth else "")
        self.show(title, shown, log=log, faint=faint)


class ForecastChart(Chart):
    """The true series with each model's closed-loop forecast on the same x axis."""

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(title, id=id)
        self.x_label = "x"

    def draw(self, truth: Curve | None, forecasts: Sequence[Curve], title: str) -> None:
        """Show ``truth`` first, then one curve per model (a diverged forecast's NaNs dropped);
        a model with several seeds has its band's edges drawn dim behind its median."""
        curves = [Curve(c.label, *drawable(c.x, c.y, log=False), c.color) for c in (truth, *forecasts) if c]
        faint = [
            Curve("", *drawable(c.x, edge, log=False), faint_color(c.color))
            for c in forecasts
            for edge in (c.low, c.high)
            if edge is not None
        ]
        self.show(title, curves, faint=faint)


def _lists(x: np.ndarray, y: np.ndarray) -> tuple[list[float], list[float]]:
    """plotext wants plain lists; numpy scalars confuse its tick formatting."""
    return x.tolist(), y.tolist()
