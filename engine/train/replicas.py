"""Many seeds of one model in one compiled call: the replicas' weights on a leading axis.

Training N seeds as N runs would pay N compiles and N dispatches per batch. Here every weight
of the model gets a leading replica axis, the recurrent cell is written out once with batched
matrix products (``[K, B, F] @ [K, F, G]``), and one XLA-compiled call runs a whole epoch of
every replica. The compiled function does not depend on K's value beyond shapes, so compile
time stays that of one model. The maths is Keras's own — the same cells, the same mean loss,
the same SGD or Adam (with per-variable norm clipping) — and each replica starts from the
weights and shuffles of a single run with its seed, so replica k matches ``--seed seed+k``
trained alone on the same data (``tests/engine/test_seeds.py``). The data is made once, from ``--seed``.
minGRU and minLSTM have no recurrence inside their gates: on a GPU their replicas run every step at once
(:func:`engine.train.minimal.linear_scan`); on a CPU, where that is slower, the same loop as the others.

It is written once in ``keras.ops`` as pure functions of the weights, and runs on TensorFlow
or JAX: :mod:`engine.train.compiled` says how each compiles it and takes its gradient.

Replicas are independent: the loss that is differentiated is the sum of the replicas'
losses, whose gradient with respect to one replica's weights is that replica's own. A replica
that diverges keeps running on NaNs without touching the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
import numpy as np
from keras import ops

from engine.config.choices import MIN_KINDS
from engine.config.config import Config
from engine.data.datasets import Dataset
from engine.train.compiled import Tensor, compile_function, repeat, value_and_grad
from engine.train.minimal import coefficients, hidden_states, scan_helps
from engine.train.optimizers import first_state, make_update

ReplicaEpoch = Callable[[np.ndarray], dict[str, np.ndarray]]
"""One epoch of every replica, each over its own order of the training windows (``[K, n_train]``)
→ per-replica logs as arrays of K values: ``loss``, ``val_loss`` (and accuracies for a classifier)."""

Tensors = tuple[Tensor, ...]
"""Several tensors handed on together (a scan's carry, a step's results)."""


class ReplicaWeights:
    """The trainable weights of K same-shaped Keras models, stacked on a leading axis."""

    def __init__(self, models: Sequence[keras.Model]) -> None:
        self.kind = models[0].name
        self.models = list(models)
        self.params: list[Tensor] = [
            ops.convert_to_tensor(np.stack([np.asarray(m.trainable_variables[i].value) for m in models]))
            for i in range(len(models[0].trainable_variables))
        ]
        """The stacked weights, replaced by each epoch's result."""
        self.diverged_at: list[int | None] = [None] * len(models)
        """The epoch each replica's loss stopped being finite; ``None`` while it trains."""

    @property
    def count(self) -> int:
        """K, the number of replicas."""
        return len(self.models)

    def copy_to(self, replica: int, model: keras.Model) -> None:
        """Give ``model`` (same architecture) the current weights of ``replica``."""
        for target, stacked in zip(model.trainable_variables, self.params, strict=True):
            target.assign(ops.convert_to_numpy(stacked[replica]))

    def copy_back(self) -> None:
        """Write every replica's weights into its own Keras model (before saving or previewing)."""
        for replica, model in enumerate(self.models):
            self.copy_to(replica, model)


class ReplicaPart:
    """Replicas ``offset … offset+count−1`` of a larger stack, seen as a stack of their own.

    A pack of sweep points (:mod:`engine.train.packed`) trains every point's seeds in one stack; each
    point previews, saves and reports its own part, as a run of its own would its whole stack.
    """

    def __init__(self, whole: ReplicaWeights, offset: int, count: int) -> None:
        self.whole = whole
        self.offset = offset
        self.kind = whole.kind
        self.models = whole.models[offset : offset + count]
        self.diverged_at: list[int | None] = [None] * count
        """The epoch each of this part's replicas stopped being finite (the pack's loop fills it)."""

    @property
    def count(self) -> int:
        """How many replicas the part holds."""
        return len(self.models)

    def copy_to(self, replica: int, model: keras.Model) -> None:
        """Give ``model`` the current weights of the part's ``replica``."""
        self.whole.copy_to(self.offset + replica, model)

    def copy_back(self) -> None:
        """Write the part's replicas' weights into their own Keras models."""
        for replica, model in enumerate(self.models):
            self.copy_to(replica, model)


Replicas = ReplicaWeights | ReplicaPart
"""A run's stack of seeds: its own (:class:`ReplicaWeights`), or its part of a pack's (:class:`ReplicaPart`)."""


