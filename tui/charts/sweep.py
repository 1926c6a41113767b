"""THE chart of a sweep: each model's final val loss against the swept setting, with its seeds' band.

A line per model through the finished points (the median over the seeds), its min–max over the seeds
drawn dim in the same colour and marker, the task's baseline (the trivial answer's val loss) and,
where the task has one, the solved mark, both taken at each point (they may change with the setting:
the adding problem's baseline does not, a noise level's does). The x axis is ticked at the swept values
themselves; it is logarithmic when they are positive and span a decade or more (``length=10..200``,
``lr=1e-4..1e-1``), and for choices (``optimizer=adam,sgd``) each value is a place in the order given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.text import Text

from engine.config.choices import LAYER_NAMES
from engine.report.spread import BAND_TEXT
from engine.sweep.grid import value_text
from engine.sweep.reader import AxisInfo, PointInfo, SweepInfo
from tui.charts.curves import Curve, drawable
from tui.charts.plots import BASELINE_COLOR, BASELINE_MARKER, MODEL_COLORS, MODEL_MARKERS, Chart, faint_color

LOG_X_SPAN = 10.0
"""Values whose largest is this many times their smallest (or more) get a log x axis."""
SOLVED_COLOR, SOLVED_MARKER = "green+", "."


@dataclass(frozen=True)
class XScale:
    """Where each swept value sits on the chart's x axis, and what its tick says."""

    values: list[object]
    positions: list[float]
    log: bool

    def at(self, value: object) -> float:
        """The position of ``value`` (NaN for a value the axis does not hold)."""
        try:
            return self.positions[self.values.index(value)]
        except ValueError:
            return math.nan

    @property
    def labels(self) -> list[str]:
        return [value_text(v) for v in self.values]


def x_scale(axis: AxisInfo) -> XScale:
    """Numbers at their value (their log10 when they span a decade or more); choices in the order given."""
    values = list(axis.values)
    if not axis.numeric:
        return XScale(values, [float(k) for k in range(len(values))], log=False)
    numbers = [float(v) for v in values]
    positive = bool(numbers) and min(numbers) > 0
    log = positive and max(numbers) / min(numbers) >= LOG_X_SPAN
    return XScale(values, [math.log10(v) if log else v for v in numbers], log)


def spaced_ticks(positions: list[float], labels: list[str], low: float, high: float, columns: int) -> list[int]:
    """Which ticks to label so that no two labels touch on a ``columns``-wide axis (the ends first)."""
    if not positions or not high > low:
        return list(range(len(positions)))
    order = sorted(range(len(positions)), key=lambda k: positions[k])
    chosen: list[int] = []
    for k in [order[0], order[-1], *order[1:-1]]:
        column = (positions[k] - low) / (high - low) * (columns - 1)
        clear = all(
            abs(column - (positions[j] - low) / (high - low) * (columns - 1)) > (len(labels[k]) + len(labels[j])) / 2
            for j in chosen
        )
        if clear and k not in chosen:
            chosen.append(k)
    return sorted(chosen, key=lambda k: positions[k])


def model_line(info: SweepInfo, model: str, scale: XScale, name: str) -> tuple[Curve | None, list[Curve]]:
    """One model's median through the finished points, and its band's two edges (several seeds)."""
    axis = info.axes[0].name
    cells = sorted(
        ((scale.at(p.values.get(axis)), p.cells[model]) for p in info.finished if model in p.cells),
        key=lambda pair: pair[0],
    )
    cells = [(x, c) for x, c in cells if math.isfinite(x) and math.isfinite(c.median)]
    if not cells:
        return None, []
    color, marker = MODEL_COLORS.get(model, "white"), MODEL_MARKERS.get(model, "")
    xs = [x for x, _ in cells]
    line = Curve(name, xs, [c.median for _, c in cells], color, marker=marker)
    edges = []
    if info.seeds > 1:
        for values in ([c.low for _, c in cells], [c.high for _, c in cells]):
            edges.append(Curve("", xs, values, faint_color(color), marker=marker))
    return line, edges


