"""What the app shows of a run: engine messages in, widgets updated, on the UI thread only.

Charts are not redrawn per message: handlers store data and mark it dirty, and a timer
redraws at most ``1 / REDRAW_SECONDS`` times a second, only what is on screen.
"""

from __future__ import annotations

import math
from pathlib import Path

from textual.app import App
from textual.driver import Driver
from textual.reactive import reactive
from textual.widgets import TabbedContent

from engine.config.config import Config
from engine.config.tasks import TASK_INFO
from engine.data.datasets import make_dataset
from engine.report.events import ForecastReport, InsideReport, RunFinished, SampleReport, Stage, Status
from engine.report.observe import Evidence, guide_text, observations, observations_markdown, window_picture
from tui import messages as msg
from tui.charts.curves import Curve
from tui.charts.history import LossHistory
from tui.charts.plots import TRUTH_COLOR
from tui.panes.guide import GuidePane, WindowChart
from tui.panes.inside import InsidePane
from tui.panes.metrics import MetricsPane
from tui.panes.tabs import SUMMARY_BREAKPOINTS, ForecastPane, SummariesPane, x_label
from tui.panes.training import TrainingPane
from tui.runner import Run


class LiveView(App[int]):
    """The live view of the current run; :class:`tui.app.RnnLstmApp` adds keys and run control."""

    HORIZONTAL_BREAKPOINTS = SUMMARY_BREAKPOINTS  # the screen's classes by width
    REDRAW_SECONDS = 1.0
    """Period of the charts' redraw while training: they share two busy cores with it (``python -m tui.bench``
    measures what the app costs); keys still redraw at once."""

    state: reactive[str] = reactive("idle")
    """What the run is doing, shown in the header: loading TensorFlow, training, finished, error…"""
    device: reactive[str] = reactive("")
    log_scale: reactive[bool] = reactive(True)
    """Loss charts on a log axis (losses fall over orders of magnitude)."""
    smoothing: reactive[bool] = reactive(False)

    def __init__(self, config: Config, *, driver_class: type[Driver] | None = None) -> None:
        super().__init__(driver_class=driver_class)
        self.config = config
        self.current: Run | None = None
        """The run on screen; earlier ones may still be finishing their folders."""
        self.active = False
        """Whether the current run is still going (drives the Start/Stop key)."""
        self.histories: dict[str, LossHistory] = {}
        self.forecasts: dict[str, ForecastReport] = {}
        self.samples: dict[str, SampleReport] = {}
        self.inside: dict[str, InsideReport] = {}
        """The latest look inside each model; ``first_inside`` keeps the first, to show the change."""
        self.first_inside: dict[str, InsideReport] = {}
        self.window = 0
        """The validation window whose gates and states the Inside tab shows."""
        self.baseline = math.nan
        """Validation loss of the task's trivial answer, drawn on the loss charts once the engine says it."""
        self.dirty: set[str] = set()
        """Tabs whose charts have new data to draw."""
        self.guide_key: object = None
        self.guide = ""
        """The Guide's lesson for ``guide_key`` (the config and parameter counts it was made for)."""

    async def show_new_run(self, config: Config, run_dir: Path) -> None:
        """Empty every tab for a new run of ``config``; the truth is drawn at once (numpy, no TensorFlow)."""
        self.histories, self.forecasts, self.samples = {model: LossHistory() for model in config.models}, {}, {}
        self.baseline = math.nan
        self.device, self.state = "", "starting"
        await self.query_one(TrainingPane).reset(config.models, config.epochs)
        self.query_one(MetricsPane).reset(config.models, run_dir, config.task, config.seeds)
        data = make_dataset(config)
        truth = Curve("truth" if data.per_step else "target", data.x, data.y, TRUTH_COLOR)
        preview = TASK_INFO[config.task].preview
        given = config.window if data.per_step else 0  # a closed loop starts from one window of the truth
        forecast = self.query_one(ForecastPane)
        forecast.reset(truth, config.forecast_every, preview, x_label(config), bool(data.vocab), given)
        label = "Samples" if data.vocab else "Forecast"
        self.query_one(TabbedContent).get_tab("forecast").label = f"2 {label}"
        self.params: dict[str, int] = {}
        self.inside, self.first_inside, self.window = {}, {}, 0
        self.query_one(WindowChart).draw(window_picture(config))
        self.show_guide([])
        self.dirty |= {"training", "forecast"}

    def _current(self, message: msg.EngineMessage) -> bool:
        """Whether to show ``message``: events of a replaced run are dropped, and so is any still queued
        while the app shuts down (its widgets are being removed; a late one would fail to find its pane)."""
        return self.is_running and self.current is not None and message.run_id == self.current.run_id

    def on_phase_changed(self, message: msg.PhaseChanged) -> None:
        if self._current(message) and not self.current.stop.is_set():  # type: ignore[union-attr]
            saved = not self.current.owns_folder  # type: ignore[union-attr]  # a run shown, not trained here
            if message.phase.stage is Stage.TRAINING and not saved:
                self.query_one(TrainingPane).show_compiling()
            elif message.phase.stage is Stage.READING and saved:  # never "compiling" for a run read back
                self.query_one(TrainingPane).show_compiling("reading its history…")
            self.state = message.phase.stage

    async def on_run_began(self, message: msg.RunBegan) -> None:
        if self._current(message):
            self.device = message.started.device
            self.baseline = message.started.baseline
            for history in self.histories.values():
                history.solved_below = message.started.solved_below
            self.params = message.started.params
            self.query_one(MetricsPane).set_params(message.started.params, message.started.data)
            self.show_guide([])
            await self.query_one(SummariesPane).show(message.started.summaries)

    def on_epochs_done(self, message: msg.EpochsDone) -> None:
        """Only store: progress, table and charts follow on the timer, however fast epochs come."""
        if self._current(message):
            for report in message.reports:
                self.histories[report.model].add(report)
            self.dirty |= {"training", "progress", "guide"}

    def on_forecast_done(self, message: msg.ForecastDone) -> None:
        if self._current(message):
            self.forecasts[message.report.model] = message.report
            self.query_one(MetricsPane).show_rmse(message.report)
            self.dirty.add("forecast")

    def on_sample_done(self, message: msg.SampleDone) -> None:
        if self._current(message):
            self.samples[message.report.model] = message.report
            self.query_one(MetricsPane).show_grammatical(message.report)
            self.dirty.add("forecast")

    def on_inside_done(self, message: msg.InsideDone) -> None:
        if self._current(message):
            report = message.report
            self.first_inside.setdefault(report.model, report)
            self.inside[report.model] = report
            self.dirty |= {"inside", "guide"}

    def on_model_done(self, message: msg.ModelDone) -> None:
        if self._current(message):
            self._show_progress()  # the last epochs first, so they don't overwrite what follows
            model = message.finished.model
            self.query_one(TrainingPane).panel(model).show_status(message.finished, self.histories[model].solved_epoch)
            if message.finished.status == Status.DIVERGED:
                self.query_one(ForecastPane).note_diverged(model, message.finished.epoch)
                self.dirty |= {"forecast", "training"}
            self.query_one(MetricsPane).show_done(message.finished)

    def on_run_done(self, message: msg.RunDone) -> None:
        if self._current(message):
            finished = message.finished
            self._show_progress()
            ended = self.run_ended(finished)
            self.active, self.state = False, ended
            self.query_one(MetricsPane).show_final(finished.metrics, finished.verdicts)
            self.show_guide(list(finished.observations))
            self.dirty.discard("guide")  # the engine's final word stays
            self._redraw()  # the final curves at once, not at the next tick
            self.notify(f"run folder: {finished.run_dir}", title=f"training {ended}")

    def run_ended(self, finished: RunFinished) -> str:
        """How the header says the run on screen ended: its status (an attached run may say more, tui.attach)."""
        return str(finished.status)

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
            training = self.query_one(TrainingPane)
            training.draw(self.histories, log=self.log_scale, smooth=self.smoothing, baseline=self.baseline)
        elif tab == "guide":
            forecasts = {m: r.forecast for m, r in self.forecasts.items()}
            evidence = Evidence(
                self.config, dict(self.histories), self.params, forecasts, self.baseline, self.samples, self.inside
            )
            self.show_guide(observations(evidence))
        elif tab == "inside":
            count = min((len(next(iter(r.states.values()))) for r in self.inside.values()), default=1)
            self.window = min(self.window, count - 1)
            self.query_one(InsidePane).draw(self.first_inside, self.inside, self.window, self.log_scale)
        elif tab == "forecast":
            preview, models = self.query_one(ForecastPane), self.config.models
            preview.draw([self.forecasts[m] for m in models if m in self.forecasts])
            preview.show_samples([self.samples[m] for m in models if m in self.samples])

    def show_guide(self, said: list[str]) -> None:
        """The task's guide with this run's numbers, and ``said``: the observations so far.

        The guide text is made once per run and set of parameter counts, not at every redraw: for
        a text task it re-reads the corpus's windows.
        """
        key = (self.config, tuple(self.params.items()))
        if self.guide_key != key:
            self.guide_key, self.guide = key, guide_text(self.config, self.params)
        self.query_one(GuidePane).show(self.guide, observations_markdown(said), self.guide_note())

    def guide_note(self) -> str:
        """A paragraph the Guide shows first: none here (a sweep's point has one, :mod:`tui.sweep_app`)."""
        return ""

    def _redraw_now(self) -> None:
        """After a key press (log, smoothing, another tab): redraw at once, not at the next tick."""
        self.dirty |= {"training", "inside"}  # log and smoothing change the loss and gradient charts
        self._redraw()

    watch_log_scale = watch_smoothing = on_tabbed_content_tab_activated = _redraw_now

    def _show_state(self) -> None:
        parts = (self.config.task, self.device, self.state)
        self.sub_title = " · ".join(part for part in parts if part)
        self.refresh_bindings()  # the Footer shows Start or Stop for s

    watch_state = watch_device = _show_state
