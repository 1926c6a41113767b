"""The seed's closed-loop forecast, as one compiled loop instead of a ``predict()`` per step."""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from engine.config import Config
from engine.data import Dataset
from engine.events import Forecast


def make_forecaster(model: keras.Model, dataset: Dataset, config: Config) -> Callable[[], Forecast]:
    """The task's preview: a closed-loop forecast for a series, predictions on held-out sequences otherwise."""
    if dataset.per_step:
        return make_closed_loop(model, dataset, config)
    return make_held_out(model, dataset, config)


def make_closed_loop(model: keras.Model, dataset: Dataset, config: Config) -> Callable[[], Forecast]:
    """Build a function that forecasts ``forecast_steps`` steps from the window at ``forecast_start``.

    The seed starts from ``r_y[0] = y[1:window+1]`` and appends each last-step prediction;
    prediction k therefore estimates ``y[window + 1 + k]``. We keep that index with it, so
    truth and forecast are compared (and drawn) at the same x — the seed drew them one
    sample apart. A CSV series is forecast over its held-out part. The model sees
    standardised values; the forecast is mapped back to the series' units.
    """
    first, steps, window = dataset.forecast_start, dataset.forecast_steps, config.window
    start = tf.constant(((dataset.y[first : first + window] - dataset.mean) / dataset.std).astype(np.float32))
    index = np.arange(first + window, first + window + steps)
    assert dataset.truth_at is not None  # every series task has one
    truth = dataset.truth_at(index)
    x = dataset.x[0] + index * (dataset.x[1] - dataset.x[0])

    # One compiled while loop: 180 model calls cost about as much as one predict().
    @tf.function(jit_compile=config.xla)
    def closed_loop(window_values: tf.Tensor) -> tf.Tensor:
        outputs = tf.TensorArray(tf.float32, size=steps)
        window = window_values
        for step in tf.range(steps):
            following = model(tf.reshape(window, (1, -1, 1)), training=False)[0, -1, 0]
            outputs = outputs.write(step, following)
            window = tf.concat([window[1:], tf.reshape(following, (1,))], axis=0)
        return outputs.stack()

    def forecast() -> Forecast:
        predicted = closed_loop(start).numpy().astype(np.float64) * dataset.std + dataset.mean
        return Forecast(index=index, x=x, truth=truth, predicted=predicted, rmse=rmse_of(predicted, truth))

    return forecast


def make_held_out(model: keras.Model, dataset: Dataset, config: Config) -> Callable[[], Forecast]:
    """Predictions on the held-out sequences next to their targets, sorted by target (one compiled call)."""
    x_val, y_val = dataset.val
    inputs = tf.constant(x_val)
    order = np.argsort(y_val[:, 0], kind="stable")
    truth = y_val[order, 0].astype(np.float64)

    @tf.function(jit_compile=config.xla)
    def predict(values: tf.Tensor) -> tf.Tensor:
        return model(values, training=False)[:, 0]

    def preview() -> Forecast:
        predicted = predict(inputs).numpy().astype(np.float64)[order]
        rank = np.arange(len(order), dtype=np.float64)
        return Forecast(index=order, x=rank, truth=truth, predicted=predicted, rmse=rmse_of(predicted, truth))

    return preview


def rmse_of(predicted: np.ndarray, truth: np.ndarray) -> float:
    """Root-mean-square error; NaN if the forecast itself is not finite."""
    with np.errstate(all="ignore"):
        return float(np.sqrt(np.mean((predicted - truth) ** 2)))
