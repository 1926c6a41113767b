"""The Training tab: a panel per model (progress, speed, ETA, its loss chart) and all val losses together.

Panes only display what they are handed; the app owns the run's data and decides when to
hand it over (epochs are stored as they arrive, charts are redrawn on a timer).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, ProgressBar

from engine.report.events import ModelFinished, number
from engine.report.spread import BAND_TEXT
from tui.charts.curves import Curve
from tui.charts.history import LossHistory
from tui.charts.plots import (
    BASELINE_COLOR,
    BASELINE_MARKER,
    LOSS_COLOR,
    LOSS_MARKER,
    MODEL_COLORS,
    MODEL_MARKERS,
    VAL_COLOR,
    VAL_MARKER,
    CurveChart,
)


def duration(seconds: float) -> str:
    """Seconds as ``1h02m``, ``3m05s`` or ``42s``."""
    if not math.isfinite(seconds):
        return "—"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class ModelPanel(Vertical):
    """One model on the Training tab: progress bar, speed and ETA, and its loss chart."""

    def __init__(self, model: str, epochs: int) -> None:
        super().__init__(id=f"panel-{model}", classes="model-panel")
        self.model = model
        self.epochs = epochs
        self.ended = False
        """Whether the model stopped training: its status line then stays as it ended."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="progress-row"):
            yield Label(self.model, classes="model-name")
            yield ProgressBar(total=self.epochs, show_eta=False)
        yield Label(f"epoch 0/{self.epochs} · waiting", classes="model-stats")
        yield CurveChart(f"{self.model} loss")

    @property
    def chart(self) -> CurveChart:
        return self.query_one(CurveChart)

    def show_compiling(self, note: str = "compiling…") -> None:
        """Before the first epoch ends: it includes building the compiled epoch, seconds long (``note``: what
        else the first epoch waits for, such as a saved run's history being read)."""
        self.query_one(".model-stats", Label).update(f"epoch 0/{self.epochs} · {note}", layout=False)

    def show_progress(self, history: LossHistory) -> None:
        """Advance the bar and show ``epoch N/total``, the recent epochs per second and the time left."""
        report = history.latest
        assert report is not None
        self.query_one(ProgressBar).update(total=report.epochs, progress=report.epoch)
        rate = history.recent_rate()
        eta = (report.epochs - report.epoch) / rate if rate > 0 else math.nan
        text = f"epoch {report.epoch}/{report.epochs} · {number(rate, '{:.1f}')} ep/s · ETA {duration(eta)}"
        if history.solved_epoch:
            text += f" · solved at {history.solved_epoch}"
        # The label has a fixed size (see app.tcss): skip the screen-wide layout pass that
        # an update would otherwise trigger several times a second.
        self.query_one(".model-stats", Label).update(text, layout=False)

    def show_status(self, done: ModelFinished, solved_epoch: int | None = None) -> None:
        """The model is done: say how it ended (later progress of other models leaves it alone)."""
        self.ended = True
        solved = f" · solved at {solved_epoch}" if solved_epoch else ""
        if done.status == "diverged":  # its chart keeps only the epochs before: say why it stops there
            self.chart.chart_title = f"{self.model} loss · diverged at epoch {done.epoch}"
        self.query_one(".model-stats", Label).update(f"{done.status} at epoch {done.epoch}/{self.epochs}{solved}")


class TrainingPane(Vertical):
    """Per-model loss charts side by side, and every model's validation loss on shared axes."""

    ready = False
    """Whether the model panels are mounted: the redraw timer may fire while ``reset`` swaps them."""
    resets = 0
    """How many resets have begun: only the latest may say the panels are ready (a burst of restarts
    runs several resets at once, and an earlier one ending must not open the panels a later one is swapping)."""

    def compose(self) -> ComposeResult:
        yield Horizontal(id="model-panels")
        yield CurveChart("val loss, all models", id="combined")

    async def reset(self, models: Iterable[str], epochs: int) -> None:
        """Replace the model panels for a new run (the models may have changed)."""
        panels = self.query_one("#model-panels", Horizontal)
        self.ready = False  # the new run's histories are empty: nothing is lost by not drawing
        self.resets += 1
        this_reset = self.resets
        await panels.remove_children()
        await panels.mount_all([ModelPanel(model, epochs) for model in models])
        charts = list(panels.query(CurveChart))
        for chart in charts:  # side by side: their y labels in one format
            chart.peers = [other for other in charts if other is not chart]
        if this_reset == self.resets:
            self.ready = True
        self.query_one("#combined", CurveChart).draw([])

    def panel(self, model: str) -> ModelPanel:
        return self.query_one(f"#panel-{model}", ModelPanel)

    def show_progress(self, histories: dict[str, LossHistory]) -> None:
        for model, history in histories.items():
            if self.ready and history.latest is not None and not (panel := self.panel(model)).ended:
                panel.show_progress(history)

    def show_compiling(self, note: str = "compiling…") -> None:
        for panel in self.query(ModelPanel):
            panel.show_compiling(note)

    def draw(self, histories: dict[str, LossHistory], *, log: bool, smooth: bool, baseline: float = math.nan) -> None:
        """Each model's train and val loss on its own chart, every val loss (a classifier's val accuracy)
        on the shared one.

        ``baseline``, the val loss of the task's trivial answer, is a flat line on every chart.
        """
        if not self.ready:
            return
        last = max((h.epochs[-1] for h in histories.values() if h.epochs), default=0)
        flat = (
            [Curve("baseline", [1, max(last, 2)], [baseline, baseline], BASELINE_COLOR, True, marker=BASELINE_MARKER)]
            if baseline > 0
            else []
        )
        for model, h in histories.items():
            curves = [h.curve("loss", "loss", LOSS_COLOR, LOSS_MARKER)]
            curves.append(h.curve("val", "val_loss", VAL_COLOR, VAL_MARKER))
            chart = self.panel(model).chart
            if h.band_text and "diverged" not in chart.chart_title:  # what the band is, as it changes
                chart.chart_title = f"{model} loss · {h.band_text}"
            chart.draw([*curves, *flat] if h.epochs else [], log=log, smooth=smooth)
        chart = self.query_one("#combined", CurveChart)
        if any(h.val_accuracy for h in histories.values()):  # a classifier: how often the next character is right
            chart.chart_title = "val accuracy, all models"
            accuracy = [h.curve(m, "val_accuracy", MODEL_COLORS[m], MODEL_MARKERS[m]) for m, h in histories.items()]
            chart.draw(accuracy, log=False, smooth=smooth)
            return
        seeds = max((h.seeds for h in histories.values()), default=1)
        chart.chart_title = "val loss, all models" + (
            f" · median · band {BAND_TEXT} of {seeds} seeds" if seeds > 1 else ""
        )
        combined = [h.curve(m, "val_loss", MODEL_COLORS[m], MODEL_MARKERS[m]) for m, h in histories.items()]
        chart.draw([*combined, *flat] if last else [], log=log, smooth=smooth)
