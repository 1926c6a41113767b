"""The sweep screen's table: a row per point, its cells kept up to date in place as the folder changes."""

from __future__ import annotations

import math
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from engine.config.choices import LAYER_NAMES
from engine.sweep.grid import value_text
from engine.sweep.reader import PointInfo, PointStatus, SweepInfo
from engine.sweep.tables import verdict_short
from tui.charts.history import LossHistory


def epochs_text(point: PointInfo, live: dict[str, LossHistory], planned: int) -> str:
    """``12/60``: the slowest model's epoch while a point trains, the epochs it ran once it finished."""
    if point.status == PointStatus.RUNNING:
        done = [h.latest.epoch for h in live.values() if h.latest is not None]
        return f"{min(done)}/{planned}" if done else "starting"
    ran = [r.epochs_done for r in point.rows if math.isfinite(r.epochs_done)]
    return f"{int(max(ran))}/{planned}" if ran else ""


def status_text(point: PointInfo) -> str:
    """The point's status, its attempt when retried, and a failure's reason (cut short: enter shows it all)."""
    said = str(point.status)
    if point.attempts > 1 and point.status == PointStatus.RUNNING:
        said += f" (try {point.attempts})"
    if point.error:
        said += f": {point.error}"
    return said if len(said) <= 32 else said[:31] + "…"


def model_text(point: PointInfo, model: str, marked: bool) -> str:
    """The model's median final val loss at the point and, for a task with a solved mark, how many seeds solved."""
    cell = point.cells.get(model)
    if cell is None:
        return ""
    median = f"{cell.median:.2e}" if math.isfinite(cell.median) else "diverged"
    return f"{median} {cell.solved}/{cell.of}" if marked else median


def seconds_text(info: SweepInfo, point: PointInfo) -> str:
    """The point's seconds; ``(pack)`` where it trained in a pack, whose seconds they are (the Guide says which)."""
    if not math.isfinite(point.seconds):
        return ""
    packed = any(point.index in pack for pack in info.packs)
    return f"{point.seconds:.0f} (pack)" if packed else f"{point.seconds:.0f}"


def planned_epochs(info: SweepInfo, point: PointInfo) -> int:
    """The epochs a point trains: swept, or every point's."""
    planned = point.values.get("epochs", info.base.get("epochs", 0))
    return planned if isinstance(planned, int) else 0


class PointsTable(DataTable[Text]):
    """The points, one per row; enter opens the one under the cursor (the screen handles ``RowSelected``)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select_cursor",
            "Open point",
            tooltip="Open this point's run in the usual tabs (escape comes back)",
            id="sweep_open",
        ),
    ]

    def fill(self, info: SweepInfo, live: dict[int, dict[str, LossHistory]]) -> None:
        """One row per point, made once; its cells updated in place (the cursor stays where it is)."""
        marked = any(p.solved_below is not None for p in info.finished)  # then a model's cell: "loss k/N"
        columns = [
            ("#", "n"),
            *((axis.key, f"axis-{axis.name}") for axis in info.axes),
            ("status", "status"),
            ("epochs", "epochs"),
            *((LAYER_NAMES.get(m, m), f"model-{m}") for m in info.models),
            ("s", "seconds"),
            ("verdict", "verdict"),  # last: where the table is wider than the screen, a cut verdict still reads
        ]
        if [str(c.label) for c in self.columns.values()] != [label for label, _ in columns]:
            self.clear(columns=True)  # the first read
            for label, key in columns:
                self.add_column(label, key=key)
        for point in info.points:
            cells = row(info, point, live.get(point.index, {}), marked)
            key = str(point.index)
            if key not in self.rows:
                self.add_row(*cells, key=key)
                continue
            for (_, column), cell in zip(columns, cells, strict=True):
                if self.get_cell(key, column) != cell:
                    self.update_cell(key, column, cell, update_width=True)

    def show_epochs(self, info: SweepInfo, point: PointInfo, live: dict[str, LossHistory]) -> None:
        """A training point's epochs column, from its live curves."""
        key = str(point.index)
        if key in self.rows and "epochs" in self.columns:
            text = Text(epochs_text(point, live, planned_epochs(info, point)))
            if self.get_cell(key, "epochs") != text:
                self.update_cell(key, "epochs", text, update_width=True)


def row(info: SweepInfo, point: PointInfo, live: dict[str, LossHistory], marked: bool) -> list[Text]:
    """A point's cells: #, the swept values, status, epochs, each model's figures, seconds, verdict."""
    cells = [
        str(point.index + 1),
        *(value_text(point.values.get(axis.name)) for axis in info.axes),
        status_text(point),
        epochs_text(point, live, planned_epochs(info, point)),
        *(model_text(point, m, marked) for m in info.models),
        seconds_text(info, point),
        verdict_short(info, point),
    ]
    return [Text(cell) for cell in cells]  # Text: a value or an error may hold "[", which a str reads as markup