def make_cell(kind: str) -> Callable[[list[Tensor], Tensor, tuple[Tensor, ...]], tuple[Tensor, ...]]:
    """Keras's recurrent cell ``kind`` for K replicas: ``(weights, projected_input, state) → state``.

    ``projected_input`` is ``x_t @ kernel`` ([K, B, G]); the state's first element is the output.
    """

    def rnn(w: list[Tensor], projected: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        _, recurrent, bias = w[:3]
        return (ops.tanh(projected + ops.matmul(state[0], recurrent) + bias[:, None, :]),)

    def lstm(w: list[Tensor], projected: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        _, recurrent, bias = w[:3]
        h, c = state
        gates = projected + ops.matmul(h, recurrent) + bias[:, None, :]
        i, f, candidate, o = ops.split(gates, 4, axis=-1)  # Keras's gate order in the fused kernel
        c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(candidate)
        return ops.sigmoid(o) * ops.tanh(c), c

    def gru(w: list[Tensor], projected: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        # Keras's default GRU (reset_after=True): the reset gate scales the recurrent projection.
        _, recurrent, bias = w[:3]
        h = state[0]
        x_z, x_r, x_h = ops.split(projected + bias[:, 0][:, None, :], 3, axis=-1)
        r_z, r_r, r_h = ops.split(ops.matmul(h, recurrent) + bias[:, 1][:, None, :], 3, axis=-1)
        z, r = ops.sigmoid(x_z + r_z), ops.sigmoid(x_r + r_r)
        return (z * h + (1.0 - z) * ops.tanh(x_h + r * r_h),)

    def minimal(w: list[Tensor], projected: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        # minGRU, minLSTM: no recurrent kernel (w[1] is the bias); the gates see only the input.
        a, b = coefficients(kind, projected + w[1][:, None, :])
        return (a * state[0] + b,)

    return {"rnn": rnn, "lstm": lstm, "gru": gru, "mingru": minimal, "minlstm": minimal}[kind]


def make_forward(
    kind: str, units: int, dataset: Dataset, *, scan: bool = True
) -> Callable[[list[Tensor], Tensor, Tensor], tuple[Tensor, ...]]:
    """``(weights, inputs [K, B, T…], targets [K, B…]) → (loss [K], hits [K])`` of the task's model.

    The loss is the one the Keras model is compiled with: the mean squared error over every
    step (series) or the last (adding), or sparse categorical cross-entropy (text). The weights are
    the recurrent layer's (kernel, recurrent kernel, bias; minGRU and minLSTM: kernel, bias), then the
    Dense read-out's. minGRU and minLSTM run every step at once with the parallel scan unless ``scan`` is off.
    """
    cell = make_cell(kind)
    classifier, per_step = bool(dataset.vocab), dataset.per_step
    steps = int(dataset.inputs.shape[1])
    n_states = 2 if kind == "lstm" else 1

    def read_out(w: list[Tensor], h: Tensor) -> Tensor:
        return ops.matmul(h, w[-2]) + w[-1][:, None, :]

    def step_error(w: list[Tensor], h: Tensor, target: Tensor) -> Tensor:
        return ops.mean(ops.square(read_out(w, h) - target), axis=(1, 2))

    def forward(w: list[Tensor], inputs: Tensor, targets: Tensor) -> tuple[Tensor, Tensor]:
        k, b = inputs.shape[0], inputs.shape[1]
        zeros = ops.zeros((k, b, units))

        def step(t: Tensor, carry: tuple[tuple[Tensor, ...], Tensor]) -> tuple[tuple[Tensor, ...], Tensor]:
            state, total = carry
            state = cell(w, project(w, ops.take(inputs, t, axis=2), classifier), state)
            if per_step:
                total = total + step_error(w, state[0], ops.take(targets, t, axis=2))
            return state, total

        hits = ops.zeros((k,))
        if kind in MIN_KINDS and scan:
            states = min_states(kind, w, inputs, classifier)  # [K, B, T, units]
            if per_step:
                answers = ops.reshape(read_out(w, ops.reshape(states, (k, -1, units))), targets.shape)
                return ops.mean(ops.square(answers - targets), axis=(1, 2, 3)), hits
            last = states[:, :, -1, :]
        else:
            state, total = repeat(steps, step, ((zeros,) * n_states, ops.zeros((k,))))
            if per_step:
                return total / float(steps), hits
            last = state[0]
        if not classifier:
            return step_error(w, last, targets), hits
        logits = read_out(w, last)
        losses = ops.sparse_categorical_crossentropy(targets, logits, from_logits=True)
        right = ops.equal(ops.cast(ops.argmax(logits, axis=-1), "int32"), ops.cast(targets, "int32"))
        return ops.mean(losses, axis=1), ops.sum(ops.cast(right, "float32"), axis=1)

    return forward


def project(w: list[Tensor], x: Tensor, classifier: bool) -> Tensor:
    """``x @ kernel`` for K replicas: ``x`` is ``[K, N, F]``, or ``[K, N]`` character indices for a classifier."""
    if classifier:  # one-hot @ kernel is a row lookup
        return ops.take_along_axis(w[0], ops.expand_dims(x, -1), axis=1)
    return ops.matmul(x, w[0])


def min_states(kind: str, w: list[Tensor], inputs: Tensor, classifier: bool) -> Tensor:
    """Every step's hidden state of K minGRU or minLSTM replicas at once: ``[K, B, T, units]``."""
    k, b, steps = inputs.shape[0], inputs.shape[1], inputs.shape[2]
    flat = ops.reshape(inputs, (k, b * steps) if classifier else (k, b * steps, inputs.shape[3]))
    projected = ops.reshape(project(w, flat, classifier), (k, b, steps, -1)) + w[1][:, None, None, :]
    return hidden_states(kind, projected)


def make_replica_epoch(
    weights: ReplicaWeights,
    dataset: Dataset,
    config: Config,
    *,
    scan: bool | None = None,
    rates: Sequence[float] | None = None,
) -> ReplicaEpoch:
    """One compiled call per epoch for all K replicas: mini-batch steps in each replica's order, then the val loss.

    ``rates``: each replica's learning rate (default: ``config.learning_rate`` for all). The rates are an
    argument of the compiled call, not constants in it, so one compiled shape serves every rate.

    minGRU and minLSTM run every step at once with the parallel scan if ``scan``, or one step after another;
    ``None``: the scan where it is faster (:func:`engine.train.minimal.scan_helps`: on a GPU, not on a CPU).
    """
    forward = make_forward(weights.kind, config.units, dataset, scan=scan_helps() if scan is None else scan)
    update = make_update(config)
    data = [ops.convert_to_tensor(a) for a in (*dataset.train, *dataset.val)]
    n_train, batch, n_val = dataset.n_train, config.batch_size, len(dataset.val[1])
    n_full, remainder = divmod(n_train, batch)
    classifier = bool(dataset.vocab)

    def summed(params: list[Tensor], inputs: Tensor, targets: Tensor) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        losses, hits = forward(params, inputs, targets)
        return ops.sum(losses), (losses, hits)

    gradient = value_and_grad(summed)

    def step(
        carry: tuple[Tensor, ...], indices: Tensor, x_train: Tensor, y_train: Tensor, size: int, rates: Tensor
    ) -> tuple[Tensor, ...]:
        params, state, total, right = carry
        (_, (losses, hits)), gradients = gradient(
            params, ops.take(x_train, indices, axis=0), ops.take(y_train, indices, axis=0)
        )
        params, state = update(params, list(gradients), state, rates)
        return params, state, total + losses * float(size), right + hits

    def epoch(
        params: list[Tensor],
        state: list[Tensor],
        orders: Tensor,
        rates: Tensor,
        x_train: Tensor,
        y_train: Tensor,
        x_val: Tensor,
        y_val: Tensor,
    ) -> tuple[Tensor, ...]:
        k = orders.shape[0]
        batches = ops.reshape(orders[:, : n_full * batch], (k, n_full, batch))
        carry = (params, state, ops.zeros((k,)), ops.zeros((k,)))
        carry = repeat(
            n_full, lambda b, c: step(c, ops.take(batches, b, axis=1), x_train, y_train, batch, rates), carry
        )
        if remainder:
            carry = step(carry, orders[:, n_full * batch :], x_train, y_train, remainder, rates)
        params, state, total, right = carry
        tiled = [ops.broadcast_to(a[None], (k, *a.shape)) for a in (x_val, y_val)]
        val_loss, val_right = forward(params, *tiled)
        return params, state, total / n_train, val_loss, right / n_train, val_right / float(n_val)

    state = first_state(config, weights.params)
    rate_tensor = ops.convert_to_tensor(
        np.asarray(rates if rates is not None else [config.learning_rate] * weights.count, "float32")
    )
    orders_shape = ops.zeros((weights.count, n_train), "int32")
    example = (weights.params, state, orders_shape, rate_tensor, *data)  # traced now: see compile_function
    compiled = compile_function(epoch, config.xla, donate=(0, 1), example=example)

    def run(orders: np.ndarray) -> dict[str, np.ndarray]:
        nonlocal state
        weights.params, state, *figures = compiled(
            weights.params, state, ops.convert_to_tensor(orders, "int32"), rate_tensor, *data
        )
        loss, val_loss, accuracy, val_accuracy = (ops.convert_to_numpy(t) for t in figures)
        logs = {"loss": loss, "val_loss": val_loss}
        if classifier:
            logs |= {"accuracy": accuracy, "val_accuracy": val_accuracy}
        return logs

    return run
