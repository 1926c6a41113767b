"""Each task's preview, compiled: the seed's closed-loop forecast as one loop instead of a ``predict()``
per step, predictions on held-out sequences, and generated text."""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
from keras import ops

from engine.config.config import Config
from engine.data.datasets import Dataset
from engine.inputs.text import BUILT_IN, grammatical_fraction
from engine.report.events import Forecast, ForecastReport, SampleReport
from engine.train.compiled import Tensor, compile_function, repeat

Preview = Callable[[int, bool], ForecastReport | SampleReport]
"""``preview(epoch, final)``: what the model does now, as the event that reports it."""
SAMPLE_CHARS = 240
"""Characters each text sample has: room for about fifteen strings of the built-in grammar."""


def weights_of(model: keras.Model) -> tuple[list[Tensor], list[Tensor]]:
    """``model``'s weights as they are now, to hand a compiled function that calls the model statelessly.

    A compiled function must take the weights as arguments: JAX would otherwise bake the values it
    was traced with into the compiled code, and every later preview would show the first weights.
    """
    return [v.value for v in model.trainable_variables], [v.value for v in model.non_trainable_variables]


def _call(model: keras.Model, weights: tuple[list[Tensor], list[Tensor]], inputs: Tensor) -> Tensor:
    return model.stateless_call(*weights, inputs, training=False)[0]


def make_preview(name: str, model: keras.Model, dataset: Dataset, config: Config) -> Preview:
    """The task's preview of model ``name``: a closed-loop forecast for a series, predictions on
    held-out sequences for the adding problem, generated text for the text task."""
    if dataset.vocab:
        sampler = make_sampler(model, dataset, config)
        return lambda epoch, final: sampler(name, epoch, final)
    forecaster = make_forecaster(model, dataset, config)
    return lambda epoch, final: ForecastReport(name, epoch, forecaster(), final)


