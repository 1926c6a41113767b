"""Plotext charts for the loss curves and the forecast: their colours, markers, axes and legend.

Drawing is split in two steps on purpose: ``draw`` only prepares and stores the curves, which is
cheap; plotting them (thinned to the chart's width) and plotext's expensive ``build()`` happen when
Textual renders the widget, only if it is on screen. Every curve has a marker of its own as well as
a colour (see :mod:`tui.charts.legend`); the legend sits under the plot; ticks are round (:mod:`tui.charts.axes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from tui.charts.axes import Axis, inner_ticks, linear_axis, log_axis, whole_ticks
from tui.charts.curves import LOG_FLOOR, Curve, column_picks, drawable, prepared, thin
from tui.charts.legend import BLOCKS, BRAILLE, MARKERS, entry, legend_lines

MODEL_COLORS: dict[str, str] = {
    "rnn": "cyan+",
    "lstm": "magenta+",
    "gru": "orange+",
    "mingru": "green",  # the 16 colours have no other bright one left; the truth (green+) is drawn as points
    "minlstm": "red+",
}
"""One colour per model kind, from the 16 ANSI colours so charts read without truecolor."""
MODEL_MARKERS: dict[str, str] = {"rnn": BRAILLE, "lstm": BLOCKS, "gru": "*", "mingru": "+", "minlstm": "x"}
"""One line style per model kind, so that the models read apart without colour (``NO_COLOR``) too."""
LOSS_COLOR, VAL_COLOR, RAW_COLOR, TRUTH_COLOR = "blue+", "orange+", "gray", "green+"
LOSS_MARKER, VAL_MARKER, BASELINE_MARKER = BRAILLE, BLOCKS, "-"
BASELINE_COLOR = "white"
GIVEN_COLOR = "white"
"""The truth values the closed loop is handed before it runs on its own predictions."""
TRUTH_MARKER, TRUTH_EVERY = "o", 3
"""The truth is points, in every third column, drawn over the forecasts: both stay visible where they agree."""
GIVEN_MARKER = "+"
"""The given window: a point in every column, over the truth's."""
FRAME_ROWS = 5
"""Rows of a chart that are not plot: title, top and bottom border, x tick labels, legend."""


def faint_color(color: str) -> str:
    """The dim version of a chart colour ("cyan+" → "cyan"), for raw curves behind their smoothed ones."""
    return color.removesuffix("+") if color.endswith("+") else RAW_COLOR


def with_markers(curves: Sequence[Curve]) -> list[Curve]:
    """``curves``, each that has no marker given the next one not taken on this chart."""
    free = iter([m for m in MARKERS if m not in {c.marker for c in curves}] * 4)
    return [c if c.marker else replace(c, marker=next(free)) for c in curves]


