"""The sweep screen: a table of the points, THE chart (or a heatmap per model), the live curves and the lesson.

Everything it shows of the points comes from the sweep folder as read (:class:`tui.sweep_runner.SweepRead`,
handed in by the app through :meth:`SweepScreen.show`); the curves of the points being trained come as
engine events (:meth:`SweepScreen.add_events`). ``enter`` on a point asks the app to open its run folder in
the usual tabs; the app's ``escape`` comes back here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from engine.report.events import EpochReport, Event, RunStarted
from engine.sweep.grid import value_text
from engine.sweep.lesson import lesson_lines, task_phrase
from engine.sweep.reader import PointStatus, SweepInfo
from engine.sweep.tables import pack_note
from tui.charts.history import LossHistory
from tui.charts.plots import MODEL_COLORS, CurveChart
from tui.charts.sweep import SweepChart
from tui.panes.sweep_maps import SweepMaps
from tui.panes.sweep_table import PointsTable

REDRAW_SECONDS = 1.0
"""Period of the live curves and the epochs column (as the run tabs': the points' workers share the cores)."""
LIVE = (PointStatus.PENDING, PointStatus.RUNNING)
"""Statuses whose points may still send epochs."""


class SweepScreen(Screen[None]):
    """The sweep in ``path``; ``plan``: the plan's lines, for a sweep this app runs (empty for one opened)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "toggle_log", "Log", tooltip="Log scale on the val-loss axes, on or off", id="sweep_log"),
        Binding(
            "s",
            "stop_sweep",
            "Stop sweep",
            tooltip="Stop every point now; they are marked interrupted and --resume continues them",
            id="sweep_stop",
        ),
        Binding(
            "escape", "back", "Runs", tooltip="Back to the runs browser this sweep was opened from", id="sweep_back"
        ),
    ]
    DEFAULT_CSS = """
    SweepScreen #sweep-status { height: 2; padding: 0 1; color: $text-muted; }
    SweepScreen #sweep-status { text-wrap: nowrap; text-overflow: ellipsis; }
    SweepScreen #sweep-table { height: auto; max-height: 9; }
    SweepScreen #sweep-body { height: 1fr; min-height: 8; }
    SweepScreen #sweep-main { width: 3fr; }
    SweepScreen #sweep-chart { height: 1fr; }
    SweepScreen #sweep-maps-box { height: 1fr; display: none; }
    SweepScreen #sweep-maps { padding: 0 1; }
    SweepScreen #sweep-live { width: 2fr; display: none; }
    SweepScreen #sweep-live.-training { display: block; }
    SweepScreen #sweep-guide { height: auto; max-height: 4; padding: 0 1; background: $boost; }
    """

    @dataclass
    class OpenPoint(Message):
        """Open this point's run folder in the usual tabs."""

        index: int
        path: Path

    class StopRequested(Message):
        """Stop the sweep this app runs."""

    class BackRequested(Message):
        """Back to the runs browser the sweep was opened from."""

    def __init__(self, path: Path, plan: list[str] | None = None, *, back: bool = False) -> None:
        super().__init__()
        self.path = path
        self.plan = plan or []
        self.back = back
        """Opened from the runs browser: escape goes back there."""
        self.info: SweepInfo | None = None
        self.live: dict[int, dict[str, LossHistory]] = {}
        """The epochs of each point being trained, per model."""
        self.log_scale = True
        self.running = False
        """Whether this app's session is running the sweep (the stop key applies)."""
        self.over = ""
        """How this app's session ended, once it has."""
        self.dirty = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("reading the sweep folder…", id="sweep-status")
        yield PointsTable(id="sweep-table", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="sweep-body"):
            with Vertical(id="sweep-main"):
                yield SweepChart(id="sweep-chart")
                with VerticalScroll(id="sweep-maps-box"):  # stacked maps may need more rows than a small terminal has
                    yield SweepMaps(id="sweep-maps")
            yield CurveChart("training now: val loss", id="sweep-live")  # short: plotext drops a wider title
        with VerticalScroll(id="sweep-guide"):
            yield Static("", id="sweep-lesson")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"sweep · {self.path.name}"
        self.set_interval(REDRAW_SECONDS, self.redraw_live)
        self.query_one(PointsTable).focus()

    def on_screen_resume(self) -> None:
        if self.info is not None:
            self.show(self.info)
        self.dirty = True
        self.redraw_live()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop_sweep":
            return self.running
        if action == "back":  # else escape is the app's: it closes the keys panel
            return self.back and not self.query("HelpPanel")
        return True

    # -- what the folder says --------------------------------------------------------------------------

    def show(self, info: SweepInfo) -> None:
        """The folder as read: the table, the chart or the maps, the lesson and the status line."""
        self.info = info
        for index in [i for i in self.live if i >= len(info.points) or info.points[i].status not in LIVE]:
            del self.live[index]  # ended: its result is in the table and the chart now
        self.query_one(PointsTable).fill(info, self.live)
        two = len(info.axes) == 2
        chart, maps = self.query_one(SweepChart), self.query_one(SweepMaps)
        chart.display, self.query_one("#sweep-maps-box").display = not two, two
        if two:
            maps.draw(info)
        else:
            chart.draw(info, log=self.log_scale)
        lesson = lesson_lines(info) + pack_note(info) if not info.problem else [f"{info.path}: {info.problem}"]
        self.query_one("#sweep-lesson", Static).update(Text("Guide: " + "\n".join(lesson)))
        self.show_status()
        self.dirty = True

    def show_status(self) -> None:
        info = self.info
        if info is None:
            return
        if info.problem and not info.points:
            self.query_one("#sweep-status", Static).update(Text(f"{self.path}: {info.problem}"))
            return
        what = " × ".join(f"{axis.label}" for axis in info.axes)
        training = sum(1 for p in info.points if p.status == PointStatus.RUNNING)
        seeds = f"median of {info.seeds} seeds" if info.seeds > 1 else "one seed"
        solved = ", and how many seeds solved it" if any(p.solved_below is not None for p in info.finished) else ""
        first = (
            f"{len(info.finished)} of {len(info.points)} points finished"
            + (f", {training} training" if training else "")
            + f" · each model: its final val loss ({seeds}){solved} · {task_phrase(info.task)}, {what}"
        )
        if self.over == PointStatus.INTERRUPTED or (not self.running and info.status == PointStatus.INTERRUPTED):
            second = f"interrupted: resume with  rnnlstm-tui --resume {self.path}"
        elif self.running and len(self.plan) > 1:
            second = self.plan[1]
        else:
            second = f"sweep folder {self.path} ({info.status})"
        self.query_one("#sweep-status", Static).update(Text(first + "\n" + second))
        state = self.over or info.status
        self.sub_title = f"sweep · {info.task} · {state}"

    # -- what the points being trained report ----------------------------------------------------------

    def began(self, index: int) -> None:
        """A point (re)started: its curves start empty."""
        self.live[index] = {}
        self.dirty = True

    def add_events(self, index: int, events: tuple[Event, ...]) -> None:
        """Store a running point's epochs (drawn by the timer, not here)."""
        if self.info is not None and index < len(self.info.points) and self.info.points[index].status not in LIVE:
            return  # late events of a point the folder already says ended
        histories = self.live.setdefault(index, {})
        for event in events:
            if isinstance(event, EpochReport):
                histories.setdefault(event.model, LossHistory()).add(event)
            elif isinstance(event, RunStarted):
                for history in histories.values():
                    history.solved_below = event.solved_below
        self.dirty = True

    def redraw_live(self) -> None:
        """The live curves and the epochs column, on the timer while this screen is shown."""
        if not self.dirty or not self.is_current or self.info is None:
            return
        self.dirty = False
        info, table = self.info, self.query_one(PointsTable)
        curves = []
        for index, histories in sorted(self.live.items()):
            point = info.points[index] if index < len(info.points) else None
            if point is None:
                continue
            label = ",".join(f"{a.symbol}={value_text(point.values.get(a.name))}" for a in info.axes)  # T=25
            for model, history in histories.items():
                if history.epochs:
                    curve = history.curve(f"{label} {model}", "val_loss", MODEL_COLORS.get(model, "white"))
                    curve.band = None  # a band per running point would hide the curves under it
                    curves.append(curve)
            table.show_epochs(info, point, histories)
        live = self.query_one("#sweep-live", CurveChart)
        live.set_class(bool(curves), "-training")
        if curves:
            live.draw(curves, log=self.log_scale)

    # -- keys -----------------------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#sweep-table")
    def open_point(self, event: DataTable.RowSelected) -> None:
        """Enter on a point: open its run (one that has not started has nothing to show yet)."""
        if self.info is None:
            return
        point = self.info.points[int(str(event.row_key.value))]
        if point.status == PointStatus.PENDING or not point.path.is_dir():
            self.notify(f"point {point.index + 1} has not started yet", title="nothing to open")
            return
        self.post_message(self.OpenPoint(point.index, point.path))

    def action_toggle_log(self) -> None:
        """Log scale on the chart's and the live curves' val-loss axes."""
        self.log_scale = not self.log_scale
        if self.info is not None:
            self.show(self.info)
        self.redraw_live()

    def action_back(self) -> None:
        """Ask the app for the runs browser again."""
        self.post_message(self.BackRequested())

    def action_stop_sweep(self) -> None:
        """Ask the app to stop the sweep it runs."""
        self.post_message(self.StopRequested())
