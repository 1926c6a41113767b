"""The names a setting may take: models, trainers, devices, backends, tasks and optimizers.

Apart from :mod:`engine.config.config` so that the declarations read as a table, and so that code
that only needs a name list (the charts' colours, the tests) need not load the settings.
"""

from __future__ import annotations

MODEL_KINDS: tuple[str, ...] = ("rnn", "lstm", "gru", "mingru", "minlstm")
"""Recurrent layer kinds the engine can build, by the names users type (``mingru``, ``minlstm``: Feng et al.
2024's minimal GRU and LSTM, whose gates see only the input; :mod:`engine.train.minimal`)."""
LAYER_NAMES: dict[str, str] = {
    "rnn": "SimpleRNN",
    "lstm": "LSTM",
    "gru": "GRU",
    "mingru": "minGRU",
    "minlstm": "minLSTM",
}
"""Each kind's layer as verdicts and tables name it (Keras's own class for the first three)."""
MIN_KINDS: tuple[str, ...] = ("mingru", "minlstm")
"""The kinds whose recurrence is linear (gates blind to the state): all steps at once by a parallel scan."""

MAX_SEEDS = 64
"""Most seeds per model in one run."""
TRAINERS: tuple[str, ...] = ("fast", "keras", "fit")
"""``fast`` is the engine's graph-mode loop; ``fit`` is plain ``model.fit`` (the reference)."""

DEVICES: tuple[str, ...] = ("auto", "cpu", "gpu")
BACKENDS: tuple[str, ...] = ("tensorflow", "jax")
"""Keras 3's backends the engine runs on; TensorFlow is the default, JAX an optional extra."""

TASKS: tuple[str, ...] = ("damped", "sine", "csv", "adding", "text")
"""What the models learn; see :mod:`engine.config.tasks`."""
SERIES: tuple[str, ...] = ("damped", "sine", "csv")
"""Tasks that predict the next value of a series from a window of it (and forecast it in a closed loop)."""
FORMULA: tuple[str, ...] = ("damped", "sine")
WINDOWED: tuple[str, ...] = (*SERIES, "text")
"""Tasks whose inputs are windows cut from one long sequence."""
OPTIMIZERS: tuple[str, ...] = ("sgd", "adam")
