"""Keras callbacks: the streaming seam to the caller, and the guards both trainers share.

Every trainer drives these through ``keras.callbacks.CallbackList`` once per epoch, so
``EarlyStopping`` and friends behave as they do under ``model.fit``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import keras

from engine.report.events import EpochReport, ForecastReport, InsideReport, SampleReport, Status
from engine.report.stop import StopSignal

SEED_KEYS = ("seed_loss", "seed_val_loss", "seed_accuracy", "seed_val_accuracy")
"""Logs the seeds' trainer adds: each seed's figure, next to their median under the plain name."""


class StreamingCallback(keras.callbacks.Callback):
    """Hands ``EpochReport(model, epoch, loss, val_loss, seconds)`` to a plain callable after every epoch."""

    def __init__(self, model_name: str, epochs: int, report: Callable[[EpochReport], None]) -> None:
        super().__init__()
        self.model_name = model_name
        self.epochs = epochs
        self.report = report
        self._started = time.perf_counter()

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        self.report(
            EpochReport(
                model=self.model_name,
                epoch=epoch + 1,
                epochs=self.epochs,
                loss=float(logs.get("loss", math.nan)),
                val_loss=float(logs.get("val_loss", math.nan)),
                accuracy=float(logs.get("accuracy", math.nan)),
                val_accuracy=float(logs.get("val_accuracy", math.nan)),
                seconds=time.perf_counter() - self._started,
                **{key: tuple(logs[key]) for key in SEED_KEYS if key in logs},
            )
        )


class TrainingGuard(keras.callbacks.Callback):
    """Stops the model on a non-finite loss (diverged) or on a stop request; records which and when."""

    def __init__(self, stop: StopSignal) -> None:
        super().__init__()
        self.stop = stop
        self.status: Status | None = None
        self.last_epoch = 0
        """1-based number of the last epoch that ran."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        self.last_epoch = epoch + 1
        losses = (logs.get("loss", 0.0), logs.get("val_loss", 0.0))
        if not all(math.isfinite(float(value)) for value in losses):
            self.status = Status.DIVERGED
            self.model.stop_training = True
        elif self.stop.is_set():
            self.status = self.stop.reason
            self.model.stop_training = True

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        # Another callback (EarlyStopping, say) ended training before the planned epochs.
        if self.status is None and getattr(self.model, "stop_training", False):
            self.status = Status.STOPPED


class PreviewCallback(keras.callbacks.Callback):
    """Every ``every`` epochs, runs the task's (cheap, compiled) preview, or a look inside, and reports it.

    The preview is also run once, unreported, right after the first epoch: that call compiles it
    (~0.3 s a model), which at the first real preview stalled training mid-run while the
    screen still showed the last epochs/s and ETA.
    """

    def __init__(
        self,
        every: int,
        preview: Callable[[int, bool], ForecastReport | SampleReport | InsideReport],
        report: Callable[[ForecastReport | SampleReport | InsideReport], None],
    ) -> None:
        super().__init__()
        self.every = every
        self.preview = preview
        self.report = report

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if not self.every or not math.isfinite(float((logs or {}).get("loss", 0.0))):
            return
        if (epoch + 1) % self.every == 0:
            self.report(self.preview(epoch + 1, False))
        elif epoch == 0 and self.params.get("epochs", 0) > self.every:  # a live preview will come mid-run
            self.preview(epoch + 1, False)  # compiled now, with the epochs' own compile, not mid-run
