"""Inside the models: how far back the gradient reaches, and what the gates and states do.

**Gradient through time**: the norm of the gradient of the loss at the last step with respect to
the input at step T−k, for k = 0 … T−1, summed over a model's windows' losses and averaged per
window, computed by one compiled function. In a SimpleRNN it shrinks roughly geometrically in k;
the LSTM's cell carries it further.

**Gates and states** for a few validation windows, recomputed in NumPy from the recurrent layer's
weights (Keras keeps an LSTM's kernels in the order i, f, c, o; a GRU's in z, r, h; minGRU and minLSTM:
:func:`engine.train.minimal.numpy_states`).
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
from keras import ops

from engine.config.config import Config
from engine.data.datasets import Dataset
from engine.report.events import InsideReport
from engine.train.compiled import Tensor, compile_function, value_and_grad
from engine.train.minimal import MinimalRNN, numpy_states

GRADIENT_WINDOWS = 64
"""Validation windows the gradient is averaged over (all of them when there are fewer)."""
STATE_WINDOWS = 16
"""Validation windows whose gates and states are recomputed (the ← → keys choose among them)."""


def _sigmoid(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return result


def recurrent_states(layer: keras.layers.Layer, inputs: np.ndarray) -> dict[str, np.ndarray]:
    """Every step's gates and states of ``layer`` on ``inputs`` (windows, steps, features), from its weights.

    LSTM: input, forget and output gates and the cell state; GRU: update and reset gates; SimpleRNN:
    its hidden state; minGRU: its update gate z; minLSTM: its normalised forget and input gates f', i'.
    Each array has the shape (windows, steps, units). The hidden state of every kind is returned too
    (the layer's own output, for checking).
    """
    if isinstance(layer, MinimalRNN):
        return numpy_states(layer, inputs)
    weights = [np.asarray(w, dtype=np.float64) for w in layer.get_weights()]
    kernel, recurrent, bias = weights
    n, steps, _ = inputs.shape
    units = recurrent.shape[0]
    h = np.zeros((n, units))
    kind = type(layer).__name__
    out: dict[str, list[np.ndarray]] = {}

    def keep(name: str, value: np.ndarray) -> None:
        out.setdefault(name, []).append(value)

    c = np.zeros((n, units))
    for t in range(steps):
        x = inputs[:, t, :].astype(np.float64)
        if kind == "LSTM":
            z = x @ kernel + h @ recurrent + bias
            i, f, g, o = (z[:, k * units : (k + 1) * units] for k in range(4))
            i, f, o, g = _sigmoid(i), _sigmoid(f), _sigmoid(o), np.tanh(g)
            c = f * c + i * g
            h = o * np.tanh(c)
            for gate, value in (("input gate", i), ("forget gate", f), ("output gate", o), ("cell state", c)):
                keep(gate, value)
        elif kind == "GRU":  # Keras's default reset_after=True: the bias has an input row and a recurrent row
            xz = x @ kernel + bias[0]
            hz = h @ recurrent + bias[1]
            update = _sigmoid(xz[:, :units] + hz[:, :units])
            reset = _sigmoid(xz[:, units : 2 * units] + hz[:, units : 2 * units])
            candidate = np.tanh(xz[:, 2 * units :] + reset * hz[:, 2 * units :])
            h = update * h + (1 - update) * candidate
            keep("update gate", update)
            keep("reset gate", reset)
        else:
            h = np.tanh(x @ kernel + h @ recurrent + bias)
        keep("hidden state", h)
    return {name: np.stack(values, axis=1) for name, values in out.items()}


def encoded(encode: list[keras.layers.Layer], x: np.ndarray) -> Tensor:
    """``x`` through the layers before the recurrent one (the text task's one-hot encoding), as floats:
    the gradient is taken with respect to what the recurrent layer sees."""
    out = ops.convert_to_tensor(x)
    for layer in encode:
        out = layer(out)
    return ops.cast(out, "float32")


Inside = Callable[[int, bool], InsideReport]
"""A look inside one model now: ``inside(epoch, final)`` → an :class:`InsideReport`."""


def make_inside(name: str, model: keras.Model, dataset: Dataset, config: Config) -> Inside:
    """A function that looks inside ``model`` now: ``inside(epoch, final)`` → an :class:`InsideReport`."""
    layers = model.layers
    at = next(i for i, layer in enumerate(layers) if isinstance(layer, (keras.layers.RNN, MinimalRNN)))
    encode, recurrent, after = layers[:at], layers[at], layers[at:]
    x_val, y_val = dataset.val
    x_grad, y_grad = encoded(encode, x_val[:GRADIENT_WINDOWS]), ops.convert_to_tensor(y_val[:GRADIENT_WINDOWS])

    def loss(inputs: list[Tensor], weights: list[Tensor], y: Tensor) -> tuple[Tensor, tuple[Tensor, ...]]:
        out = inputs[0]
        for layer, (trainable, non_trainable) in zip(after, weights, strict=True):
            out = layer.stateless_call(trainable, non_trainable, out, training=False)[0]
        if dataset.vocab:
            return ops.sum(ops.sparse_categorical_crossentropy(y, out)), ()
        last, target = (out[:, -1, :], y[:, -1, :]) if dataset.per_step else (out, y)
        return ops.sum(ops.square(last - target)), ()  # each window's own last-step loss

    gradient = value_and_grad(loss)

    def norms(weights: list[Tensor], x: Tensor, y: Tensor) -> Tensor:
        _, (by_input,) = gradient([x], weights, y)
        return ops.mean(ops.norm(by_input, axis=-1), axis=0)

    compiled = compile_function(norms, xla=False)  # once per preview: not worth an XLA compile on TensorFlow

    def inside(epoch: int, final: bool) -> InsideReport:
        weights = [
            ([v.value for v in layer.trainable_variables], [v.value for v in layer.non_trainable_variables])
            for layer in after
        ]
        by_step = ops.convert_to_numpy(compiled(weights, x_grad, y_grad)).astype(np.float64)
        states = recurrent_states(recurrent, ops.convert_to_numpy(encoded(encode, x_val[:STATE_WINDOWS])))
        return InsideReport(name, epoch, by_step[::-1].copy(), states, final)

    return inside
