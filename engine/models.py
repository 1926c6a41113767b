"""Keras models by name: a recurrent layer returning sequences, then a linear Dense(1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.config import Config

if TYPE_CHECKING:
    import keras

LAYER_NAMES = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
"""Keras layer class for each model kind."""


def build_model(kind: str, config: Config, *, unroll: bool = False) -> keras.Model:
    """Build and compile the seed's model for ``kind`` (weights seeded from ``config.seed``).

    ``unroll`` unrolls the recurrence into ``window`` copies of the cell: the same maths and
    the same weights, but far fewer graph-executor dispatches per step on a CPU.
    """
    import keras

    keras.utils.set_random_seed(config.seed)
    layer_class = getattr(keras.layers, LAYER_NAMES[kind])
    model = keras.Sequential(
        [
            keras.Input(shape=(config.window, 1)),
            layer_class(config.units, return_sequences=True, unroll=unroll),
            keras.layers.Dense(1, activation="linear"),
        ],
        name=kind,
    )
    model.compile(
        loss="mean_squared_error",
        optimizer=keras.optimizers.SGD(learning_rate=config.learning_rate),
    )
    return model


def summary_text(model: keras.Model) -> str:
    """The Keras summary as plain text, captured rather than printed."""
    lines: list[str] = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line), line_length=64)
    return "\n".join(lines)
