"""A model's figures, computed once and phrased once.

:class:`LossTrack` keeps the losses as they arrive, with the best validation loss so far (the
engine uses it for ``metrics.json``, the TUI for its live table); :func:`model_metrics` is what
``metrics.json`` says of a model; :func:`metric_cells` turns that into the text of one table
row, shown by the headless table and the TUI's Metrics tab alike.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

from engine.config.tasks import TASK_INFO
from engine.report.events import EpochReport, ForecastReport, SampleReport, Status, number, status_text

LOSS_FORMAT = "{:.3e}"
RMSE_FORMAT = "{:.4f}"
METRIC_HEADINGS: dict[str, str] = {
    "model": "model",
    "status": "status",
    "params": "params",
    "loss": "final loss",
    "val": "final val loss",
    "best": "best val (epoch)",
    "rmse": "forecast RMSE",
    "seconds": "seconds",
    "rate": "epochs/s",
}
"""Column key → heading of a metrics row, in table order."""
TEXT_HEADINGS: dict[str, str] = {
    **{k: v for k, v in METRIC_HEADINGS.items() if k != "rmse"},
    "acc": "val accuracy",
    "ppl": "perplexity",
    "gram": "grammatical",
}
"""The text task's columns: accuracy, perplexity and grammatical fraction instead of a forecast's RMSE."""


def headings_for(task: str) -> dict[str, str]:
    """The metrics table's columns for ``task``."""
    return TEXT_HEADINGS if task == "text" else METRIC_HEADINGS


@dataclass
class LossTrack:
    """One model's epochs as they arrive, and the lowest finite validation loss so far.

    The series are arrays, not lists: a list of a million floats is a million objects, and the
    garbage collector's full passes walk every one of them, holding the GIL while they do; an array
    is one object of 8 bytes a value, whatever the run's length.
    """

    epochs: array[int] = field(default_factory=lambda: array("q"))
    loss: array[float] = field(default_factory=lambda: array("d"))
    val_loss: array[float] = field(default_factory=lambda: array("d"))
    best_val: float = math.inf
    best_epoch: int | None = None
    """1-based epoch of ``best_val``; ``None`` until a finite validation loss arrives."""
    solved_below: float | None = None
    """The task's "solved" mark (see :func:`engine.config.tasks.solved_threshold`); ``None``: no such mark."""
    solved_epoch: int | None = None
    """The first epoch whose val loss reached ``solved_below``."""

    accuracy: array[float] = field(default_factory=lambda: array("d"))
    """Classifiers: the training accuracy per epoch (empty for a regression)."""
    val_accuracy: array[float] = field(default_factory=lambda: array("d"))

    first_seconds: float = math.nan
    """Wall time of the first epoch: it includes compiling the epoch function (seconds, not milliseconds)."""
    last_seconds: float = math.nan

    def add_report(self, report: EpochReport) -> None:
        """Record one epoch's report: losses, and accuracies where the model is a classifier."""
        self.add_timing(report)
        self.add_losses(report.epoch, report.loss, report.val_loss)
        if math.isfinite(report.val_accuracy):
            self.accuracy.append(report.accuracy)
            self.val_accuracy.append(report.val_accuracy)

    def add_timing(self, report: EpochReport) -> None:
        """Record when the epoch ended, for the speed without compiling (:attr:`epochs_per_second`)."""
        if not self.epochs:
            self.first_seconds = report.seconds
        self.last_seconds = report.seconds

    @property
    def epochs_per_second(self) -> float:
        """Training speed after the first epoch, which includes compiling; NaN before the second epoch."""
        elapsed = self.last_seconds - self.first_seconds
        return (len(self.epochs) - 1) / elapsed if len(self.epochs) > 1 and elapsed > 0 else math.nan

    def add_seed(self, report: EpochReport, k: int) -> None:
        """Record seed ``k``'s figures of a report from a run with several seeds."""
        self.add_timing(report)
        self.add_losses(report.epoch, report.seed_loss[k], report.seed_val_loss[k])
        if report.seed_val_accuracy:
            self.accuracy.append(report.seed_accuracy[k])
            self.val_accuracy.append(report.seed_val_accuracy[k])

    def add_losses(self, epoch: int, loss: float, val_loss: float) -> None:
        """Record one epoch."""
        self.epochs.append(epoch)
        self.loss.append(loss)
        self.val_loss.append(val_loss)
        if math.isfinite(val_loss) and val_loss < self.best_val:
            self.best_val, self.best_epoch = val_loss, epoch
            limit = self.solved_below
            if self.solved_epoch is None and limit is not None and val_loss <= limit:
                self.solved_epoch = epoch

    @property
    def best_text(self) -> str:
        """``best (epoch)``, or a dash before any finite validation loss."""
        return best_text(self.best_val, self.best_epoch)


