"""minGRU and minLSTM (Feng et al. 2024, "Were RNNs All We Needed?", arXiv 2410.01201) as Keras layers.

Their gates see only the input ``x_t``, never ``h_{t−1}``, so every step is ``h_t = a_t ⊙ h_{t−1} + b_t``
with ``a_t`` and ``b_t`` known for all steps at once, and ``h_0 = 0``:

- minGRU: ``z = σ(W_z x + b_z)``, ``h̃ = W_h x + b_h``; ``a = 1 − z``, ``b = z ⊙ h̃``.
- minLSTM: ``f = σ(W_f x + b_f)``, ``i = σ(W_i x + b_i)``, ``h̃ = W_h x + b_h``;
  ``a = f' = f / (f + i)``, ``b = i' ⊙ h̃`` with ``i' = i / (f + i)``.

**A parallel scan.** Pairs ``(a, b)`` compose associatively — ``(a₁, b₁)`` then ``(a₂, b₂)`` is
``(a₁a₂, a₂b₁ + b₂)`` — so all T states come from 2⌈log₂ T⌉ rounds of whole-tensor products
(:func:`linear_scan`). The sequential form (``scan=False``) is the plain loop (:func:`linear_loop`);
a test holds the two to the same values and gradients on both backends (``tests/e2e/test_min_models.py``).
The layer scans (in Keras's own trainers, the previews and the look inside); the fast trainer
(:mod:`engine.train.replicas`) scans where that is faster, on a GPU, and loops on a CPU (:func:`scan_helps`).

**Not in log space: the plain h̃ of the formulas above.** The paper computes ``h_t = A_t Σ_k b_k / A_k``
(``A_t = Π a``) through ``log``s, with ``g(x) = x + ½`` (x ≥ 0), ``σ(x)`` below, keeping ``h̃ > 0`` so
``log h̃`` exists. That guards a division by a vanishing cumulative product. The pair scan above never
divides: a product that underflows to 0 only means the step is forgotten, as in the loop, and its
arithmetic is the loop's in another order (float32 agreement, not bit for bit). So the layers use the
issue's formulas unchanged — a candidate that may be negative, as an LSTM's ``tanh`` is — and the scan,
the loop, the replica trainer and the NumPy look inside (:func:`numpy_states`) all compute the same thing.

**Weights**, as Keras keeps a GRU's or LSTM's: one fused ``kernel`` (features × G·units; column blocks
z, h̃ for minGRU; i, f, h̃ for minLSTM) initialised Glorot-uniform, and a ``bias`` (G·units) of zeros —
minLSTM's forget block at 1, like Keras's LSTM (``unit_forget_bias``). No recurrent kernel: a minGRU
of 40 units on 1 input has 2·40·(1+1) = 160 parameters, an LSTM 4·40·(1+40+1) = 6,720.
"""

from __future__ import annotations

from typing import Any, ClassVar

import keras
import numpy as np
from keras import ops

from engine.train.compiled import Tensor

MIN_GATES: dict[str, int] = {"mingru": 2, "minlstm": 3}
"""Column blocks of each kind's fused kernel (its gates and the candidate)."""


def coefficients(kind: str, projected: Tensor) -> tuple[Tensor, Tensor]:
    """``(a, b)`` of ``h_t = a_t ⊙ h_{t−1} + b_t`` from ``x_t @ kernel + bias`` (its last axis the G blocks)."""
    if kind == "mingru":
        z, candidate = ops.split(projected, 2, axis=-1)
        return ops.sigmoid(-z), ops.sigmoid(z) * candidate  # 1 − σ(z) = σ(−z), exact where σ(z) ≈ 1
    i, f, candidate = ops.split(projected, 3, axis=-1)
    i, f = ops.sigmoid(i), ops.sigmoid(f)
    total = f + i  # in (0, 2): never 0
    return f / total, i / total * candidate


def linear_scan(a: Tensor, b: Tensor) -> Tensor:
    """Every ``h_t = a_t ⊙ h_{t−1} + b_t`` (``h_0 = 0``), steps on axis −2, by odd–even reduction.

    Neighbouring steps are composed in pairs, the half-length sequence is scanned the same way, and
    the steps in between are filled in from it: O(T) work in 2⌈log₂ T⌉ rounds of whole-tensor
    products (the algorithm of ``jax.lax.associative_scan``), with static shapes on every backend.
    ``keras.ops.associative_scan`` itself does not compile under TensorFlow's XLA (its ``tf.cond``
    holds both branches); a doubling scan (T log T work) took 7× longer at T = 1000 on a CPU.
    """
    return _scan_pairs(a, b)[1]


