"""The seed's closed-loop forecast, as one compiled loop instead of a ``predict()`` per step."""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from engine.config import Config
from engine.data import Dataset, oscillation
from engine.events import Forecast


def make_forecaster(model: keras.Model, dataset: Dataset, config: Config) -> Callable[[], Forecast]:
    """Build a function that forecasts ``n_windows`` steps from the first target window.

    The seed starts from ``r_y[0] = y[1:window+1]`` and appends each last-step prediction;
    prediction k therefore estimates ``y[window + 1 + k]``. We keep that index with it, so
    truth and forecast are compared (and drawn) at the same x — the seed drew them one
    sample apart.
    """
    steps = config.n_windows
    start = tf.constant(dataset.targets[0, :, 0])
    index = np.arange(config.window + 1, config.window + 1 + steps)
    truth = oscillation(config, index)
    x = index * (config.x_max / (config.points - 1))

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
        predicted = closed_loop(start).numpy().astype(np.float64)
        rmse = rmse_of(predicted, truth)
        return Forecast(index=index, x=x, truth=truth, predicted=predicted, rmse=rmse)

    return forecast


def rmse_of(predicted: np.ndarray, truth: np.ndarray) -> float:
    """Root-mean-square error; NaN if the forecast itself is not finite."""
    with np.errstate(all="ignore"):
        return float(np.sqrt(np.mean((predicted - truth) ** 2)))