def perplexity(cross_entropy: float) -> float:
    """``exp`` of a cross-entropy in nats: the number of equally likely characters it is as unsure as."""
    return math.exp(cross_entropy) if math.isfinite(cross_entropy) and cross_entropy < 700 else math.nan


def best_text(best_val: object, best_epoch: object) -> str:
    """The best validation loss with the epoch it was reached in, as every table shows it."""
    return f"{number(best_val, LOSS_FORMAT)} ({best_epoch})" if best_epoch else "—"


def baseline_text(task: str, baseline: float, solved_below: float | None) -> str:
    """The task's trivial answer and its val loss, and what counts as solved: the yardstick of every loss."""
    text = f"task {task}; baseline ({TASK_INFO[task].baseline}): val loss {number(baseline, LOSS_FORMAT)}"
    return text + (f"; solved at val loss ≤ {number(solved_below, LOSS_FORMAT)}" if solved_below else "")


def model_metrics(
    track: LossTrack,
    params: int,
    status: Status,
    epochs_done: int,
    seconds: float,
    preview: ForecastReport | SampleReport | None,
) -> dict[str, object]:
    """What ``metrics.json`` says about one model; ``preview`` is its final forecast or text sample."""
    forecast = preview.forecast if isinstance(preview, ForecastReport) else None
    text_figures = {}
    if track.val_accuracy:  # a classifier: the text task
        text_figures = {
            "final_accuracy": track.accuracy[-1],
            "final_val_accuracy": track.val_accuracy[-1],
            "perplexity": perplexity(track.val_loss[-1]),
            "grammatical": preview.grammatical if isinstance(preview, SampleReport) else math.nan,
        }
    return {
        "params": params,
        "status": status,
        "epochs_done": epochs_done,
        "final_loss": track.loss[-1] if track.loss else math.nan,
        "final_val_loss": track.val_loss[-1] if track.val_loss else math.nan,
        "best_val_loss": track.best_val if track.best_epoch else math.nan,
        "best_epoch": track.best_epoch,
        "solved_epoch": track.solved_epoch,
        "forecast_rmse": forecast.rmse if forecast is not None else math.nan,
        "seconds": round(seconds, 3),
        "first_epoch_seconds": round(track.first_seconds, 3),
        "epochs_per_second": round(track.epochs_per_second, 2),
        **text_figures,
    }


def metric_cells(model: str, metrics: dict[str, object]) -> dict[str, str]:
    """One model's final metrics (``metrics.json``'s form) as the text of each column."""
    status = status_text(str(metrics["status"]), metrics["epochs_done"], metrics.get("solved_epoch"))
    seeds = metrics.get("n_seeds")
    best = best_text(metrics["best_val_loss"], metrics["best_epoch"])
    if seeds:  # several seeds: the row holds their medians
        if metrics.get("solved_in"):
            status += f", solved in {metrics['solved_in']} of {seeds}"
        if metrics.get("finite_seeds") != seeds:
            status += f", n = {metrics.get('finite_seeds')} of {seeds}"
    return {
        "model": model,
        "status": status,
        "params": f"{metrics['params']:,}",
        "loss": number(metrics["final_loss"], LOSS_FORMAT),
        "val": number(metrics["final_val_loss"], LOSS_FORMAT),
        "best": best if not seeds else f"{number(metrics['best_val_loss'], LOSS_FORMAT)} (med.)",
        "rmse": number(metrics["forecast_rmse"], RMSE_FORMAT),
        "acc": number(metrics.get("final_val_accuracy"), "{:.3f}"),
        "ppl": number(metrics.get("perplexity"), "{:.2f}"),
        "gram": number(metrics.get("grammatical"), "{:.0%}"),
        "seconds": number(metrics["seconds"], "{:.1f}"),
        "rate": number(metrics["epochs_per_second"], "{:.1f}"),
    }


def metrics_table(metrics: dict[str, dict[str, object]], task: str = "damped") -> str:
    """The final metrics as an aligned plain-text table (the end of the headless output)."""
    headings = headings_for(task)
    rows = [list(headings.values())]
    rows += [[metric_cells(model, m)[key] for key in headings] for model, m in metrics.items()]
    return aligned(rows)


def aligned(rows: Sequence[Sequence[str]]) -> str:
    """Rows of cells as an aligned plain-text table (every headless table)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows)
