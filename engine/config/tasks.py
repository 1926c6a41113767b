"""What each task is: its title, its own defaults, what "solved" means, and the checks of its settings.

The data itself is made in :mod:`engine.data.datasets`, the model's head in :mod:`engine.train.models`, the preview
in :mod:`engine.train.forecast`. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from engine.config.config import DEFAULT, Config


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
    own = TASK_INFO[task].defaults if task in TASK_INFO else {}  # an unknown task is refused by validation
    return DEFAULT.replace(task=task, **{**own, **values})


def solved_threshold(config: Config, baseline: float) -> float | None:
    """The val loss at or below which a model counts as having solved ``config.task``."""
    fraction = TASK_INFO[config.task].solved_fraction
    return None if fraction is None else fraction * baseline