def reference_lines(points: list[PointInfo], scale: XScale, axis: str) -> list[Curve]:
    """The baseline and the solved mark, each as it stands at every finished point."""
    lines = []
    marks = (
        ("baseline", [p.baseline for p in points], BASELINE_COLOR, BASELINE_MARKER),
        ("solved below", [p.solved_below for p in points], SOLVED_COLOR, SOLVED_MARKER),
    )
    for label, values, color, marker in marks:
        pairs = sorted(
            (scale.at(p.values.get(axis)), float(v))
            for p, v in zip(points, values, strict=True)
            if v is not None and math.isfinite(v)
        )
        pairs = [(x, y) for x, y in pairs if math.isfinite(x)]
        if pairs:
            xs, ys = [x for x, _ in pairs], [y for _, y in pairs]
            if len(xs) == 1:  # one point: a short flat line, so it shows as a line and not a stray dot
                xs, ys = [xs[0] - 0.5, xs[0] + 0.5] if not scale.log else [xs[0] - 0.1, xs[0] + 0.1], ys * 2
            lines.append(Curve(label, xs, ys, color, reference=True, marker=marker))
    return lines


class SweepChart(Chart):
    """The metric against the swept setting (see the module's docstring); ``draw`` takes the folder as read."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("final val loss against the swept setting", id=id, classes=classes)
        self.scale: XScale | None = None
        self.titles: list[str] = [self.chart_title]
        """The title, longest first, then shorter ones for a narrow chart."""

    def draw(self, info: SweepInfo, *, log: bool = True) -> None:
        """Show the finished points of ``info`` (nothing until one has finished); ``log``: a log y axis."""
        if not info.axes:
            self.scale = None
            self.show(self.chart_title, [])
            return
        axis = info.axes[0]
        self.scale = scale = x_scale(axis)
        named = axis.label if axis.key in axis.label.split() else f"{axis.label} ({axis.key})"  # "learning rate (lr)"
        self.x_label = named + (", log scale" if scale.log else "")
        curves, faint = [], []
        for model in info.models:
            line, edges = model_line(info, model, scale, LAYER_NAMES.get(model, model))
            if line is not None:
                curves.append(line)
                faint += edges
        curves += reference_lines(info.finished, scale, axis.name)
        shown = [Curve(c.label, *drawable(c.x, c.y, log=log), c.color, c.reference, marker=c.marker) for c in curves]
        dim = [Curve("", *drawable(c.x, c.y, log=log), c.color, marker=c.marker) for c in faint]
        logged = " · log" if log else ""
        if not info.finished:
            self.titles = ["final val loss: drawn as points finish", "final val loss"]
        elif info.seeds > 1:
            self.titles = [
                f"final val loss · median, band {BAND_TEXT} of {info.seeds} seeds{logged}",
                f"val loss · median, {BAND_TEXT} of {info.seeds} seeds{logged}",
                f"val loss, median, {BAND_TEXT} of {info.seeds}",
            ]
        else:
            self.titles = [f"final val loss · one seed{logged}", "final val loss"]
        self.show(self.titles[0], shown if info.finished else [], log=log, faint=dim if info.finished else [])

    def _build(self, width: int, height: int) -> Text:
        """As :class:`Chart` draws, with the longest title that fits: plotext leaves out a wider one."""
        self.shown_title = next((t for t in self.titles if len(t) <= width - 2), self.titles[-1])
        return super()._build(width, height)

    def x_range(self) -> tuple[float, float]:
        """The swept values' ends (not only the finished ones'), padded when there is one value."""
        if self.scale is None or not self.scale.positions or not self.curves:
            return super().x_range()
        low, high = min(self.scale.positions), max(self.scale.positions)
        if not high > low:
            pad = 0.1 if self.scale.log else 0.5
            return low - pad, high + pad
        # Room for half the end labels beyond the end ticks: plotext centres a label on its tick and cuts
        # what passes the frame ("25" would read "5").
        columns = max(self.size.width - 10, 10)
        half = max(len(label) for label in self.scale.labels) / 2 + 1
        pad = (high - low) * half / max(columns - 2 * half, 1)
        return low - pad, high + pad

    def _x_ticks(self, low: float, high: float, columns: int, *, labelled: bool = True) -> None:
        """A tick at each swept value, labelled with it (as many as fit without touching)."""
        if self.scale is None or not high >= low or not self.curves:
            super()._x_ticks(low, high, columns, labelled=labelled)
            return
        self.plt.xlim(low, high)
        if not labelled:
            self.plt.xticks([], [])
            return
        picks = spaced_ticks(self.scale.positions, self.scale.labels, low, high, columns)
        self.plt.xticks([self.scale.positions[k] for k in picks], [self.scale.labels[k] for k in picks])
