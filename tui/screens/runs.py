"""The runs screen: every run folder in a table — filter, sort, select several to overlay and diff, open one.

It reads only ``config.json`` and ``metrics.json`` to list (no TensorFlow); a selected run's curves
are read from its ``history.csv`` when it is selected. Damaged folders are listed with the reason
(a setting saved with a value its declaration refuses: the key, the value, what is allowed), and
enter on one whose settings cannot be read says so instead of opening it. A sweep folder is listed as a
sweep (what it varies, how far it got: :mod:`engine.sweep.listing`); enter hands it to the app, which
opens its sweep view; it has no curves of its own to overlay.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Static

from engine.report.events import number
from engine.runs.history import val_curves
from engine.runs.reader import RunInfo, config_diff
from engine.sweep.listing import list_folders
from tui.charts.curves import Curve
from tui.charts.plots import CurveChart

OVERLAY_COLORS = ("cyan+", "magenta+", "orange+", "green+", "blue+", "red+", "yellow+", "white")
"""One colour per selected run and model, in turn (the legend names each)."""
COLUMNS = ("sel", "run", "task", "models", "epochs", "status", "best val", "RMSE")


def best_text(run: RunInfo) -> str:
    """Each model's best val loss, e.g. ``rnn 9.2e-06 · lstm 2.1e-05``."""
    return " · ".join(f"{m} {number(run.model_figure(m, 'best_val_loss'), '{:.1e}')}" for m in run.models) or "—"


def row_of(run: RunInfo, selected: bool) -> tuple[str, ...]:
    """The table row of ``run``; a damaged one says what is wrong in its status."""
    done, total = run.epochs_done, run.epochs_total
    epochs = f"{done if done is not None else '—'}/{total if total is not None else '—'}"
    rmse = " · ".join(number(run.model_figure(m, "forecast_rmse"), "{:.3f}") for m in run.models) or "—"
    status = f"{run.status}: {run.problem}" if run.problem else run.status
    best = best_text(run)
    if run.sweep:  # not a run: what it varies and how far it got; its points' figures are in its own view
        epochs, status, best, rmse = "—", f"sweep: {run.sweep}", "—", "—"
    return ("●" if selected else " ", run.name, run.task, ",".join(run.models) or "—", epochs, status, best, rmse)


def sort_key(run: RunInfo, column: str) -> tuple[float, str]:
    """How ``column`` orders runs: numbers by value (missing last), the rest alphabetically."""
    if column == "best val":
        values = [run.model_figure(m, "best_val_loss") for m in run.models]
        finite = [v for v in values if math.isfinite(v)]
        return (min(finite) if finite else math.inf, run.name)
    if column == "epochs":
        return (float(run.epochs_done if run.epochs_done is not None else -1), run.name)
    text = dict(zip(COLUMNS, row_of(run, False), strict=True))[column]
    return (0.0, text.lower())


