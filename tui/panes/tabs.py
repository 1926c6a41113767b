"""The contents of the Forecast, Summaries and Metrics tabs (Training's: :mod:`tui.panes.training`).

Panes only display what they are handed; the app owns the run's data and decides when to
hand it over (epochs are stored as they arrive, charts are redrawn on a timer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Size
from textual.widgets import Label, Static, TabbedContent

from engine.config.config import Config
from engine.report.events import ForecastReport, SampleReport
from engine.report.spread import BAND_TEXT
from tui.charts.curves import Curve
from tui.charts.plots import GIVEN_COLOR, GIVEN_MARKER, MODEL_COLORS, MODEL_MARKERS, ForecastChart
from tui.panes.samples import SamplesView

SUMMARY_WIDTH = 68
"""Columns one Keras summary needs (``summary_text`` uses ``line_length=64``, plus a border)."""


class ForecastPane(Vertical):
    """The truth and each model's closed-loop forecast, with their RMSE and epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.truth: Curve | None = None
        self.given = 0
        self.title = "closed-loop forecast vs truth"
        self.waiting = "no forecast yet"
        self.diverged: dict[str, int] = {}
        """Models whose loss stopped being a number, and at which epoch: they have nothing to forecast."""

    def compose(self) -> ComposeResult:
        yield Label(self.waiting, id="forecast-status")
        yield ForecastChart("closed-loop forecast", id="forecast-chart")
        yield SamplesView(id="samples")

    def reset(self, truth: Curve, every: int, title: str, x_label: str, text: bool = False, given: int = 0) -> None:
        """A new run: only the truth (known before TensorFlow loads) until previews arrive.

        ``title`` says what the task's preview is; ``x_label`` what its x axis counts; ``text``
        swaps the chart for the generated text of each model; ``given``: values the closed loop is
        handed before it runs on its own predictions (0: no closed loop).
        """
        self.truth, self.title, self.given = truth, title, given
        self.diverged = {}
        chart = self.query_one(ForecastChart)
        chart.x_label, chart.display = x_label, not text
        samples = self.query_one(SamplesView)
        samples.display = text
        samples.show([])
        previews = f"a preview every {every} epochs, " if every else ""
        self.waiting = f"nothing yet: {previews}the final one after training"
        self.draw([])

    def note_diverged(self, model: str, epoch: int) -> None:
        """``model`` diverged at ``epoch``: say so instead of waiting for its forecast."""
        self.diverged[model] = epoch

    def show_samples(self, reports: list[SampleReport]) -> None:
        """The latest text of each model (the text task)."""
        if reports:
            self.query_one(SamplesView).show(reports)
            lines = [
                f"{r.model}: {'final' if r.final else 'preview'} after epoch {r.epoch}"
                + (f" (first of {len(r.seed_grammatical)} seeds)" if r.seed_grammatical else "")
                for r in reports
            ]
            self.query_one("#forecast-status", Label).update(" · ".join(lines) + " · the prompt is dim")

    def draw(self, reports: Iterable[ForecastReport]) -> None:
        """Draw the latest forecast of each model; the status line says after which epoch."""
        curves, lines = [], []
        for report in reports:
            f, model = report.forecast, report.model
            seeds = len(f.seed_rmse)
            label = f"{model} median of {seeds}" if seeds else f"{model} RMSE {f.rmse:.3f}"  # epochs: the status line
            color = MODEL_COLORS[model]
            edges = None
            if f.low is not None and f.high is not None:
                edges = (Curve("", f.x, f.low, color), Curve("", f.x, f.high, color))
            curves.append(Curve(label, f.x, f.predicted, color, band=edges, marker=MODEL_MARKERS[model]))
            rmse = f"median RMSE of {seeds} seeds {f.rmse:.4f}" if seeds else f"RMSE {f.rmse:.4f}"
            lines.append(f"{model}: {'final' if report.final else 'preview'} after epoch {report.epoch}, {rmse}")
        lines += [f"{model}: diverged at epoch {epoch}, nothing to forecast" for model, epoch in self.diverged.items()]
        title = self.title if curves else f"{self.truth.label if self.truth else 'truth'} (previews follow)"
        if self.truth is not None and self.given and reports:  # the window the closed loop starts from
            start = int(next(iter(reports)).forecast.index[0])
            window = slice(max(start - self.given, 0), start)
            x, y = np.asarray(self.truth.x)[window], np.asarray(self.truth.y)[window]
            curves.insert(0, Curve(f"given ({self.given} values)", x, y, GIVEN_COLOR, marker=GIVEN_MARKER, every=1))
        if any(c.band is not None for c in curves):
            title += f" · dim: band {BAND_TEXT} over seeds"
        self.query_one(ForecastChart).draw(self.truth, curves, title)
        self.query_one("#forecast-status", Label).update(" · ".join(lines) or self.waiting)


