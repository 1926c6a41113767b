"""Many seeds of one model in one compiled call: the replicas' weights on a leading axis.

Training N seeds as N runs would pay N compiles and N dispatches per batch. Here every weight
of the model gets a leading replica axis, the recurrent cell is written out once with batched
matrix products (``[K, B, F] @ [K, F, G]``), and one XLA-compiled call runs a whole epoch of
every replica. The compiled function does not depend on K's value beyond shapes, so compile
time stays that of one model. The maths is Keras's own — the same cells, the same mean loss,
the same SGD or Adam (with per-variable norm clipping) — and each replica starts from the
weights and shuffles of a single run with its seed, so replica k matches ``--seed seed+k``
trained alone on the same data (``tests/test_seeds.py``). The data is made once, from ``--seed``.

Replicas are independent: the loss that is differentiated is the sum of the replicas'
losses, whose gradient with respect to one replica's weights is that replica's own. A replica
that diverges keeps running on NaNs without touching the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from engine.config import Config
from engine.data import Dataset

ReplicaEpoch = Callable[[np.ndarray], dict[str, np.ndarray]]
"""One epoch of every replica, each over its own order of the training windows (``[K, n_train]``)
→ per-replica logs as arrays of K values: ``loss``, ``val_loss`` (and accuracies for a classifier)."""


class ReplicaWeights:
    """The trainable weights of K same-shaped Keras models, stacked on a leading axis."""

    def __init__(self, models: Sequence[keras.Model]) -> None:
        self.kind = models[0].name
        self.models = list(models)
        self.variables = [
            tf.Variable(np.stack([np.asarray(m.trainable_variables[i].value) for m in models]), name=f"stack{i}")
            for i in range(len(models[0].trainable_variables))
        ]
        self.diverged_at: list[int | None] = [None] * len(models)
        """The epoch each replica's loss stopped being finite; ``None`` while it trains."""

    @property
    def count(self) -> int:
        """K, the number of replicas."""
        return len(self.models)

    def copy_to(self, replica: int, model: keras.Model) -> None:
        """Give ``model`` (same architecture) the current weights of ``replica``."""
        for target, stacked in zip(model.trainable_variables, self.variables, strict=True):
            target.assign(stacked[replica])

    def copy_back(self) -> None:
        """Write every replica's weights into its own Keras model (before saving or previewing)."""
        for replica, model in enumerate(self.models):
            self.copy_to(replica, model)


def _split(values: tf.Tensor, parts: int) -> list[tf.Tensor]:
    return tf.split(values, parts, axis=-1)


def make_cell(kind: str) -> Callable[[list[tf.Tensor], tf.Tensor, tuple[tf.Tensor, ...]], tuple[tf.Tensor, ...]]:
    """Keras's recurrent cell ``kind`` for K replicas: ``(weights, projected_input, state) → state``.

    ``projected_input`` is ``x_t @ kernel`` ([K, B, G]); the state's first element is the output.
    """

    def rnn(w: list[tf.Tensor], projected: tf.Tensor, state: tuple[tf.Tensor, ...]) -> tuple[tf.Tensor, ...]:
        _, recurrent, bias = w[:3]
        return (tf.tanh(projected + tf.linalg.matmul(state[0], recurrent) + bias[:, None, :]),)

    def lstm(w: list[tf.Tensor], projected: tf.Tensor, state: tuple[tf.Tensor, ...]) -> tuple[tf.Tensor, ...]:
        _, recurrent, bias = w[:3]
        h, c = state
        gates = projected + tf.linalg.matmul(h, recurrent) + bias[:, None, :]
        i, f, candidate, o = _split(gates, 4)  # Keras's gate order in the fused kernel
        c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(candidate)
        return tf.sigmoid(o) * tf.tanh(c), c

    def gru(w: list[tf.Tensor], projected: tf.Tensor, state: tuple[tf.Tensor, ...]) -> tuple[tf.Tensor, ...]:
        # Keras's default GRU (reset_after=True): the reset gate scales the recurrent projection.
        _, recurrent, bias = w[:3]
        h = state[0]
        x_z, x_r, x_h = _split(projected + bias[:, 0][:, None, :], 3)
        r_z, r_r, r_h = _split(tf.linalg.matmul(h, recurrent) + bias[:, 1][:, None, :], 3)
        z, r = tf.sigmoid(x_z + r_z), tf.sigmoid(x_r + r_r)
        return (z * h + (1.0 - z) * tf.tanh(x_h + r * r_h),)

    return {"rnn": rnn, "lstm": lstm, "gru": gru}[kind]


