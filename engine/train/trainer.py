"""Training: the fast graph-mode trainer, ``model.fit`` as reference, and both models at once.

Where the time goes (``shared/DESIGN.md`` §2): the maths of an epoch is tiny, nearly all of
``fit``'s 230 ms/epoch is per-batch dispatch. The fast trainer runs one whole epoch (every
batch, then the validation loss) as a single XLA-compiled call, and trains the models in
parallel threads (TensorFlow releases the GIL inside a call). Keras callbacks still run once
per epoch, so a stop request or ``EarlyStopping`` takes effect after the current epoch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import keras
import numpy as np

from engine.config.config import Config
from engine.data.datasets import Dataset
from engine.report.events import Status
from engine.report.stop import StopSignal
from engine.train import runtime
from engine.train.callbacks import TrainingGuard

T = TypeVar("T")

EpochFunction = Callable[[np.ndarray], dict[str, float]]
"""One epoch over the training windows in the given order → the logs ``fit`` would report."""


VAL_CHUNK = 256
"""Windows per validation call for the text task (256 × 20 steps × 3,000 characters of one-hot is 60 MB)."""


@dataclass
class Outcome:
    """How one model's training ended."""

    model: str
    status: Status
    epochs_done: int
    seconds: float
    diverged_at: tuple[int | None, ...] = ()
    """With several seeds: the epoch each seed diverged at, ``None`` for the seeds that did not."""


