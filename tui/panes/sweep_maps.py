"""A sweep of two settings: a heatmap per model, the first setting down, the second across.

Why heatmaps and not small multiples (a curve chart per value of the second setting): at 80 columns
a terminal fits two or three plotext charts side by side, each a few rows high, with each model's
band on top — the shape of a 3 × 3 grid is lost in the braille. A heatmap keeps the grid's shape at
any size, a cell shows its number where there is room, and the same shade means the same loss in
every model's map (one log scale for all), so where the LSTM's valley is wider than the RNN's reads at
a glance. Each cell is a character of a ramp as well as a colour, so it reads without colour
(``NO_COLOR``) too; a ✓ marks a cell solved by most of its seeds (tasks with a solved mark).
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import RenderResult
from textual.geometry import Size
from textual.widget import Widget

from engine.config.choices import LAYER_NAMES
from engine.sweep.grid import value_text
from engine.sweep.reader import PointInfo, PointStatus, SweepInfo
from tui.panes.inside import RAMP, RAMP_COLORS

LEVELS = RAMP[1:]
"""The Inside tab's ramp without its blank: here a blank cell would read as a missing one."""
LEVEL_COLORS = RAMP_COLORS[1:]
STATES = {PointStatus.PENDING: "·", PointStatus.RUNNING: "»", PointStatus.FAILED: "✗", PointStatus.INTERRUPTED: "/"}
"""What a cell without a result shows (twice), in place of its ramp characters."""
GAP = "   "
"""Between maps side by side."""


def loss_range(info: SweepInfo) -> tuple[float, float] | None:
    """The lowest and highest log10 of every finished median, over all models (one scale for every map)."""
    logs = [math.log10(c.median) for p in info.finished for c in p.cells.values() if c.median > 0]
    return (min(logs), max(logs)) if logs else None


def level(value: float, span: tuple[float, float]) -> int:
    """Which of :data:`LEVELS` a median takes on the shared log scale."""
    low, high = span
    if not value > 0:
        return 0
    if not high > low:
        return len(LEVELS) // 2
    share = (math.log10(value) - low) / (high - low)
    return min(len(LEVELS) - 1, max(0, round(share * (len(LEVELS) - 1))))


def cell_text(point: PointInfo | None, model: str, span: tuple[float, float] | None, full: bool, marked: bool) -> Text:
    """One cell: two ramp characters (or the point's state), the median where ``full``, ✓ if solved."""
    width = 10 if full else 2
    if point is None or point.status != PointStatus.FINISHED or model not in point.cells:
        status = point.status if point is not None else PointStatus.PENDING
        mark = STATES.get(PointStatus(status), "?") if status in set(PointStatus) else "?"
        said = f"{mark * 2} {status[:7]:<7}" if full else mark * 2
        return Text(f"{said:<{width}}" + (" " if marked else ""), style="dim")
    cell = point.cells[model]
    if not math.isfinite(cell.median) or span is None:
        return Text(f"{'××' + (' diverged' if full else ''):<{width}}" + (" " if marked else ""), style="red")
    shade = level(cell.median, span)
    ramp = LEVELS[shade] * 2
    text = Text(ramp, style=f"bold {LEVEL_COLORS[shade]}")
    if full:
        text.append(f" {cell.median:.1e}", style=LEVEL_COLORS[shade])
    if marked:
        text.append("✓" if 2 * cell.solved > cell.of else " ")
    return text


def model_map(info: SweepInfo, model: str, span: tuple[float, float] | None, full: bool) -> list[Text]:
    """One model's map as lines: its name, the second setting's values, a row per value of the first."""
    down, across = info.axes[0], info.axes[1]
    marked = any(p.solved_below is not None for p in info.finished)
    at = {(repr(p.values.get(down.name)), repr(p.values.get(across.name))): p for p in info.points}
    cell = (10 if full else 2) + (1 if marked else 0)
    labels = [value_text(v) for v in across.values]
    width = max(cell, *(len(label) for label in labels)) + 1
    corner = f"{down.key}↓ {across.key}→"
    lead = max(len(corner), *(len(value_text(v)) + 1 for v in down.values))
    lines = [Text(LAYER_NAMES.get(model, model), style="bold")]
    lines.append(Text(f"{corner:<{lead}}" + "".join(f"{label:>{width - 1}} " for label in labels)))
    for value in down.values:
        row = Text(f"{value_text(value):<{lead}}")
        for other in across.values:
            text = cell_text(at.get((repr(value), repr(other))), model, span, full, marked)
            row.append(" " * (width - text.cell_len - 1))
            row.append_text(text)
            row.append(" ")
        lines.append(row)
    return lines


def scale_lines(info: SweepInfo, span: tuple[float, float] | None, width: int) -> list[Text]:
    """What a shade means (the same in every map), and the marks: one line, or two where it would not fit."""
    seeds = f"median of {info.seeds} seeds" if info.seeds > 1 else "one seed"
    scale = Text(f"final val loss ({seeds}), one log scale: ")
    if span is None:
        scale.append("drawn as points finish")
    else:
        scale.append(f"{LEVELS[0]} {10 ** span[0]:.1e}", style=LEVEL_COLORS[0])
        scale.append(" … ")
        scale.append(f"{LEVELS[-1]} {10 ** span[1]:.1e}", style=LEVEL_COLORS[-1])
    marks = Text("✓ most seeds solved it · " if any(p.solved_below is not None for p in info.finished) else "")
    marks.append("·· pending  »» running  ✗✗ failed  // stopped")
    if scale.cell_len + 3 + marks.cell_len <= width:
        return [scale + Text(" · ") + marks]
    return [scale, marks]


def maps_text(info: SweepInfo, width: int) -> Text:
    """Every model's map, side by side where ``width`` allows (else one under the other), values where they fit."""
    span = loss_range(info)
    for full in (True, False):
        blocks = [model_map(info, model, span, full) for model in info.models]
        widths = [max(line.cell_len for line in block) for block in blocks]
        if sum(widths) + len(GAP) * (len(blocks) - 1) <= width:
            rows = []
            for k in range(max(len(block) for block in blocks)):
                row = Text()
                for n, block in enumerate(blocks):
                    line = block[k] if k < len(block) else Text()
                    row.append_text(line)
                    if n < len(blocks) - 1:
                        row.append(" " * (widths[n] - line.cell_len) + GAP)
                rows.append(row)
            break
        if max(widths, default=0) <= width or not full:
            rows = [line for block in blocks for line in [*block, Text()]][:-1]
            break
    return Text("\n").join([*rows, Text(""), *scale_lines(info, span, width)])


class SweepMaps(Widget):
    """The heatmaps of a two-setting sweep, laid out for the width the widget has when it is painted."""

    DEFAULT_CSS = "SweepMaps { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.info: SweepInfo | None = None

    def draw(self, info: SweepInfo) -> None:
        self.info = info
        self.refresh(layout=True)

    def text(self, width: int) -> Text:
        if self.info is None or len(self.info.axes) != 2 or not self.info.models:
            return Text("")
        text = maps_text(self.info, max(width, 20))
        text.no_wrap = True
        return text

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.text(width).split())

    def render(self) -> RenderResult:
        return self.text(self.size.width)
