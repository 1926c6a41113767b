"""Keras models by name: a recurrent layer, then a linear Dense(1) — at every step (series) or at the last."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.config.choices import LAYER_NAMES, MIN_KINDS
from engine.config.config import Config
from engine.data.datasets import Dataset

if TYPE_CHECKING:
    import keras

"""Keras layer class for each model kind."""


def build_model(
    kind: str,
    config: Config,
    *,
    unroll: bool = False,
    steps: int | None = None,
    features: int = 1,
    per_step: bool = True,
    keep: bool = True,
) -> keras.Model:
    """Build and compile the model for ``kind`` (weights seeded from ``config.seed``).

    ``keep`` off: the weights are drawn as plain Keras draws them, never taken from those kept on disk
    (:mod:`engine.train.initial`), as the benchmark's notebook and peer must be; ``--trainer fit`` always draws.

    The seed's model by default: inputs of ``window`` steps of one value, an answer at every
    step (``per_step``). The adding task passes its ``steps`` and ``features`` and wants one
    answer per sequence. ``unroll`` unrolls the recurrence into copies of the cell: the same
    maths and weights, but far fewer graph-executor dispatches per step on a CPU.
    """
    import keras

    from engine.train import initial

    def layers() -> list[keras.layers.Layer]:
        recurrent = recurrent_layer(kind)(config.units, return_sequences=per_step, unroll=unroll)
        return [recurrent, keras.layers.Dense(1, activation="linear")]

    def assemble(made: list[keras.layers.Layer]) -> keras.Model:
        model = keras.Sequential([keras.Input(shape=(steps or config.window, features)), *made], name=kind)
        model.compile(loss="mean_squared_error", optimizer=make_optimizer(config))
        return model

    shape = {"steps": steps or config.window, "features": features, "per_step": per_step}
    arguments = {"model": "series", "kind": kind, "units": config.units, "unroll": unroll, "seed": config.seed, **shape}
    return initial.build(arguments, layers, assemble, keep=keep and config.trainer != "fit")


def build_for(kind: str, config: Config, dataset: Dataset, *, unroll: bool = False) -> keras.Model:
    """The model for ``kind`` shaped for ``dataset``: its steps, features and one answer per step or per sequence."""
    if dataset.vocab:
        return build_classifier(kind, config, len(dataset.vocab), unroll=unroll)
    steps, features = dataset.inputs.shape[1], dataset.features
    return build_model(kind, config, unroll=unroll, steps=steps, features=features, per_step=dataset.per_step)


def build_classifier(kind: str, config: Config, n_chars: int, *, unroll: bool = False) -> keras.Model:
    """The seed's text model: one-hot windows of ``window`` characters → the recurrent layer (last step)
    → ``Dense(n_chars, softmax)``. The one-hot encoding happens inside the model, per batch; the
    targets are character indices, so the loss is the sparse form of categorical cross-entropy
    (the same number as categorical cross-entropy on the seed's one-hot ``t``)."""
    import keras

    from engine.train import initial

    def layers() -> list[keras.layers.Layer]:
        encode = keras.layers.CategoryEncoding(num_tokens=n_chars, output_mode="one_hot")
        recurrent = recurrent_layer(kind)(config.units, unroll=unroll)
        return [encode, recurrent, keras.layers.Dense(n_chars, activation="softmax")]

    def assemble(made: list[keras.layers.Layer]) -> keras.Model:
        model = keras.Sequential([keras.Input(shape=(config.window,), dtype="int32"), *made], name=kind)
        model.compile(loss="sparse_categorical_crossentropy", optimizer=make_optimizer(config), metrics=["accuracy"])
        return model

    arguments = {"model": "text", "kind": kind, "units": config.units, "window": config.window, "chars": n_chars}
    arguments |= {"unroll": unroll, "seed": config.seed}
    return initial.build(arguments, layers, assemble, keep=config.trainer != "fit")


def recurrent_layer(kind: str) -> type[keras.layers.Layer]:
    """The layer class of ``kind``: Keras's own, or the engine's minGRU and minLSTM."""
    import keras

    if kind in MIN_KINDS:
        from engine.train.minimal import MIN_LAYERS

        return MIN_LAYERS[kind]
    layer: type[keras.layers.Layer] = getattr(keras.layers, LAYER_NAMES[kind])
    return layer


def make_optimizer(config: Config) -> keras.optimizers.Optimizer:
    """The seed's plain SGD, or Adam with gradients clipped to norm 1 (long sequences need both)."""
    import keras

    if config.optimizer == "adam":
        return keras.optimizers.Adam(learning_rate=config.learning_rate, clipnorm=1.0)
    return keras.optimizers.SGD(learning_rate=config.learning_rate)


def summary_text(model: keras.Model) -> str:
    """The Keras summary as plain text, captured rather than printed."""
    lines: list[str] = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line), line_length=64)
    return "\n".join(lines)
