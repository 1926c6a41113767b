"""The Metrics tab: a row per model, live while it trains and the engine's final figures afterwards.

The table fits 80 columns for the seed's task: short two-line headings, numbers in three
significant digits (``1.88e-3``: ``metrics.json`` keeps them all), and a long status or best val
wraps onto a second line of its row instead of widening the table. Where it still does not fit
(the text task's extra columns, a terminal under 80 columns), a line under it says how to scroll.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from engine.report.events import ForecastReport, ModelFinished, SampleReport, number, status_text
from engine.report.metrics import LOSS_FORMAT, RMSE_FORMAT, headings_for, metric_cells, perplexity
from tui.charts.history import LossHistory
from tui.panes.seed_tables import SeedsView

HEADINGS: dict[str, tuple[str, int | None]] = {
    "model": ("", 4),
    "status": ("\nstatus", 10),
    "params": ("\nparams", 6),
    "loss": ("final\nloss", 7),
    "val": ("final\nval", 7),
    "best": ("best val\n(epoch)", 14),
    "rmse": ("\nRMSE", 6),
    "seconds": ("\nsecs", 4),
    "rate": ("\nep/s", 4),
    "acc": ("val\nacc", 5),
    "ppl": ("\nppl", 6),
    "gram": ("\ngram.", 5),
}
"""Heading (two lines) and width of each column of :data:`engine.report.metrics.METRIC_HEADINGS`. Fixed widths: live
values are written several times a second without re-measuring the columns. "secs" is all of training, "ep/s"
the epochs per second after the first epoch (which includes compiling), as in ``metrics.json``."""
DONORS = (("status", 8), ("best", 12))
"""Columns that give a long model name their width, each down to the width that still holds its usual values."""
SCROLL_HINT = "more columns →: tab to the table, then → (or shift+scroll)"
EXPONENT = re.compile(r"-?\d\.\d+e[+-]\d+")
"""A number as the engine writes a loss (``1.884e-03``)."""


def compact(text: str) -> str:
    """A cell's text in fewer columns: ``1.884e-03 (40)`` → ``1.88e-3 (40)``, ``4,206,593`` → ``4.21M``."""
    text = EXPONENT.sub(lambda m: short_exponent(float(m.group())), text)
    if re.fullmatch(r"\d{1,3}(,\d{3}){2,}|\d{3},\d{3}", text):  # a parameter count of 100,000 or more
        count = int(text.replace(",", ""))
        return f"{count / 1e6:.3g}M" if count >= 1_000_000 else f"{count / 1e3:.3g}k"
    return text


def short_exponent(value: float) -> str:
    """Three significant digits and a bare exponent: 0.001884 → ``1.88e-3``."""
    mantissa, exponent = f"{value:.2e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def seconds_text(value: object) -> str:
    """Seconds or epochs per second in 4 columns up to 9999: ``6.5``, ``99.9``, ``123``, ``1234``."""
    return number(value, "{:.0f}" if isinstance(value, (int, float)) and abs(value) >= 100 else "{:.1f}")