def make_forecaster(model: keras.Model, dataset: Dataset, config: Config) -> Callable[[], Forecast]:
    """A series' closed-loop forecast, or predictions on the adding problem's held-out sequences."""
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
    start = ops.convert_to_tensor(((dataset.y[first : first + window] - dataset.mean) / dataset.std).astype(np.float32))
    index, x, truth = _closed_loop_rows(dataset, config)

    # One compiled loop: 180 model calls cost about as much as one predict().
    def closed_loop(weights: tuple[list[Tensor], list[Tensor]], window_values: Tensor) -> Tensor:
        def step(i: Tensor, carry: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
            window, outputs = carry
            following = _call(model, weights, ops.reshape(window, (1, -1, 1)))[0, -1, 0]
            outputs = ops.where(ops.arange(steps) == i, following, outputs)  # outputs[i] = following (NaN stays put)
            return ops.concatenate([window[1:], ops.reshape(following, (1,))], axis=0), outputs

        return repeat(steps, step, (window_values, ops.zeros((steps,))))[1]

    compiled = compile_function(closed_loop, config.xla, example=(weights_of(model), start))

    def forecast() -> Forecast:
        values = ops.convert_to_numpy(compiled(weights_of(model), start)).astype(np.float64)
        predicted = values * dataset.std + dataset.mean
        return Forecast(index=index, x=x, truth=truth, predicted=predicted, rmse=rmse_of(predicted, truth))

    return forecast


def _closed_loop_rows(dataset: Dataset, config: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index, x and truth of the samples a closed-loop forecast predicts."""
    first, steps = dataset.forecast_start + config.window, dataset.forecast_steps
    index = np.arange(first, first + steps)
    assert dataset.truth_at is not None  # every series task has one
    return index, dataset.x[0] + index * (dataset.x[1] - dataset.x[0]), dataset.truth_at(index)


def _held_out_rows(dataset: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """The held-out sequences sorted by target, and their targets in that order."""
    y_val = dataset.val[1]
    order = np.argsort(y_val[:, 0], kind="stable")
    return order, y_val[order, 0].astype(np.float64)


def with_blanks(
    models: list[str], forecasts: dict[str, Forecast], dataset: Dataset, config: Config
) -> dict[str, Forecast]:
    """Every model's final forecast in ``models``' order; one with none (it diverged, or never trained)
    gets NaN predictions, written as empty cells, so ``forecast.csv`` always has the truth."""
    if dataset.vocab:  # text: no forecast at all
        return forecasts
    if dataset.per_step:
        index, x, truth = _closed_loop_rows(dataset, config)
    else:
        index, truth = _held_out_rows(dataset)
        x = np.arange(len(index), dtype=np.float64)
    blank = Forecast(index=index, x=x, truth=truth, predicted=np.full(len(index), np.nan), rmse=float("nan"))
    return {model: forecasts.get(model, blank) for model in models}


def make_held_out(model: keras.Model, dataset: Dataset, config: Config) -> Callable[[], Forecast]:
    """Predictions on the held-out sequences next to their targets, sorted by target (one compiled call)."""
    inputs = ops.convert_to_tensor(dataset.val[0])
    order, truth = _held_out_rows(dataset)
    predict = lambda weights, values: _call(model, weights, values)[:, 0]  # noqa: E731
    compiled = compile_function(predict, config.xla, example=(weights_of(model), inputs))

    def preview() -> Forecast:
        predicted = ops.convert_to_numpy(compiled(weights_of(model), inputs)).astype(np.float64)[order]
        rank = np.arange(len(order), dtype=np.float64)
        return Forecast(index=order, x=rank, truth=truth, predicted=predicted, rmse=rmse_of(predicted, truth))

    return preview


def make_sampler(model: keras.Model, dataset: Dataset, config: Config) -> Callable[[str, int, bool], SampleReport]:
    """Text written from a prompt — the first held-out window — one sampled character at a time.

    Each character is drawn from the model's distribution sharpened or flattened by
    ``temperature`` (the Gumbel-max way: the largest of the log-probabilities plus Gumbel noise,
    the noise drawn in NumPy from ``(seed, epoch)``): the same weights and seed write the same
    text, on either backend. One compiled loop writes the whole sample.
    """
    prompt_codes = ops.convert_to_tensor(dataset.val[0][0], "int32")
    prompt = "".join(dataset.vocab[i] for i in dataset.val[0][0])
    built_in = dataset.source == BUILT_IN
    n_chars = len(dataset.vocab)

    def generate(weights: tuple[list[Tensor], list[Tensor]], window_codes: Tensor, noise: Tensor) -> Tensor:
        def step(i: Tensor, carry: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
            window, written = carry
            probabilities = _call(model, weights, ops.reshape(window, (1, -1)))[0]
            logits = ops.log(probabilities + 1e-12) / config.temperature
            drawn = ops.cast(ops.argmax(logits + ops.take(noise, i, axis=0)), "int32")
            written = ops.where(ops.arange(SAMPLE_CHARS) == i, drawn, written)  # written[i] = drawn
            return ops.concatenate([window[1:], ops.reshape(drawn, (1,))], axis=0), written

        return repeat(SAMPLE_CHARS, step, (window_codes, ops.zeros((SAMPLE_CHARS,), "int32")))[1]

    shape = ops.zeros((SAMPLE_CHARS, n_chars), "float32")
    compiled = compile_function(generate, config.xla, example=(weights_of(model), prompt_codes, shape))

    def sample(name: str, epoch: int, final: bool) -> SampleReport:
        uniform = np.random.default_rng([config.seed, epoch]).uniform(1e-12, 1.0, (SAMPLE_CHARS, n_chars))
        noise = ops.convert_to_tensor(-np.log(-np.log(uniform)).astype(np.float32))
        codes = ops.convert_to_numpy(compiled(weights_of(model), prompt_codes, noise))
        text = "".join(dataset.vocab[i] for i in codes)
        grammatical = grammatical_fraction(prompt + text) if built_in else float("nan")
        return SampleReport(name, epoch, prompt, text, grammatical, final)

    return sample


def rmse_of(predicted: np.ndarray, truth: np.ndarray) -> float:
    """Root-mean-square error; NaN if the forecast itself is not finite."""
    with np.errstate(all="ignore"):
        return float(np.sqrt(np.mean((predicted - truth) ** 2)))
