"""What each task is: its title, its own defaults, what "solved" means, and the checks of its settings.

The data itself is made in :mod:`engine.data`, the model's head in :mod:`engine.models`, the preview
in :mod:`engine.forecast`. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.settings import ConfigError

if TYPE_CHECKING:
    from engine.config import Config


@dataclass(frozen=True)
class TaskInfo:
    """How a task is shown and judged."""

    title: str
    """What the header and the Guide call it."""
    preview: str
    """What the preview chart shows."""
    baseline: str
    """The trivial answer whose validation loss is drawn as a line."""
    solved_fraction: float | None = None
    """A model is "solved" once its val loss is at most this fraction of the baseline's (None: no such mark)."""
    defaults: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Settings that differ from the seed's for this task (the user's own values still win)."""


TASK_INFO: dict[str, TaskInfo] = {
    "damped": TaskInfo("damped oscillation (the seed's)", "closed-loop forecast vs truth", "repeat the last value"),
    "sine": TaskInfo("sine", "closed-loop forecast vs truth", "repeat the last value"),
    "csv": TaskInfo("CSV column", "closed-loop forecast of the held-out part vs truth", "repeat the last value"),
    "adding": TaskInfo(
        "adding problem (long lag)",
        "held-out sequences: prediction vs target, sorted by target",
        "predict the mean",
        solved_fraction=0.05,
        # Measured here (README, "Tasks"): SGD at the seed's settings does not move off the
        # baseline within minutes; Adam with clipping lets an LSTM solve T = 100 in about a minute.
        defaults={
            "optimizer": "adam",
            "learning_rate": 0.005,
            "epochs": 60,
            "batch_size": 32,
            "units": 32,
            "forecast_every": 10,
        },
    ),
    "text": TaskInfo(
        "next character (the seed's text experiment)",
        "generated text",
        "predict each character by its frequency",
        # One-hot windows of characters need more than SGD at 0.01 to learn in minutes. XLA is off:
        # on a CPU it is no faster here and it materialises the one-hot validation inputs at once
        # (measured: 3.4 GB instead of 0.8 GB for 8,000 windows of a 2,093-character text).
        defaults={
            "xla": False,
            "optimizer": "adam",
            "learning_rate": 0.01,
            "epochs": 20,
            "batch_size": 128,
            "units": 64,
            "forecast_every": 2,
        },
    ),
}


def for_task(task: str, **values: Any) -> Config:
    """The seed's config with ``task``'s own defaults, then ``values`` on top (validated)."""
    from engine.config import DEFAULT

    own = TASK_INFO[task].defaults if task in TASK_INFO else {}  # an unknown task is refused by validation
    return DEFAULT.replace(task=task, **{**own, **values})


def solved_threshold(config: Config, baseline: float) -> float | None:
    """The val loss at or below which a model counts as having solved ``config.task``."""
    fraction = TASK_INFO[config.task].solved_fraction
    return None if fraction is None else fraction * baseline


def check_task(config: Config) -> None:
    """Raise :class:`ConfigError` for a setting the task does not use, or a data file that cannot be used."""
    from engine.config import DEFAULT, SETTINGS

    for spec in SETTINGS:
        value = getattr(config, spec.name)
        if not spec.applies_to(config.task) and value != getattr(DEFAULT, spec.name):
            uses = " or ".join(spec.tasks)
            raise ConfigError(spec.name, value, f"only with task {uses}", f"not used by task {config.task}")
    if config.task == "csv":
        check_csv(config)
    if config.task == "text":
        check_text(config)


def check_csv(config: Config) -> None:
    """Read the CSV column now, so a bad file is refused before TensorFlow loads (the read is cached)."""
    from engine.csvdata import read_column

    values = read_column(config.csv, config.column).values
    if len(values) < config.window + 2:
        raise ConfigError(
            "csv", config.csv, f"at least window + 2 = {config.window + 2} values", f"only {len(values)} values"
        )


def check_text(config: Config) -> None:
    """Load the text now (cached), so a bad file is refused before TensorFlow loads."""
    from engine.text import load_corpus

    corpus = load_corpus(config.text, config.seed)
    if len(corpus.text) < config.window + 2:
        need = f"at least window + 2 = {config.window + 2} characters"
        raise ConfigError("text", config.text, need, f"only {len(corpus.text)} characters")
    if len(corpus.chars) < 2:
        raise ConfigError("text", config.text, "at least 2 distinct characters", "a single distinct character")