SUMMARY_BREAKPOINTS = [(0, "-narrow"), *((n * SUMMARY_WIDTH + 2, f"-fits-{n}-summaries") for n in (2, 3))]
"""Screen classes by terminal width: how many summaries fit side by side, next to a scroll bar (``app.tcss``
lays them out)."""


class SummariesPane(VerticalScroll):
    """Each model's Keras summary: side by side when they fit, stacked when the terminal is narrow.

    The choice is the stylesheet's, from the screen's width (:data:`SUMMARY_BREAKPOINTS`), not a
    resize handler's: a pane that is off screen gets no resize, and Export shows each tab and saves
    it at once, so with a handler the saved Summaries could come out stacked at any width.
    """

    def compose(self) -> ComposeResult:
        yield Horizontal(Static("summaries appear once TensorFlow has built the models"), id="summary-boxes")

    async def show(self, summaries: dict[str, str]) -> None:
        """Show ``summaries`` (model name → summary text), replacing what was there."""
        box = self.query_one("#summary-boxes", Horizontal)
        await box.remove_children()
        widgets = []
        for model, text in summaries.items():
            widget = Static(Text(text), classes="summary")  # Text: brackets in it are not markup
            widget.border_title = model
            widgets.append(widget)
        await box.mount_all(widgets)
        box.set_class(len(widgets) <= 2, "-two")


def x_label(config: Config) -> str:
    """What the preview chart's x axis counts for ``config.task``."""
    return {"csv": "row", "adding": "held-out sequence, by target"}.get(config.task, "x")


class SizeNotice(Static):
    """What shows instead of the layout when the terminal is too small for it."""

    def check(self, size: Size, minimum: tuple[int, int]) -> bool:
        """Whether ``size`` is below ``minimum``; if so, say so (the app's CSS shows this notice)."""
        (width, height), (need_w, need_h) = size, minimum
        small = width < need_w or height < need_h
        if small:
            self.update(f"terminal too small: {width}×{height}, need {need_w}×{need_h}\nenlarge it, or press q to quit")
        return small


FRAMES_TO_SHOW_A_TAB = 200
"""Most refreshes :func:`show_tab` waits for (a few on a quiet machine; more when the cores are busy)."""


async def show_tab(tabs: TabbedContent, tab: str, draw: Callable[[], object]) -> None:
    """Switch ``tabs`` to ``tab``, ``draw`` what it shows, and wait until the screen has laid it out in place of the
    other panes.

    Two refreshes are usually enough, but on a busy machine a screenshot taken then showed the Training tab's
    charts under the Summaries tab's header: the switch reaches the layout through messages of its own.
    """
    tabs.active = tab
    draw()
    panes = {pane.id: pane for pane in tabs.query("TabPane")}
    for _ in range(FRAMES_TO_SHOW_A_TAB):
        await tabs.screen.wait_for_refresh()
        shown = panes[tab].region.area > 0 and not any(p.region.area for name, p in panes.items() if name != tab)
        if shown:
            break
    await tabs.screen.wait_for_refresh()  # painted after that layout, the tab's underline moved under it