def make_epoch_function(model: keras.Model, dataset: Dataset, config: Config) -> EpochFunction:
    """One call = one epoch: SGD over the training windows in ``order``, then the val loss.

    Returns the logs ``fit`` would: the batch-size-weighted mean training ``loss`` and the
    ``val_loss``, both the loss the model was compiled with (MSE for the series, cross-entropy
    for the text task), and for a classifier ``accuracy`` and ``val_accuracy``. Full batches run in a
    ``tf.range`` loop so the graph is traced once, the short last batch (162 = 16 × 10 + 2)
    separately.
    """
    import tensorflow as tf  # this trainer drives TensorFlow itself (refused with --backend jax)

    x_train, y_train = (tf.constant(a) for a in dataset.train)
    x_val, y_val = (tf.constant(a) for a in dataset.val)
    n_train, batch = dataset.n_train, config.batch_size
    n_full, remainder = divmod(n_train, batch)
    variables = model.trainable_variables
    model.optimizer.build(variables)
    # Once eagerly, so Keras builds its compiled-loss object outside the traced function.
    model.compute_loss(y=y_val[:1], y_pred=model(x_val[:1], training=False), training=False)

    classifier = bool(dataset.vocab)

    def hits(targets: tf.Tensor, predicted: tf.Tensor) -> tf.Tensor:
        """How many of the predicted characters are right (0 for a regression)."""
        if not classifier:
            return tf.constant(0.0)
        right = tf.equal(tf.argmax(predicted, axis=-1, output_type=tf.int32), tf.cast(targets, tf.int32))
        return tf.reduce_sum(tf.cast(right, tf.float32))

    def sgd_step(indices: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        inputs, targets = tf.gather(x_train, indices), tf.gather(y_train, indices)
        with tf.GradientTape() as tape:
            predicted = model(inputs, training=True)
            loss = model.compute_loss(y=targets, y_pred=predicted, training=True)
        model.optimizer.apply(tape.gradient(loss, variables), variables)
        return loss, hits(targets, predicted)

    n_val = len(dataset.val[1])
    chunk = VAL_CHUNK if classifier else n_val

    def validate(x_val: tf.Tensor, y_val: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """The val loss and hits, in chunks for a classifier: its one-hot inputs would not fit at once."""
        n_chunks, rest = divmod(n_val, chunk)
        total, right = tf.constant(0.0), tf.constant(0.0)
        for c in tf.range(n_chunks):
            start = c * chunk
            inputs, targets = x_val[start : start + chunk], y_val[start : start + chunk]
            predicted = model(inputs, training=False)
            total += model.compute_loss(y=targets, y_pred=predicted, training=False) * float(chunk)
            right += hits(targets, predicted)
        if rest:
            predicted = model(x_val[n_chunks * chunk :], training=False)
            total += model.compute_loss(y=y_val[n_chunks * chunk :], y_pred=predicted, training=False) * float(rest)
            right += hits(y_val[n_chunks * chunk :], predicted)
        return total / float(n_val), right

    @tf.function(jit_compile=config.xla)
    def epoch(
        order: tf.Tensor, x_val: tf.Tensor, y_val: tf.Tensor
    ) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
        # The validation data comes in as arguments: captured, it would be a constant, and the
        # graph optimiser would fold one_hot(x_val) into a constant of n_val × window × n_chars floats.
        batches = tf.reshape(order[: n_full * batch], (n_full, batch))
        total, right = tf.constant(0.0), tf.constant(0.0)
        for b in tf.range(n_full):
            loss, hit = sgd_step(batches[b])
            total, right = total + loss * float(batch), right + hit
        if remainder:
            loss, hit = sgd_step(order[n_full * batch :])
            total, right = total + loss * float(remainder), right + hit
        val_loss, val_right = validate(x_val, y_val)
        return total / n_train, val_loss, right / n_train, val_right / float(n_val)

    def run(order: np.ndarray) -> dict[str, float]:
        loss, val_loss, accuracy, val_accuracy = epoch(tf.constant(order, dtype=tf.int32), x_val, y_val)
        logs = {"loss": float(loss), "val_loss": float(val_loss)}
        if classifier:
            logs |= {"accuracy": float(accuracy), "val_accuracy": float(val_accuracy)}
        return logs

    return run


def train_fast(
    name: str,
    model: keras.Model,
    dataset: Dataset,
    config: Config,
    callbacks: list[keras.callbacks.Callback],
    stop: StopSignal,
) -> Outcome:
    """Train ``model`` for ``config.epochs`` with the compiled epoch function (``--trainer keras``)."""
    epoch_function = make_epoch_function(model, dataset, config)
    # Each model gets its own stream of permutations, so results don't depend on thread timing.
    rng = np.random.default_rng(config.seed)

    def one_epoch(epoch: int) -> dict[str, object]:
        order = rng.permutation(dataset.n_train) if config.shuffle else np.arange(dataset.n_train)
        return dict(epoch_function(order))

    return run_epochs(name, model, config, callbacks, stop, one_epoch)


class EpochLoop:
    """One model's side of the epoch loop the compiled trainers share: its callbacks, begun, fed, ended.

    Keras callbacks run once per epoch, as under ``fit``: a stop request or ``EarlyStopping``
    takes effect after the current epoch; ``model`` is the one they see. A pack of sweep points
    (:mod:`engine.train.packed`) keeps one loop per point around one compiled call.
    """

    def __init__(
        self, name: str, model: keras.Model, config: Config, callbacks: list[keras.callbacks.Callback], stop: StopSignal
    ) -> None:
        self.name = name
        self.model = model
        self.guard = TrainingGuard(stop)
        self.callbacks = keras.callbacks.CallbackList([*callbacks, self.guard], model=model, epochs=config.epochs)
        self.started = time.perf_counter()
        model.stop_training = False
        self.callbacks.on_train_begin()

    @property
    def going(self) -> bool:
        """Whether a callback (the guard: a stop, a divergence) has not yet ended this model's training."""
        return not self.model.stop_training

    def stopped_before(self, epoch: int) -> None:
        """A stop was asked before ``epoch`` began: the guard records why (also before epoch 1 ended)."""
        self.guard.on_epoch_end(epoch - 1, {})

    def begin(self, epoch: int) -> None:
        """``epoch`` (0-based) is about to run."""
        self.callbacks.on_epoch_begin(epoch)

    def end(self, epoch: int, logs: dict[str, object]) -> None:
        """``epoch`` ran and gave ``logs``."""
        self.callbacks.on_epoch_end(epoch, logs)

    def finish(self) -> Outcome:
        """Training is over: the callbacks hear it, and how it ended is returned."""
        self.callbacks.on_train_end()
        status = self.guard.status or Status.FINISHED
        return Outcome(self.name, status, self.guard.last_epoch, time.perf_counter() - self.started)


def run_epochs(
    name: str,
    model: keras.Model,
    config: Config,
    callbacks: list[keras.callbacks.Callback],
    stop: StopSignal,
    one_epoch: Callable[[int], dict[str, object]],
) -> Outcome:
    """The loop every compiled trainer shares: ``one_epoch(epoch)`` → its logs, handed to the callbacks."""
    loop = EpochLoop(name, model, config, callbacks, stop)
    for epoch in range(config.epochs):
        if stop.is_set():
            loop.stopped_before(epoch)
            break
        loop.begin(epoch)
        loop.end(epoch, one_epoch(epoch))
        if epoch == 0:  # compiled, and the first preview with it: what is alive now lives as long as the run
            runtime.spare_startup_objects()
        if not loop.going:
            break
    return loop.finish()


def train_fit(
    name: str,
    model: keras.Model,
    dataset: Dataset,
    config: Config,
    callbacks: list[keras.callbacks.Callback],
    stop: StopSignal,
) -> Outcome:
    """Train with plain ``model.fit`` — the seed's way, kept as the reference trainer."""
    guard = TrainingGuard(stop)
    started = time.perf_counter()
    model.fit(
        *dataset.train,
        validation_data=dataset.val,
        batch_size=config.batch_size,
        epochs=config.epochs,
        shuffle=config.shuffle,
        callbacks=[*callbacks, guard],
        verbose=0,
    )
    return Outcome(name, guard.status or Status.FINISHED, guard.last_epoch, time.perf_counter() - started)


def train_all(names: Iterable[str], work: Callable[[str], T], stop: StopSignal) -> dict[str, T]:
    """``work(name)`` for every model, each in its own thread (TensorFlow and JAX release the GIL inside a
    compiled call); re-raise the first error any of them hit, after asking the others to stop."""
    results: dict[str, T] = {}
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            results[name] = work(name)
        except BaseException as error:
            errors.append(error)
            stop.request()  # don't leave the other model running on its own

    threads = [threading.Thread(target=run, args=(name,), name=f"train-{name}") for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
