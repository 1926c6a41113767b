"""The notebook's way, kept verbatim in spirit so the benchmark can run it side by side.

``model.fit(..., validation_split=0.1)`` per model, one after the other, then the closed-loop
forecast with one ``predict()`` per step, as in ``shared/seed/lstm_nb.md``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.config.config import Config
from engine.data.datasets import make_dataset
from engine.train.models import build_model

if TYPE_CHECKING:
    import keras


@dataclass
class NotebookResult:
    """Seconds and final losses of the notebook's way for one model."""

    fit_seconds: float
    forecast_seconds: float
    final_loss: float
    final_val_loss: float
    forecast: np.ndarray[Any, np.dtype[np.float64]]
    """The notebook's ``rnn_res[20:]``: prediction k estimates ``y[window + 1 + k]``."""


def run_notebook_model(kind: str, config: Config) -> NotebookResult:
    """Train one model with ``fit`` and forecast with per-step ``predict``, timing each."""
    dataset = make_dataset(config)
    model = build_model(kind, config, keep=False)  # plain Keras: drawn, not kept
    started = time.perf_counter()
    history = model.fit(
        dataset.inputs,
        dataset.targets,
        epochs=config.epochs,
        batch_size=config.batch_size,
        validation_split=config.validation_split,
        verbose=0,
    )
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    forecast = notebook_forecast(model, dataset.targets[0, :, 0], config.window, config.n_windows)
    forecast_seconds = time.perf_counter() - started
    return NotebookResult(
        fit_seconds,
        forecast_seconds,
        float(history.history["loss"][-1]),
        float(history.history["val_loss"][-1]),
        forecast,
    )


def notebook_forecast(
    model: keras.Model, start: np.ndarray[Any, np.dtype[Any]], window: int, steps: int
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The notebook's loop: feed the last ``window`` values, append the last-step prediction."""
    result = np.asarray(start, dtype=np.float64).reshape(-1)
    for _ in range(steps):
        predicted = model.predict(result[-window:].reshape(1, window, 1), verbose=0)
        result = np.append(result, predicted[0][window - 1][0])
    return result[window:]
