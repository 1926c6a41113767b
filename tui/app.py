"""The rnnlstm-tui Textual app: live loss charts, forecasts, summaries and metrics of a run.

Threads: the engine reports from its own threads through :class:`tui.runner.Run`, which posts
Textual messages; every handler here runs on the UI thread and is the only place widgets
change. Charts are not redrawn per message: handlers store data and mark it dirty, and a
timer redraws at most ``1 / REDRAW_SECONDS`` times a second, only what is on screen.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.driver import Driver
from textual.geometry import Size
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from engine.artifacts import RunFolderError
from engine.cli import Invocation
from engine.config import Config
from engine.data import make_dataset
from engine.events import ForecastReport, RunFinished, Stage, Status
from engine.experiment import Experiment, run_experiment
from tui import messages as msg
from tui.charts import TRUTH_COLOR, Curve, LossHistory
from tui.keys import BINDINGS as KEYS
from tui.keys import TAB_IDS, binding_commands
from tui.panes import ForecastPane, MetricsPane, SizeNotice, SummariesPane, TrainingPane
from tui.runner import Run, RunFolders
from tui.settings import SettingsScreen

TABS = dict(zip(TAB_IDS, (TrainingPane, ForecastPane, SummariesPane, MetricsPane), strict=True))
"""Tab pane ids and their contents, in the order of the keys 1–4."""
RUN_ACTIONS = frozenset({"start", "stop", "restart", "settings", "toggle_log", "toggle_smooth", "show_tab", "export"})
"""Actions that make no sense while the settings form is open (keys typed there stay in the form)."""


class RnnLstmApp(App[int]):
    """Train the configured models live and compare them; see ``BINDINGS`` for the keys.

    ``source`` is the parsed command line or a bare :class:`Config` (tests); run folders go under
    ``run_root`` (:class:`tui.runner.RunFolders`); ``autostart`` trains right after the first frame.
    ``experiment`` is the engine's entry point, :func:`engine.experiment.run_experiment` unless a
    test hands in a scripted one (TensorFlow loads only when the real one runs).
    """

    TITLE = "rnnlstm-tui"
    CSS_PATH = Path(__file__).with_name("app.tcss")
    MIN_SIZE = (60, 20)
    """Below this (columns, rows) a notice replaces the layout."""
    PROGRESS_SECONDS = 0.25
    """Period of the progress bars, speeds and live metrics (cheap: fixed-size labels, no layout)."""
    REDRAW_SECONDS = 0.5
    """Period of the charts (~15 ms each to build). On 2 busy cores 0.2 s cost +16 % CPU over headless, 0.5 s +8 %."""
    QUIT_GRACE_SECONDS = 1.5
    """How long quit waits for the engine to finish the current epoch and write the run folder."""

    BINDINGS: ClassVar[list[BindingType]] = list(KEYS)  # see tui.keys

    state: reactive[str] = reactive("idle")
    """What the run is doing, shown in the header: loading TensorFlow, training, finished, error…"""
    device: reactive[str] = reactive("")
    log_scale: reactive[bool] = reactive(True)
    """Loss charts on a log axis (losses fall over orders of magnitude)."""
    smoothing: reactive[bool] = reactive(False)

    def __init__(
        self,
        source: Invocation | Config,
        run_root: Path = Path("runs"),
        *,
        experiment: Experiment = run_experiment,
        autostart: bool = True,
        driver_class: type[Driver] | None = None,
    ) -> None:
        super().__init__(driver_class=driver_class)
        self.experiment = experiment
        self.config = source if isinstance(source, Config) else source.config
        self.folders = RunFolders(run_root, None if isinstance(source, Config) else source.out)
        self.autostart = autostart
        self.current: Run | None = None
        """The run on screen; earlier ones may still be finishing their folders."""
        self.runs: list[Run] = []
        self.active = False
        """Whether the current run is still going (drives the Start/Stop key)."""
        self.worker: Worker[RunFinished | None] | None = None
        """The thread worker supervising the current run."""
        self.histories: dict[str, LossHistory] = {}
        self.forecasts: dict[str, ForecastReport] = {}
        self.dirty: set[str] = set()
        """Tabs whose charts have new data to draw."""

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="tabs"):
            for n, (tab, pane) in enumerate(TABS.items(), 1):
                with TabPane(f"{n} {tab.title()}", id=tab):
                    yield pane()
        yield Footer()
        yield SizeNotice(id="too-small")

    def on_mount(self) -> None:
        self.set_interval(self.PROGRESS_SECONDS, self._show_progress)
        self.set_interval(self.REDRAW_SECONDS, self._redraw)
        self._fit_screen(self.size)
        if self.autostart:
            # After the first frame: importing TensorFlow on another thread still competes for the GIL.
            self.call_after_refresh(self.action_restart)

    async def action_restart(self) -> None:
        """Stop the current run, if any, and start a fresh one of ``self.config`` in a new run folder."""
        if self.current is not None:
            self.current.stop.request()
        config = self.config
        try:
            run_dir = self.folders.next()
        except (OSError, RunFolderError) as error:  # e.g. a read-only working folder
            self.active, self.state = False, "error"
            self.notify(str(error), title="cannot create a run folder", severity="error")
            return
        run = Run(len(self.runs) + 1, config, run_dir, self.post_message, self.experiment)
        self.current, self.active = run, True
        self.runs.append(run)
        self.histories, self.forecasts = {model: LossHistory() for model in config.models}, {}
        self.device, self.state = "", "starting"
        await self.query_one(TrainingPane).reset(config.models, config.epochs)
        self.query_one(MetricsPane).reset(config.models, run.run_dir)
        data = make_dataset(config)  # numpy only: the truth is on screen before TensorFlow is
        self.query_one(ForecastPane).reset(Curve("truth", data.x, data.y, TRUTH_COLOR), config.forecast_every)
        self.dirty |= {"training", "forecast"}
        self.worker = self._train(run)

    @work(thread=True, exclusive=True, exit_on_error=False, group="training", name="training")
    def _train(self, run: Run) -> RunFinished | None:
        worker = get_current_worker()
        return run.supervise(lambda: worker.is_cancelled)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker failures (training, export) surface: shown, never fatal."""
        if (worker := event.worker).state == WorkerState.ERROR:
            if worker is self.worker:
                self.active, self.state = False, "error"
            self.notify(
                f"{type(worker.error).__name__}: {worker.error}", title=f"{worker.name} failed", severity="error"
            )

    def _current(self, message: msg.EngineMessage) -> bool:  # events of a replaced run are dropped
        return self.current is not None and message.run_id == self.current.run_id

    def on_phase_changed(self, message: msg.PhaseChanged) -> None:
        if self._current(message) and not self.current.stop.is_set():  # type: ignore[union-attr]
            if message.phase.stage is Stage.TRAINING:
                self.query_one(TrainingPane).show_compiling()
            self.state = message.phase.stage

    async def on_run_began(self, message: msg.RunBegan) -> None:
        if self._current(message):
            self.device = message.started.device
            self.query_one(MetricsPane).set_params(message.started.params)
            await self.query_one(SummariesPane).show(message.started.summaries)

    def on_epochs_done(self, message: msg.EpochsDone) -> None:
        """Only store: progress, table and charts follow on the timer, however fast epochs come."""
        if self._current(message):
            for report in message.reports:
                self.histories[report.model].add(report)
            self.dirty |= {"training", "progress"}

    def on_forecast_done(self, message: msg.ForecastDone) -> None:
        if self._current(message):
            self.forecasts[message.report.model] = message.report
            self.query_one(MetricsPane).show_rmse(message.report)
            self.dirty.add("forecast")

    def on_model_done(self, message: msg.ModelDone) -> None:
        if self._current(message):
            self._show_progress()  # the last epochs first, so they don't overwrite what follows
            self.query_one(TrainingPane).panel(message.finished.model).show_status(message.finished)
            self.query_one(MetricsPane).show_done(message.finished)

    def on_run_done(self, message: msg.RunDone) -> None:
        if self._current(message):
            finished = message.finished
            self._show_progress()
            self.active, self.state = False, finished.status
            self.query_one(MetricsPane).show_final(finished.metrics)
            self._redraw()  # the final curves at once, not at the next tick
            self.notify(f"run folder: {finished.run_dir}", title=f"training {finished.status}")

    def _show_progress(self) -> None:
        if "progress" in self.dirty:
            self.dirty.discard("progress")
            self.query_one(TrainingPane).show_progress(self.histories)
            self.query_one(MetricsPane).show_live(self.histories)

    def _redraw(self) -> None:
        """Show new progress, and hand new data to the charts of the visible tab (called by the timer)."""
        self._show_progress()  # first, so progress and charts agree
        tab = self.query_one(TabbedContent).active
        if tab not in self.dirty:
            return
        self.dirty.discard(tab)
        if tab == "training":
            self.query_one(TrainingPane).draw(self.histories, log=self.log_scale, smooth=self.smoothing)
        elif tab == "forecast":
            self.query_one(ForecastPane).draw([self.forecasts[m] for m in self.config.models if m in self.forecasts])

    def _redraw_now(self) -> None:
        """After a key press (log, smoothing, another tab): redraw at once, not at the next tick."""
        self.dirty.add("training")  # log and smoothing change the loss charts
        self._redraw()

    watch_log_scale = watch_smoothing = on_tabbed_content_tab_activated = _redraw_now

    def _show_state(self) -> None:
        self.sub_title = f"{self.device} · {self.state}" if self.device else self.state
        self.refresh_bindings()  # the Footer shows Start or Stop for s

    watch_state = watch_device = _show_state
    action_start = action_restart  # a new run in a new folder with the current settings

    def on_resize(self, event: events.Resize) -> None:
        self._fit_screen(event.size)  # the event's: ``self.size`` may not be updated yet

    def _fit_screen(self, size: Size) -> None:
        """Swap the layout for a notice while the terminal is below ``MIN_SIZE`` (CSS does the swap)."""
        self.set_class(self.query_one(SizeNotice).check(size, self.MIN_SIZE), "-too-small")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from binding_commands(self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in RUN_ACTIONS and isinstance(self.screen, SettingsScreen):
            return False
        return {"start": not self.active, "stop": self.active, "export": self.current is not None}.get(action, True)

    def action_stop(self) -> None:
        """Stop after the current epoch; the run folder is still written completely."""
        if self.current is not None and self.active:
            self.current.stop.request()
            self.state = "stopping"

    def action_settings(self) -> None:
        """Edit the settings; applying valid ones restarts training with them."""
        self.push_screen(SettingsScreen(self.config), self._apply_settings)

    async def _apply_settings(self, config: Config | None) -> None:
        if config is not None:
            self.config = config
            await self.action_restart()

    def action_toggle_log(self) -> None:
        """Log scale on the loss charts."""
        self.log_scale = not self.log_scale

    def action_toggle_smooth(self) -> None:
        """EMA smoothing of the loss curves (the raw curve stays, faint, behind)."""
        self.smoothing = not self.smoothing

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_export(self) -> None:
        """Save an SVG screenshot of every tab into the run folder."""
        if self.current is not None:  # check_action hides the key until a run exists
            self._export(self.current.run_dir)

    @work(exclusive=True, exit_on_error=False, group="export", name="export")
    async def _export(self, folder: Path) -> None:
        tabs = self.query_one(TabbedContent)
        shown, saved = tabs.active, []
        for tab in TABS:
            tabs.active = tab
            self._redraw()
            await self.screen.wait_for_refresh()  # the tab laid out and painted before the shot
            saved.append(Path(self.save_screenshot(filename=f"screen-{tab}.svg", path=str(folder))).name)
        tabs.active = shown
        self.notify(f"{', '.join(saved)} in {folder}", title="screenshots saved")

    async def action_quit(self) -> None:
        """Stop every run, give the engine a moment to write its folder, then exit regardless."""
        for run in self.runs:
            run.stop.request(Status.INTERRUPTED)  # a run the user had already stopped stays "stopped"
        if any(run.alive for run in self.runs):
            self.state = "stopping"
            deadline = time.monotonic() + self.QUIT_GRACE_SECONDS
            while any(run.alive for run in self.runs) and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        self.exit(0)


def run_app(invocation: Invocation) -> int:
    """Open the TUI for ``invocation`` in this terminal (see :mod:`tui.terminal`); return the exit code."""
    from tui.terminal import run_in_terminal

    return run_in_terminal(invocation)