class Chart(PlotextPlot):
    """A plotext chart that hands plotext its data afresh at every render, and never crashes the app.

    plotext's ``build()`` rescales the data it holds in place (log10 of log10 of a loss on the
    next build), so a chart that Textual repaints (resize, tab switch) must re-plot first.
    ``show`` only stores what to draw; ``render`` plots it, thinned to the width it has now.
    A chart that plotext still cannot build shows a one-line notice instead.
    """

    whole_x = False
    """Whether the x axis counts (epochs, steps): then only whole numbers are ticked."""

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
        self.peers: list[Chart] = []
        """Charts shown beside this one: a linear y axis writes its labels with as many decimals as theirs."""

    def show(self, title: str, curves: list[Curve], *, log: bool = False, faint: list[Curve] | None = None) -> None:
        """Replace what the chart shows and schedule a repaint of this widget (not the app)."""
        self.shown_title, self.curves, self.log_axis, self.faint = title, with_markers(curves), log, faint or []
        self.refresh()

    def render(self) -> RenderResult:
        try:
            return self._build(self.size.width, self.size.height)
        except Exception as error:  # plotext internals; the next draw usually recovers
            return f"{self.chart_title}: cannot draw this chart ({type(error).__name__})"

    def _build(self, width: int, height: int) -> Text:
        """Plot the stored curves at ``width`` × ``height``, the legend in the rows under the plot."""
        legend, rows = self.legend(width, height), self.plot_rows(width, height)
        height -= len(legend) - 1
        plt = self.plt
        plt.clear_figure()  # ticks and limits of the last render must not outlive its data (plotext keeps them)
        plt.title(self.shown_title)
        plt.xlabel("legend")  # keeps a row under the x ticks (a blank label would not), the legend replaces it
        # plotext cannot build a log axis without data: stay linear until the first point.
        plt.yscale("log" if self.log_axis and self.curves else "linear")
        shared = [d for p in (self, *self.peers) if (d := p.decimals()) is not None]
        y_axis = self.y_axis(rows, max(shared, default=None))
        if y_axis:  # (plotext's yticks(None) fails on a chart without data)
            plt.yticks(y_axis.ticks, y_axis.labels)
            plt.ylim(*y_axis.limits)
        columns = width - 2 - max((len(label) for label in y_axis.labels), default=0) if y_axis else width
        low, high = self.x_range()
        self._x_ticks(low, high, columns, labelled=rows == height - FRAME_ROWS)  # else the labels gave their row
        for curve in sorted([*self.faint, *self.curves], key=lambda c: c.every > 0):  # points last: lines show between
            x, y = np.asarray(curve.x, dtype=np.float64), np.asarray(curve.y, dtype=np.float64)
            if curve.every:
                picks = column_picks(x, low, high, columns, curve.every)
                plt.scatter(*_lists(x[picks], y[picks]), color=curve.color, marker=curve.marker)
            else:
                plt.plot(*_lists(*thin(x, y, max(columns, 16))), color=curve.color, marker=curve.marker or BRAILLE)
        plt.plotsize(width, height)
        plt._set_size(width, height)  # as PlotextPlot.render does: resizing is unreliable without both
        plt.theme(self._get_plotext_theme_name(self.app.theme))
        rows = plt.build().rstrip("\n").split("\n")[:-1]  # the last row is the x label's: the legend goes there
        return Text("\n").join([*(Text.from_ansi(row) for row in rows), *legend])

    def _x_ticks(self, low: float, high: float, columns: int, *, labelled: bool = True) -> None:
        """Round ticks about every 10 columns within the data's x range; none without data, or ``labelled`` off."""
        if not high >= low:  # no data: plotext's defaults
            return
        self.plt.xlim(low, high)
        most = max(2, columns // 10)
        if not labelled:
            self.plt.xticks([], [])  # no ticks: no row for their labels
        elif self.whole_x:
            whole = whole_ticks(low, high, most)
            self.plt.xticks([float(t) for t in whole], [str(t) for t in whole])
        else:
            self.plt.xticks(*inner_ticks(low, high, most))

    def x_range(self) -> tuple[float, float]:
        """The lowest and highest x of every curve drawn (NaN, NaN without any)."""
        ends = [float(v) for c in (*self.faint, *self.curves) if len(c.x) for v in (np.min(c.x), np.max(c.x))]
        return (min(ends), max(ends)) if ends else (np.nan, np.nan)

    def y_range(self) -> tuple[float, float] | None:
        """The lowest and highest y of every curve drawn, if any (non-finite points are dropped before)."""
        ends = [float(v) for c in (*self.faint, *self.curves) if len(c.y) for v in (np.min(c.y), np.max(c.y))]
        return (min(ends), max(ends)) if ends else None

    def y_axis(self, rows: int, decimals: int | None = None) -> Axis | None:
        """Decades on a log axis, else round steps (with ``decimals`` if given), for a plot ``rows`` rows high."""
        if (span := self.y_range()) is None:
            return None
        if self.log_axis:
            return log_axis(max(span[0], LOG_FLOOR), max(span[1], LOG_FLOOR), rows)
        return linear_axis(*span, rows, decimals=decimals)

    def legend(self, width: int, height: int) -> list[Text]:
        """The legend's rows: the first in the x label's row, any more taken from the plot while it keeps 3 rows."""
        entries = [entry(c.marker, c.color, c.label, c.every) for c in self.curves if c.label]
        rows = legend_lines(self.x_label, entries, width)
        kept = rows[: 1 + min(len(rows) - 1, max(height - FRAME_ROWS - 3, 0))]
        if len(kept) < len(rows):  # no room for every entry: say that some are missing
            kept[-1] = kept[-1].copy()
            kept[-1].rstrip()
            kept[-1].append(" …")
            kept[-1].truncate(width, overflow="ellipsis")
            kept[-1].align("left", width)
        return kept

    def plot_rows(self, width: int, height: int) -> int:
        """Rows of plot in a chart ``width`` × ``height``; under 3, it takes the x tick labels' row as well."""
        rows = height - len(self.legend(width, height)) + 1 - FRAME_ROWS
        return rows + 1 if rows < 3 else rows

    def decimals(self) -> int | None:
        """Decimals this chart's linear y axis needs at its size now (None: log axis or no data)."""
        axis = None if self.log_axis else self.y_axis(self.plot_rows(self.size.width, self.size.height))
        return axis.decimals if axis else None


class CurveChart(Chart):
    """A line chart of loss curves against epochs, with an optional log axis and EMA smoothing.

    With smoothing on, each raw curve is drawn faintly first and its EMA over it.
    """

    whole_x = True

    def __init__(self, title: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(title, id=id, classes=classes)
        self.x_label = "epoch"

    def draw(self, curves: Sequence[Curve], *, log: bool = False, smooth: bool = False) -> None:
        """Show ``curves`` (non-finite points dropped; clamped for a log axis; smoothed if asked).

        Each curve is thinned to :data:`DRAW_POINTS` before any per-point work, so a redraw costs
        the same at a million epochs as at a thousand.
        """
        shown, faint = [], []
        for curve in with_markers(curves):  # markers first: a faint copy has its curve's marker, dimmed
            x, y = prepared(curve, log=log, smooth=smooth)
            if not len(x):
                continue
            dim = faint_color(curve.color)
            for edge in curve.band or ():  # the band's edges, dim, behind the median
                ex, ey = prepared(edge, log=log, smooth=smooth)
                if len(ex):
                    faint.append(Curve("", ex, ey, dim, marker=curve.marker))
            if smooth and not curve.reference and curve.band is None:  # the raw curve, faint, behind its EMA
                faint.append(Curve(curve.label, *prepared(curve, log=log, smooth=False), dim, marker=curve.marker))
            shown.append(Curve(curve.label, x, y, curve.color, curve.reference, marker=curve.marker))
        title = self.chart_title + (" · log" if log else "") + (" · EMA" if smooth else "")
        self.show(title, shown, log=log, faint=faint)


class ForecastChart(Chart):
    """The true series with each model's closed-loop forecast on the same x axis."""

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(title, id=id)
        self.x_label = "x"

    def draw(self, truth: Curve | None, forecasts: Sequence[Curve], title: str) -> None:
        """Show ``truth`` first, then one curve per model (a diverged forecast's NaNs dropped);
        a model with several seeds has its band's edges drawn dim behind its median.

        With forecasts, the truth is drawn as points over their lines (``TRUTH_MARKER``), so where
        a forecast is right both stay visible; the given window (if any, first in ``forecasts``)
        is points in every column over the truth's. Alone, the truth is a line.
        """
        if truth is not None and forecasts:
            truth = replace(truth, marker=TRUTH_MARKER, every=TRUTH_EVERY)
        curves = [replace(c, x=x, y=y) for c in (truth, *forecasts) if c for x, y in [drawable(c.x, c.y, log=False)]]
        faint = [
            Curve("", *drawable(edge.x, edge.y, log=False), faint_color(c.color), marker=c.marker)
            for c in with_markers(forecasts)
            for edge in c.band or ()
        ]
        self.show(title, curves, faint=faint)


def _lists(x: np.ndarray, y: np.ndarray) -> tuple[list[float], list[float]]:
    """plotext wants plain lists; numpy scalars confuse its tick formatting."""
    return x.tolist(), y.tolist()
