"""The rnnlstm-tui Textual app: keys, actions and the runs it starts (what it shows: :mod:`tui.live`).

Threads: the engine reports from its own threads through :class:`tui.runner.Run`, which posts
Textual messages; every handler runs on the UI thread and is the only place widgets change.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual import events, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.driver import Driver
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Footer, Header, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from engine.cli import Invocation
from engine.config.config import SETTING, Config, ConfigError, phrase
from engine.experiment import Experiment, run_experiment
from engine.report.events import RunFinished, Status
from engine.runs.folder import RunFolderError
from engine.runs.reader import read_run
from engine.runs.replay import opened, replay_run
from tui.attach import AttachControl
from tui.keys import BINDINGS as KEYS
from tui.keys import TAB_IDS, binding_commands
from tui.panes.guide import GuidePane
from tui.panes.inside import InsidePane
from tui.panes.metrics import MetricsPane
from tui.panes.seed_tables import SeedsView
from tui.panes.tabs import ForecastPane, SizeNotice, SummariesPane, show_tab
from tui.panes.training import TrainingPane
from tui.runner import Run, RunFolders, free_name
from tui.screens.runs import RunsScreen
from tui.screens.settings import SettingsScreen
from tui.sweep_app import SweepScreen

PANES = (TrainingPane, ForecastPane, SummariesPane, MetricsPane, GuidePane, InsidePane)
TABS = dict(zip(TAB_IDS, PANES, strict=True))
"""Tab pane ids and their contents, in the order of the keys 1–6."""
RUN_ACTIONS = frozenset(
    {"start", "stop", "restart", "settings", "toggle_log", "toggle_smooth", "show_tab", "export", "runs", "window"}
    | {"toggle_seeds"}
)
"""Actions that make no sense while the settings form is open (keys typed there stay in the form)."""


class RnnLstmApp(AttachControl):
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
    PROGRESS_SECONDS = 0.5
    """Period of the progress bars, speeds and live metrics (fixed-size labels, no layout). Not faster: each
    repaint takes the GIL from the training threads (``python -m tui.bench`` measures what the UI costs them)."""
    QUIT_GRACE_SECONDS = 1.0
    """How long quit waits for the engine to finish the current epoch and write the run folder."""

    BINDINGS: ClassVar[list[BindingType]] = list(KEYS)  # see tui.keys

    def __init__(
        self,
        source: Invocation | Config,
        run_root: Path = Path("runs"),
        *,
        experiment: Experiment = run_experiment,
        autostart: bool = True,
        driver_class: type[Driver] | None = None,
    ) -> None:
        super().__init__(source, driver_class=driver_class)  # SweepControl keeps the sweep it asks for, if any
        self.experiment = experiment
        self.folders = RunFolders(run_root, None if isinstance(source, Config) else source.out)
        self.autostart = autostart
        self.opening = None if isinstance(source, Config) else source.open
        """A saved run to show first, instead of training (``--open``)."""
        self.browsing = None if isinstance(source, Config) else source.runs
        """A folder of runs to browse first (``--runs``)."""
        self.run_root = run_root
        self.runs: list[Run] = []
        self.worker: Worker[RunFinished | None] | None = None
        """The thread worker supervising the current run."""

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="tabs"):
            for n, (tab, pane) in enumerate(TABS.items(), 1):
                with TabPane(f"{n} {tab.title()}", id=tab):
                    yield pane()
        yield Footer(compact=True)  # every key fits at 80 columns
        yield SizeNotice(id="too-small")

    def on_mount(self) -> None:
        self.set_interval(self.PROGRESS_SECONDS, self._show_progress)
        self.set_interval(self.REDRAW_SECONDS, self._redraw)
        self._fit_screen(self.size)
        if self.autostart or self.opening is not None:
            self.state = "starting"  # not "idle": something is about to happen
        if self.sweeping is not None:  # a sweep to run or a sweep folder to show: its screen (tui.sweep_app)
            self.call_after_refresh(self.show_sweep, self.sweeping, self.run_root)
        elif self.opening is not None:
            self.call_after_refresh(self.show_saved, self.opening)
        elif self.browsing is not None:
            self.call_after_refresh(self.action_runs, self.browsing)
        elif self.autostart:
            # After the first frame: importing TensorFlow on another thread still competes for the GIL.
            self.call_after_refresh(self.action_restart)

    async def action_restart(self) -> None:
        """Stop the current run, if any, and start a fresh one of ``self.config`` in a new run folder."""
        if self.current is not None:
            # Replaced before its first epoch, it has no result: its folder goes, not kept as "stopped".
            self.current.superseded = self.current.epochs_seen == 0 and self.current.owns_folder
            self.current.stop.request()
        config = self.config
        try:
            config.validate()  # a saved run's settings may name a data file that is gone
        except ConfigError as error:
            self.notify(phrase(error, SETTING[error.field_name].label), title="cannot start", severity="error")
            return
        try:
            run_dir = self.folders.next()
        except (OSError, RunFolderError) as error:  # e.g. a read-only working folder
            self.active, self.state = False, "error"
            self.notify(str(error), title="cannot create a run folder", severity="error")
            return
        run = Run(len(self.runs) + 1, config, run_dir, self.post_message, self.experiment)
        self.current, self.active = run, True
        self.runs.append(run)
        await self.show_new_run(config, run_dir)
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

    action_start = action_restart  # a new run in a new folder with the current settings

    def on_resize(self, event: events.Resize) -> None:
        self._fit_screen(event.size)  # the event's: ``self.size`` may not be updated yet

    def _fit_screen(self, size: Size) -> None:
        """Swap the layout for a notice while the terminal is below ``MIN_SIZE`` (CSS does the swap)."""
        self.set_class(self.query_one(SizeNotice).check(size, self.MIN_SIZE), "-too-small")

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":  # Textual's writes to ~/Downloads, which need not exist
                yield command
        yield SystemCommand("Screenshot", "Save an SVG of this screen into the run folder", self.action_save_screen)
        yield from binding_commands(self)

    def action_save_screen(self) -> None:
        """Save what the screen shows now as a numbered SVG in the run folder (the working folder before a run)."""
        folder = self.current.run_dir if self.current is not None else Path(".")
        name = free_name(folder, "screen", ".svg")
        self.notify(f"{name} in {folder}", title="screenshot saved")
        self.save_screenshot(filename=name, path=str(folder))

    def action_hide_keys(self) -> None:
        """Escape closes the keys panel."""
        self.action_hide_help_panel()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in RUN_ACTIONS and isinstance(self.screen, (SettingsScreen, RunsScreen, SweepScreen)):
            return False
        if action in ("hide_keys", "sweep"):  # escape: closes the keys panel, else goes back to a sweep
            return bool(self.screen.query("HelpPanel")) if action == "hide_keys" else self.can_show_sweep()
        if action == "window":  # the arrows choose a window only on the Inside tab; elsewhere they move focus
            return self.query_one(TabbedContent).active == "inside"
        if action == "toggle_seeds":  # only a finished run with several seeds has a per-seed table
            return self.config.seeds > 1 and not self.active and self.current is not None
        if not super().check_action(action, parameters):  # the attached run's key; what a browser tab lacks
            return False
        return {"start": not self.active, "stop": self.active, "export": self.current is not None}.get(action, True)

    def action_toggle_seeds(self) -> None:
        """Metrics tab: show or hide the table of each seed's figures."""
        self.query_one(TabbedContent).active = "metrics"
        self.query_one(SeedsView).toggle_seeds()

    def action_stop(self) -> None:
        """Stop after the current epoch; the run folder is still written completely."""
        if self.current is not None and self.active:
            self.current.stop.request()
            self.state = "stopping"

    def action_runs(self, root: Path | None = None) -> None:
        """Browse the saved runs; the one chosen there (enter) is shown."""
        self.push_screen(RunsScreen(root or self.browsing or self.run_root), self._open_chosen)

    async def _open_chosen(self, folder: Path | None) -> None:
        if folder is not None:
            await self.show_folder(folder)  # a run, or a sweep (tui.sweep_app)

    async def show_saved(self, folder: Path) -> None:
        """Show the saved run in ``folder`` in the same tabs (no TensorFlow); follow it if still being written.

        A run whose settings cannot be read as saved is not shown: a notice says why, and the run on
        screen (training, perhaps) goes on. Other damage (a figure in ``metrics.json``) is said, then shown.
        """
        saved = read_run(folder)
        config, why = opened(saved, backend=self.config.backend)  # a restart trains on this one
        if config is None:
            self.notify(f"{folder}: {why}", title="cannot open this run", severity="error", markup=False)
            if self.current is None:
                self.state = "idle"  # not "starting": nothing is about to happen
            return
        if saved.problem:
            self.notify(f"{folder}: {saved.problem}", title="shown without what is damaged", markup=False)
        if self.current is not None:
            self.current.stop.request()
        self.config = config
        run = Run(len(self.runs) + 1, config, folder, self.post_message, replay_run, owns_folder=False)
        self.current, self.active = run, False
        self.runs.append(run)
        await self.show_new_run(config, folder)
        self.worker = self._train(run)

    def action_settings(self) -> None:
        """Edit the settings; applying valid ones restarts training with them."""
        self.push_screen(SettingsScreen(self.config), self._apply_settings)

    async def _apply_settings(self, config: Config | None) -> None:
        if config is not None:
            self.config = config
            await self.action_restart()

    def action_window(self, step: int) -> None:
        """Inside tab: show the gates and states of the previous or next validation window."""
        self.window = max(0, self.window + step)
        self.dirty.add("inside")
        self._redraw()

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
        shown, saved, level = tabs.active, [], self.animation_level
        self.animation_level = "none"  # the tab's underline jumps under it instead of sliding after the shot
        self.clear_notifications()  # a toast is not part of what a tab shows
        for tab in TABS:
            await show_tab(tabs, tab, self._redraw)  # its charts drawn, then laid out and painted
            name = free_name(folder, f"screen-{tab}", ".svg")  # a second export keeps the first
            saved.append(Path(self.save_screenshot(filename=name, path=str(folder))).name)
        tabs.active, self.animation_level = shown, level
        self.notify(f"{', '.join(saved)} in {folder}", title="screenshots saved")

    async def action_quit(self) -> None:
        """Stop every run, give the engine a moment to write its folder, then exit regardless."""
        await self.end_sweep()  # a sweep's points first: interrupted, for --resume
        for run in self.runs:
            run.stop.request(Status.INTERRUPTED)  # a run the user had already stopped stays "stopped"
        waited = [run for run in self.runs if not run.superseded]  # a replaced run's folder is removed, not finished
        if any(run.alive for run in waited):
            self.state = "stopping"
            deadline = time.monotonic() + self.QUIT_GRACE_SECONDS
            while any(run.alive for run in waited) and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        failed = self.current is not None and self.current.owns_folder and self.current.error is not None
        self.exit(return_code=1 if failed else 0)  # a run that failed (a full disk, say) fails the command, as headless