def _scan_pairs(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """The composed pairs ``(a_t ⋯ a_1, h_t)`` of every prefix, for :func:`linear_scan`."""
    steps, units = int(a.shape[-2]), int(a.shape[-1])
    if steps == 1:
        return a, b
    lead, even = (-1, *a.shape[1:-2]), steps // 2 * 2  # the batch may be unknown (None) while Keras traces
    a0, a1 = _pairs(a[..., :even, :], lead, units)
    b0, b1 = _pairs(b[..., :even, :], lead, units)
    odd_a, odd_b = _scan_pairs(a0 * a1, a1 * b0 + b1)  # every prefix ending at step 2j+1
    # A prefix ending at step 2j is the one ending at 2j−1, then step 2j.
    even_a = ops.concatenate([a0[..., :1, :], a0[..., 1:, :] * odd_a[..., :-1, :]], axis=-2)
    even_b = ops.concatenate([b0[..., :1, :], a0[..., 1:, :] * odd_b[..., :-1, :] + b0[..., 1:, :]], axis=-2)
    out_a = ops.reshape(ops.stack([even_a, odd_a], axis=-2), (*lead, even, units))
    out_b = ops.reshape(ops.stack([even_b, odd_b], axis=-2), (*lead, even, units))
    if even < steps:  # an odd length: the last step follows the prefix before it
        last_a, last_b = a[..., -1:, :], b[..., -1:, :]
        out_a = ops.concatenate([out_a, last_a * odd_a[..., -1:, :]], axis=-2)
        out_b = ops.concatenate([out_b, last_a * odd_b[..., -1:, :] + last_b], axis=-2)
    return out_a, out_b


def _pairs(x: Tensor, lead: tuple[int, ...], units: int) -> tuple[Tensor, Tensor]:
    """Steps 0, 2, 4 … and steps 1, 3, 5 … of ``x`` (an even number of steps on axis −2)."""
    paired = ops.reshape(x, (*lead, int(x.shape[-2]) // 2, 2, units))
    return paired[..., 0, :], paired[..., 1, :]


def linear_loop(a: Tensor, b: Tensor) -> Tensor:
    """The same states as :func:`linear_scan`, one step after another: the plain loop, written out
    (a Python loop over the static steps, so it compiles and differentiates anywhere; the reference)."""
    h = ops.zeros_like(b[..., 0, :])
    states = []
    for t in range(int(a.shape[-2])):
        h = a[..., t, :] * h + b[..., t, :]
        states.append(h)
    return ops.stack(states, axis=-2)


def hidden_states(kind: str, projected: Tensor, *, scan: bool = True) -> Tensor:
    """Every step's hidden state from the projected inputs (steps on axis −2): the scan or the loop."""
    a, b = coefficients(kind, projected)
    return linear_scan(a, b) if scan else linear_loop(a, b)


def scan_helps() -> bool:
    """Whether the fast trainer should scan: where Keras computes on a GPU or TPU, whose many cores run a
    round's whole-tensor products at once (not measured here: no GPU). On a CPU it runs the loop, measured
    faster on 2 cores (the adding task, one replica, XLA; ``python -m engine.bench --only minimal``, whose
    table is in engine/bench/README.md): at T = 100 a minGRU epoch 65 ms looping against 165 ms scanning,
    a minLSTM 126 against 195 ms; at T = 1,000 0.85 against 1.9 s and 1.5 against 3.1 s; and the scan's
    XLA compile takes 15–23 s against 4–7 s. The scan does
    about twice the loop's arithmetic for its 2⌈log₂ T⌉ rounds, and two cores cannot run a round's steps at once."""
    return any(not device.startswith("cpu") for device in keras.distribution.list_devices())


class MinimalRNN(keras.layers.Layer):  # type: ignore[misc]  # Keras ships no types: Layer is Any to mypy
    """A recurrent layer whose gates see only the input: ``MinGRU`` or ``MinLSTM``.

    Built as Keras's recurrent layers are: ``layer(units, return_sequences=..., unroll=...)`` on inputs
    (batch, steps, features). ``unroll`` is accepted for that signature and means nothing here: the scan
    has no loop to unroll. ``scan=False`` runs the sequential loop instead, written out step by step (the
    reference for tests: its graph grows with the steps). A ``.keras`` file keeps both flags; loading one
    needs this module imported (it registers the classes, package ``rnnlstm``).
    """

    kind: ClassVar[str] = ""
    """The engine's name of the model: ``mingru`` or ``minlstm``."""

    def __init__(
        self, units: int, return_sequences: bool = False, unroll: bool = False, scan: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.units = int(units)
        self.return_sequences = bool(return_sequences)
        self.unroll = bool(unroll)
        self.scan = bool(scan)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        """The fused kernel and bias (see the module's note on weights)."""
        width = MIN_GATES[self.kind] * self.units
        features = int(input_shape[-1] or 0)  # Keras always knows the features here
        self.kernel = self.add_weight(shape=(features, width), initializer="glorot_uniform", name="kernel")
        bias = np.zeros(width, dtype="float32")
        if self.kind == "minlstm":
            bias[self.units : 2 * self.units] = 1.0  # the forget block, as Keras's LSTM starts it
        self.bias = self.add_weight(shape=(width,), initializer=keras.initializers.Constant(bias), name="bias")

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        """Hidden states of every step (``return_sequences``) or of the last, (batch, [steps,] units).
        ``training`` changes nothing (no dropout), as for Keras's recurrent layers by default."""
        projected = ops.matmul(ops.cast(inputs, self.compute_dtype), self.kernel) + self.bias
        states = hidden_states(self.kind, projected, scan=self.scan)
        return states if self.return_sequences else states[:, -1, :]

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        """(batch, steps, units) with ``return_sequences``, else (batch, units)."""
        if self.return_sequences:
            return (input_shape[0], input_shape[1], self.units)
        return (input_shape[0], self.units)

    def get_config(self) -> dict[str, Any]:
        """What a ``.keras`` file keeps to build the layer again."""
        config: dict[str, Any] = super().get_config()
        config.update(units=self.units, return_sequences=self.return_sequences, unroll=self.unroll, scan=self.scan)
        return config


@keras.saving.register_keras_serializable(package="rnnlstm")
class MinGRU(MinimalRNN):
    """minGRU: ``h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t``, ``z_t = σ(W_z x_t + b_z)``, ``h̃_t = W_h x_t + b_h``."""

    kind = "mingru"


@keras.saving.register_keras_serializable(package="rnnlstm")
class MinLSTM(MinimalRNN):
    """minLSTM: ``h_t = f'_t ⊙ h_{t−1} + i'_t ⊙ h̃_t``, the gates σ(W x + b) normalised to sum to 1."""

    kind = "minlstm"


MIN_LAYERS: dict[str, type[MinimalRNN]] = {"mingru": MinGRU, "minlstm": MinLSTM}
"""The layer class of each minimal kind."""


def numpy_states(layer: MinimalRNN, inputs: np.ndarray) -> dict[str, np.ndarray]:
    """Every step's gates and hidden state of ``layer`` on ``inputs`` (windows, steps, features), in NumPy.

    minGRU: its ``update gate`` z (how much of the candidate enters: the opposite role to a Keras GRU's
    z, which keeps the old state); minLSTM: the normalised ``forget gate`` f' and ``input gate`` i'
    (they sum to 1). Each array (windows, steps, units), in float64 from the layer's weights.
    """
    kernel, bias = (np.asarray(w, dtype=np.float64) for w in layer.get_weights())
    projected = inputs.astype(np.float64) @ kernel + bias
    blocks = np.split(projected, MIN_GATES[layer.kind], axis=-1)
    sigmoid = [1.0 / (1.0 + np.exp(-block)) for block in blocks[:-1]]
    if layer.kind == "mingru":
        gates = {"update gate": sigmoid[0]}
        a, b = 1.0 - sigmoid[0], sigmoid[0] * blocks[-1]
    else:
        i, f = sigmoid
        gates = {"forget gate": f / (f + i), "input gate": i / (f + i)}
        a, b = gates["forget gate"], gates["input gate"] * blocks[-1]
    h = np.zeros_like(b)
    for t in range(b.shape[1]):
        h[:, t] = a[:, t] * (h[:, t - 1] if t else 0.0) + b[:, t]
    return {**gates, "hidden state": h}
