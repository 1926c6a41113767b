"""Plain messages the engine hands to the caller's callable while a run goes on.

They are immutable dataclasses so they can cross threads safely; the TUI wraps them in
Textual messages, the headless mode prints them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np

from engine.report.spread import Band, band


class Status(StrEnum):
    """How a run or one model stands; the value is what ``metrics.json`` and the screen say."""

    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"
    """The user asked (the stop key, or a callback such as ``EarlyStopping``)."""
    DIVERGED = "diverged"
    """A loss turned NaN or infinite."""
    INTERRUPTED = "interrupted"
    """A signal or quitting the app."""
    ERROR = "error"


class Stage(StrEnum):
    """What the engine is busy with; the value is how status lines say it."""

    LOADING = "loading TensorFlow"
    LOADING_JAX = "loading Keras on JAX"
    READING = "reading the run folder"
    BUILDING = "building the models"
    """Keras is already loaded (a restart): the models are built and compiled."""
    TRAINING = "training"
    FORECASTING = "forecasting"


@dataclass(frozen=True)
class Phase:
    """The engine moved on to ``stage``."""

    stage: Stage


@dataclass(frozen=True)
class RunStarted:
    """TensorFlow is up and the models are built; training begins next."""

    run_dir: Path
    device: str
    summaries: dict[str, str]
    params: dict[str, int]
    baseline: float = math.nan
    """Validation loss of the task's trivial answer (repeat the last value, predict the mean)."""
    solved_below: float | None = None
    """Val loss at or below which a model has solved the task; ``None`` where the task has no such mark."""
    data: str = ""
    """What the data is, in a line, where the settings do not say it all (a text's stride, a CSV's scale)."""


@dataclass(frozen=True)
class EpochReport:
    """One finished epoch of one model, as the streaming Keras callback sees it."""

    model: str
    epoch: int
    """1-based epoch number."""
    epochs: int
    """Epochs planned for this run."""
    loss: float
    val_loss: float
    seconds: float
    """Wall time since this model started training."""
    accuracy: float = math.nan
    """Classifiers (the text task): the fraction of training windows whose next character was right."""
    val_accuracy: float = math.nan
    seed_loss: tuple[float, ...] = ()
    """With ``--seeds N`` > 1: each seed's loss (NaN once it diverged); ``loss`` is then their median."""
    seed_val_loss: tuple[float, ...] = ()
    seed_accuracy: tuple[float, ...] = ()
    seed_val_accuracy: tuple[float, ...] = ()

    @property
    def loss_band(self) -> Band | None:
        """Median and range of the seeds' losses; ``None`` for a run with one seed."""
        return band(self.seed_loss) if self.seed_loss else None

    @property
    def val_band(self) -> Band | None:
        """Median and range of the seeds' validation losses; ``None`` for a run with one seed."""
        return band(self.seed_val_loss) if self.seed_val_loss else None


@dataclass(frozen=True)
class Forecast:
    """A closed-loop forecast aligned with the truth: ``predicted[k]`` and ``truth[k]`` share ``index[k]``."""

    index: np.ndarray
    x: np.ndarray
    truth: np.ndarray
    predicted: np.ndarray
    """With several seeds: the median of their forecasts at each point."""
    rmse: float
    """With several seeds: the median of their RMSEs."""
    low: np.ndarray | None = None
    """With several seeds: the lowest and highest forecast at each point (the band); else ``None``."""
    high: np.ndarray | None = None
    seed_rmse: tuple[float, ...] = ()
    """With several seeds: each seed's RMSE."""


@dataclass(frozen=True)
class ForecastReport:
    """A model's forecast after ``epoch`` epochs (``final`` once training has ended)."""

    model: str
    epoch: int
    forecast: Forecast
    final: bool = False


@dataclass(frozen=True)
class SampleReport:
    """Text a model wrote after ``epoch`` epochs, from a prompt of held-out text (the text task's preview)."""

    model: str
    epoch: int
    prompt: str
    text: str
    """What the model wrote after the prompt."""
    grammatical: float = math.nan
    """Built-in Reber corpus: the fraction of complete generated strings that the grammar accepts."""
    final: bool = False
    seed_grammatical: tuple[float, ...] = ()
    """With several seeds: each seed's grammatical fraction (``grammatical`` is their median; the
    text shown is the first seed's)."""


@dataclass(frozen=True)
class InsideReport:
    """A look inside a model after ``epoch`` epochs (see :mod:`engine.train.inside`)."""

    model: str
    epoch: int
    gradient: np.ndarray
    """``gradient[k]``: norm of the gradient of the last step's loss with respect to the input k steps back."""
    states: dict[str, np.ndarray]
    """Gate or state name → (windows, steps, units), for the first few validation windows."""
    final: bool = False


@dataclass(frozen=True)
class ModelFinished:
    """A model stopped training: ``status`` is finished, stopped, diverged or interrupted."""

    model: str
    status: Status
    epoch: int
    """Last epoch reached (for diverged: the epoch whose loss was not finite)."""


@dataclass(frozen=True)
class RunFinished:
    """Everything is written; ``metrics`` is what ``metrics.json`` holds."""

    run_dir: Path
    status: Status
    metrics: dict[str, dict[str, object]] = field(default_factory=dict)
    observations: tuple[str, ...] = ()
    """What the Guide's rules say about the finished run (also in ``observations.md``)."""
    verdicts: tuple[str, ...] = ()
    """With several seeds: how each pair of models compares (see :mod:`engine.report.spread`)."""


Event = Phase | RunStarted | EpochReport | ForecastReport | SampleReport | InsideReport | ModelFinished | RunFinished
EventSink = Callable[[Event], None]
"""The plain callable a caller hands the engine; called from engine threads."""


def number(value: object, fmt: str = "{:.2e}") -> str:
    """A finite number in ``fmt``; a dash for NaN, inf or a missing value (a diverged model).

    Shared by the headless table and the TUI, so both show a metric the same way.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return fmt.format(value)
    return "—"


def status_text(status: str, epoch: object, solved_epoch: object = None) -> str:
    """A model's state as people read it: "finished", "diverged at epoch 3", "finished, solved at 23"."""
    text = str(status) if status in (Status.FINISHED, "training") else f"{status} at epoch {epoch}"
    return f"{text}, solved at {solved_epoch}" if solved_epoch else text


def run_status(statuses: list[Status]) -> Status:
    """The run's status: interrupted or stopped if it was cut short, diverged if any model was."""
    for status in (Status.INTERRUPTED, Status.STOPPED, Status.DIVERGED):
        if status in statuses:
            return status
    return Status.FINISHED