class MetricsPane(Vertical):
    """The metrics table: live values while training, the engine's final metrics afterwards."""

    def compose(self) -> ComposeResult:
        yield Label("", id="run-folder")
        yield DataTable(id="metrics-table", cursor_type="none", zebra_stripes=True, header_height=2)
        yield Label(SCROLL_HINT, id="metrics-hint")
        yield SeedsView(id="seeds-view")

    @property
    def table(self) -> DataTable[str]:
        return self.query_one(DataTable)

    def reset(self, models: Iterable[str], run_dir: Path, task: str = "damped", seeds: int = 1) -> None:
        """Empty rows, one per model, for a new run; the columns are the task's (see ``headings_for``)."""
        self.headings = headings_for(task)
        self.task_name = task
        self.query_one(SeedsView).reset(seeds)
        self.query_one("#run-folder", Label).update(Text(f"run folder: {run_dir}"))  # a name may hold "[": no markup
        self.done: set[str] = set()
        """Models that stopped training: live updates leave their rows alone."""
        self.cells = {model: {"model": model, "status": "waiting"} for model in models}
        """What each row shows, to lay the rows out again when a value needs a second line."""
        self.widths = widths = {key: width or 0 for key, (_, width) in HEADINGS.items()}
        """Each column's width for this run's models (a long model name widens its column: see ``DONORS``)."""
        # A longer name (minlstm) takes its columns from the status, then the best val's, whose long values wrap
        # onto a second line anyway: the table stays 80 columns wide.
        extra = max(0, max(map(len, self.cells), default=0) - widths["model"])
        widths["model"] += extra
        for key, least in DONORS:
            given = min(extra, widths[key] - least)
            widths[key], extra = widths[key] - given, extra - given
        self.wrapped: set[tuple[str, str]] = set()
        """Cells (model, column) too long for one line when the rows were last laid out."""
        table = self.table
        table.clear(columns=True)
        for key in self.headings:
            table.add_column(HEADINGS[key][0], key=key, width=widths[key])
        self._add_rows()

    def _add_rows(self) -> None:
        """(Re)add every row, each as tall as its longest cell needs (DataTable sizes a row only when added)."""
        self.table.clear()
        for model, cells in self.cells.items():
            self.table.add_row(*(cells.get(key, "—") for key in self.headings), key=model, height=None)
        self.call_after_refresh(self._show_hint)

    def on_resize(self) -> None:
        self._show_hint()

    def _show_hint(self) -> None:
        """Say how to reach the columns past the right edge, if there are any."""
        table = self.table
        self.query_one("#metrics-hint").display = table.virtual_size.width > table.scrollable_content_region.width

    def set_params(self, params: dict[str, int], data: str = "") -> None:
        """The models' sizes once built, and what the data is (if the settings do not say it all)."""
        if data:
            label = self.query_one("#run-folder", Label)
            label.update(Text(f"{label.render()} · {data}"))  # a saved run's file name: no markup
        for model, count in params.items():
            self._set(model, params=f"{count:,}")

    def show_live(self, histories: dict[str, LossHistory]) -> None:
        """The latest epoch of each model, while they train."""
        for model, h in histories.items():
            if (report := h.latest) is None or model in self.done:
                continue
            status = status_text("training", report.epoch, h.solved_epoch)
            if self.table.get_cell(model, "status") != status:
                self._set(model, status=status)
            cells = {
                "loss": number(report.loss, LOSS_FORMAT),
                "val": number(report.val_loss, LOSS_FORMAT),
                "best": h.best_text,
                "seconds": seconds_text(report.seconds),
                "rate": seconds_text(h.recent_rate()),
                "acc": number(report.val_accuracy, "{:.3f}"),
                "ppl": number(perplexity(report.val_loss), "{:.2f}"),
            }
            self._set_cells(model, cells)

    def show_done(self, finished: ModelFinished) -> None:
        """A model ended (the other may train on): say how, e.g. "diverged at epoch 3"."""
        self.done.add(finished.model)
        self._set(finished.model, status=status_text(finished.status, finished.epoch))

    def show_grammatical(self, report: SampleReport) -> None:
        """The grammatical fraction of a model's latest text (the built-in corpus)."""
        self._set(report.model, gram=number(report.grammatical, "{:.0%}"))

    def show_rmse(self, report: ForecastReport) -> None:
        """The RMSE of a model's latest forecast (previews during training)."""
        self._set(report.model, rmse=number(report.forecast.rmse, RMSE_FORMAT))

    def show_final(self, metrics: dict[str, dict[str, object]], verdicts: Sequence[str] = ()) -> None:
        """The engine's final metrics (what ``metrics.json`` holds), and with several seeds their spread."""
        for model, m in metrics.items():
            cells = metric_cells(model, m)
            del cells["model"]  # the row's key, not a cell to update
            cells["seconds"], cells["rate"] = seconds_text(m["seconds"]), seconds_text(m["epochs_per_second"])
            self._set_cells(model, cells)
        self.query_one(SeedsView).show(metrics, self.task_name, verdicts)

    def _set(self, model: str, **cells: str) -> None:
        self._set_cells(model, cells)

    def _set_cells(self, model: str, cells: dict[str, str]) -> None:
        """Write cells without re-measuring the columns (live values come several times a second)."""
        table = self.table
        if model not in table.rows:
            return
        shown = {key: compact(value) for key, value in cells.items() if key in self.headings}  # the task's columns
        self.cells[model].update(shown)
        long = {(model, key) for key, value in shown.items() if len(value) > (self.widths[key] or len(value))}
        if long - self.wrapped:  # a value needs a second line: lay the rows out again, as tall as they need
            self.wrapped |= long
            self._add_rows()
            return
        for key, value in shown.items():
            table.update_cell(model, key, value)