def make_forward(kind: str, units: int, dataset: Dataset) -> Callable[[list[tf.Tensor], tf.Tensor, tf.Tensor], tuple]:
    """``(weights, inputs [K, B, T…], targets [K, B…]) → (loss [K], hits [K])`` of the task's model.

    The loss is the one the Keras model is compiled with: the mean squared error over every
    step (series) or the last (adding), or sparse categorical cross-entropy (text).
    """
    cell = make_cell(kind)
    classifier, per_step = bool(dataset.vocab), dataset.per_step
    steps = int(dataset.inputs.shape[1])
    n_states = 2 if kind == "lstm" else 1

    def project(w: list[tf.Tensor], x_t: tf.Tensor) -> tf.Tensor:
        if classifier:  # one-hot @ kernel is a row lookup
            return tf.gather(w[0], x_t, batch_dims=1)
        return tf.linalg.matmul(x_t, w[0])

    def read_out(w: list[tf.Tensor], h: tf.Tensor) -> tf.Tensor:
        return tf.linalg.matmul(h, w[3]) + w[4][:, None, :]

    def step_error(w: list[tf.Tensor], h: tf.Tensor, target: tf.Tensor) -> tf.Tensor:
        return tf.reduce_mean(tf.square(read_out(w, h) - target), axis=[1, 2])

    def forward(w: list[tf.Tensor], inputs: tf.Tensor, targets: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        shape = tf.shape(inputs)
        zeros = tf.zeros([shape[0], shape[1], units])
        state = (zeros,) * n_states
        total = tf.zeros([shape[0]])
        # A graph loop over the steps, not unrolled: XLA compiles it in about a second, where
        # an unrolled copy per step took twenty, and it runs as fast.
        for t in tf.range(steps):
            state = cell(w, project(w, tf.gather(inputs, t, axis=2)), state)
            if per_step:
                total += step_error(w, state[0], tf.gather(targets, t, axis=2))
        hits = tf.zeros([shape[0]])
        if per_step:
            return total / float(steps), hits
        if not classifier:
            return step_error(w, state[0], targets), hits
        logits = read_out(w, state[0])
        losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
        right = tf.equal(tf.argmax(logits, axis=-1, output_type=tf.int32), targets)
        return tf.reduce_mean(losses, axis=1), tf.reduce_sum(tf.cast(right, tf.float32), axis=1)

    return forward


def make_update(config: Config, variables: list[tf.Variable]) -> Callable[[list[tf.Tensor]], None]:
    """The optimizer step Keras would take, applied to each replica on its own.

    SGD: ``w -= lr·g``. Adam (``clipnorm=1``): each gradient clipped by its own norm, per
    replica, then Keras's Adam update (epsilon 1e-7).
    """
    lr = config.learning_rate
    if config.optimizer != "adam":

        def sgd(gradients: list[tf.Tensor]) -> None:
            for variable, gradient in zip(variables, gradients, strict=True):
                variable.assign_sub(lr * gradient)

        return sgd

    beta_1, beta_2, epsilon, clipnorm = 0.9, 0.999, 1e-7, 1.0
    moments = [tf.Variable(tf.zeros_like(v)) for v in variables]
    velocities = [tf.Variable(tf.zeros_like(v)) for v in variables]
    iterations = tf.Variable(0.0)

    def clip(gradient: tf.Tensor) -> tf.Tensor:
        axes = list(range(1, len(gradient.shape)))
        squares = tf.reduce_sum(tf.square(gradient), axis=axes, keepdims=True)
        norm = tf.where(squares > 0, tf.sqrt(tf.where(squares > 0, squares, 1.0)), squares)
        return gradient * clipnorm / tf.maximum(norm, clipnorm)

    def adam(gradients: list[tf.Tensor]) -> None:
        iterations.assign_add(1.0)
        alpha = lr * tf.sqrt(1.0 - beta_2**iterations) / (1.0 - beta_1**iterations)
        for variable, m, v, gradient in zip(variables, moments, velocities, gradients, strict=True):
            gradient = clip(gradient)
            m.assign_add((gradient - m) * (1.0 - beta_1))
            v.assign_add((tf.square(gradient) - v) * (1.0 - beta_2))
            variable.assign_sub(m * alpha / (tf.sqrt(v) + epsilon))

    return adam


def make_replica_epoch(weights: ReplicaWeights, dataset: Dataset, config: Config) -> ReplicaEpoch:
    """One XLA call per epoch for all K replicas: mini-batch steps in each replica's order, then the val loss."""
    variables = weights.variables
    forward = make_forward(weights.kind, config.units, dataset)
    update = make_update(config, variables)
    x_train, y_train = (tf.constant(a) for a in dataset.train)
    x_val, y_val = (tf.constant(a) for a in dataset.val)
    n_train, batch, n_val = dataset.n_train, config.batch_size, len(dataset.val[1])
    n_full, remainder = divmod(n_train, batch)
    classifier = bool(dataset.vocab)

    def step(indices: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        inputs, targets = tf.gather(x_train, indices), tf.gather(y_train, indices)
        with tf.GradientTape() as tape:
            losses, hits = forward([v.read_value() for v in variables], inputs, targets)
            total = tf.reduce_sum(losses)
        update([tf.convert_to_tensor(g) for g in tape.gradient(total, variables)])
        return losses, hits

    @tf.function(jit_compile=config.xla)
    def epoch(orders: tf.Tensor, x_val: tf.Tensor, y_val: tf.Tensor) -> tuple[tf.Tensor, ...]:
        k = tf.shape(orders)[0]
        total, right = tf.zeros([k]), tf.zeros([k])
        batches = tf.reshape(orders[:, : n_full * batch], (k, n_full, batch))
        for b in tf.range(n_full):
            losses, hits = step(batches[:, b])
            total, right = total + losses * float(batch), right + hits
        if remainder:
            losses, hits = step(orders[:, n_full * batch :])
            total, right = total + losses * float(remainder), right + hits
        tiled = (tf.tile(x_val[None], [k] + [1] * len(x_val.shape)), tf.tile(y_val[None], [k] + [1] * len(y_val.shape)))
        val_loss, val_right = forward([v.read_value() for v in variables], *tiled)
        return total / n_train, val_loss, right / n_train, val_right / float(n_val)

    def run(orders: np.ndarray) -> dict[str, np.ndarray]:
        loss, val_loss, accuracy, val_accuracy = (
            t.numpy() for t in epoch(tf.constant(orders, dtype=tf.int32), x_val, y_val)
        )
        logs = {"loss": loss, "val_loss": val_loss}
        if classifier:
            logs |= {"accuracy": accuracy, "val_accuracy": val_accuracy}
        return logs

    return run