class RunsTable(DataTable[Text | str]):
    """The runs, one per row; space selects a run for the overlay, enter opens it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_row", "Select", tooltip="Select or deselect this run for the overlay and diff"),
    ]

    def action_toggle_row(self) -> None:
        """Select or deselect the run under the cursor."""
        screen = self.screen
        if isinstance(screen, RunsScreen) and self.row_count:
            screen.toggle(str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value))


class RunsScreen(Screen[Path | None]):
    """Browse the run folders under ``root``; dismisses with the folder to open, or ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="runs_back"),
        Binding("tab", "focus_next", "Filter/table", show=False),
    ]

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.runs: list[RunInfo] = []
        self.selected: list[str] = []
        """Names of the selected runs, in the order they were selected."""
        self.sort_column = "run"
        self.descending = True

    def compose(self) -> ComposeResult:
        yield Label("", id="runs-title")
        yield Input(
            placeholder="filter: type words to match (run, task, models, status); tab: to the table", id="runs-filter"
        )
        yield RunsTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="runs-compare"):
            yield CurveChart("val loss of the selected runs", id="runs-overlay")
            with Vertical(id="runs-diff-box"):
                yield Static("select runs with space to overlay and diff them", id="runs-diff")
        yield Footer()

    def on_mount(self) -> None:
        self.runs = list_folders(self.root)  # run folders, and sweep folders listed as sweeps
        table = self.query_one(RunsTable)
        for column in COLUMNS:
            table.add_column(column, key=column)
        self.refill()
        self.query_one(RunsTable).focus()

    def shown_runs(self) -> list[RunInfo]:
        """The runs that match every word of the filter, in the chosen order."""
        words = self.query_one("#runs-filter", Input).value.lower().split()
        shown = [run for run in self.runs if all(w in " ".join(row_of(run, False)).lower() for w in words)]
        return sorted(shown, key=lambda run: sort_key(run, self.sort_column), reverse=self.descending)

    def refill(self) -> None:
        """Rebuild the table from the runs, the filter, the order and the selection."""
        table = self.query_one(RunsTable)
        table.clear()
        shown = self.shown_runs()
        for run in shown:  # as Text: a folder's name or a saved value may hold "[", which a str cell reads as markup
            table.add_row(*map(Text, row_of(run, run.name in self.selected)), key=run.name)
        self.show_title(len(shown))

    def show_title(self, shown: int) -> None:
        """How many runs are shown, how they are ordered, how many are selected, and the keys."""
        order = f"{self.sort_column} {'↓' if self.descending else '↑'}"
        sweeps = sum(1 for run in self.runs if run.sweep)
        what = f"runs and sweeps ({sweeps} sweep{'s' * (sweeps != 1)})" if sweeps else "runs"
        self.query_one("#runs-title", Label).update(
            f"{shown} of {len(self.runs)} {what} in {self.root} · sorted by {order} (click a heading) · "
            f"{len(self.selected)} selected · space: select · enter: open · escape: back"
        )

    @on(Input.Changed, "#runs-filter")
    def filter_changed(self) -> None:
        self.refill()

    @on(DataTable.HeaderSelected)
    def sort_by(self, event: DataTable.HeaderSelected) -> None:
        """A heading was clicked: sort by it (again: the other way round)."""
        column = str(event.column_key.value)
        self.descending = not self.descending if column == self.sort_column else False
        self.sort_column = column
        self.refill()

    @on(DataTable.RowSelected)
    def open_run(self, event: DataTable.RowSelected) -> None:
        """Enter on a row: open that run or sweep, or say why it cannot be shown (the browser stays)."""
        name = str(event.row_key.value)
        run = next((run for run in self.runs if run.name == name), None)
        if run is not None and run.refusal and (run.problem or not run.sweep):  # a readable sweep: the app opens it
            self.notify(f"{name}: {run.refusal}", title="cannot open this run", severity="error", markup=False)
            return
        self.dismiss(self.root / name)

    def toggle(self, name: str) -> None:
        """Select or deselect run ``name``; the overlay and the diff follow."""
        if any(run.name == name and run.sweep for run in self.runs):
            self.notify(f"{name} is a sweep: enter opens it", title="not a run to overlay", markup=False)
            return
        if name in self.selected:
            self.selected.remove(name)
        else:
            self.selected.append(name)
        table = self.query_one(RunsTable)
        table.update_cell(name, "sel", "●" if name in self.selected else " ")
        self.show_selection()
        self.show_title(table.row_count)

    def show_selection(self) -> None:
        """Overlay the selected runs' val-loss curves and list the settings that differ."""
        chosen = [run for name in self.selected for run in self.runs if run.name == name]
        curves: list[Curve] = []
        for run in chosen:
            for model, curve in val_curves(run.path).items():
                color = OVERLAY_COLORS[len(curves) % len(OVERLAY_COLORS)]
                curves.append(Curve(f"{run.name} {model}", curve.epochs, curve.val_loss, color))
        self.query_one("#runs-overlay", CurveChart).draw(curves, log=True)
        diff = config_diff(chosen) if len(chosen) > 1 else {}
        if len(chosen) < 2:
            text = "select at least two runs to see the settings that differ"
        elif not diff:
            text = "the selected runs have the same settings"
        else:
            text = "\n".join(f"{label}: {' | '.join(values)}" for label, values in diff.items())
        self.query_one("#runs-diff", Static).update(Text(text))

    def action_close(self) -> None:
        """Back to the run on screen."""
        self.dismiss(None)
