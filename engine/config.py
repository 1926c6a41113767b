"""The experiment's settings: one frozen dataclass with the seed notebook's defaults.

Nothing here imports TensorFlow, so the command line and the TUI's settings form can
validate input before the slow import happens.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from engine.settings import ConfigError, Setting, declared, setting

__all__ = ["DEFAULT", "DEVICES", "MODEL_KINDS", "SETTING", "SETTINGS", "TRAINERS", "Config", "ConfigError"]

MODEL_KINDS: tuple[str, ...] = ("rnn", "lstm", "gru")
"""Recurrent layer kinds the engine can build, by the names users type."""

TRAINERS: tuple[str, ...] = ("fast", "fit")
"""``fast`` is the engine's graph-mode loop; ``fit`` is plain ``model.fit`` (the reference)."""

DEVICES: tuple[str, ...] = ("auto", "cpu", "gpu")


@dataclass(frozen=True)
class Config:
    """Everything that defines one run. Defaults reproduce the seed notebook.

    Each field is declared once with :func:`~engine.settings.setting`; validation, the command
    line, the settings form and the README's options table are all made from these declarations.
    Fields are validated in this order, so a dependent bound sees the fields it depends on.
    """

    epochs: int = setting(
        1000, kind="int", label="epochs", help="training epochs", flag="--epochs", low=1, high=1_000_000, form=True
    )
    window: int = setting(
        20,
        kind="int",
        label="window",
        help="time steps per training window (the seed's NUM_RNN)",
        flag="--window",
        low=1,
        high_of=lambda c: c.points - 2,
        high_text="points - 2 = {} (at least 2 windows)",
        form=True,
    )
    batch_size: int = setting(
        10,
        kind="int",
        label="batch size",
        help="windows per SGD step",
        flag="--batch-size",
        low=1,
        high_of=lambda c: c.n_train,
        high_text="the number of training windows ({})",
        form=True,
    )
    learning_rate: float = setting(
        0.01,
        kind="float",
        label="learning rate",
        help="SGD learning rate",
        flag="--lr",
        low=0,
        low_open=True,
        metavar="X",
        form=True,
    )
    units: int = setting(
        40, kind="int", label="units", help="recurrent units per layer", flag="--units", low=1, high=4096, form=True
    )
    tau: float = setting(
        5.0,
        kind="float",
        label="τ (decay)",
        help="decay constant of y = exp(-x/τ)·cos(x)",
        flag="--tau",
        low=0,
        low_open=True,
        metavar="X",
        form=True,
    )
    points: int = setting(
        200,
        kind="int",
        label="points",
        help="samples of the series on [0, x_max]",
        flag="--points",
        low=3,
        high=1_000_000,
    )
    x_max: float = setting(
        5 * math.pi, kind="float", label="x max", help="end of the series' x range (5π)", low=0, low_open=True
    )
    validation_split: float = setting(
        0.1,
        kind="float",
        label="validation split",
        help="fraction of windows held out: the last ones, as Keras does",
        flag="--validation-split",
        low=0,
        low_open=True,
        high=0.5,
        metavar="X",
    )
    models: tuple[str, ...] = setting(
        ("rnn", "lstm"),
        kind="list",
        label="models",
        help="recurrent models to train side by side",
        flag="--models",
        choices=MODEL_KINDS,
        metavar="LIST",
        form=True,
    )
    seed: int = setting(
        0,
        kind="int",
        label="seed",
        help="random seed for weights and shuffling",
        flag="--seed",
        low=0,
        high=2**31 - 1,
        form=True,
    )
    forecast_every: int = setting(
        50,
        kind="int",
        label="forecast every",
        help="epochs between live forecast previews, 0 = off",
        flag="--forecast-every",
        low=0,
        high=1_000_000,
    )
    trainer: str = setting(
        "fast",
        kind="choice",
        label="trainer",
        help="fast: the compiled loop; fit: plain model.fit, the reference",
        flag="--trainer",
        choices=TRAINERS,
        metavar="NAME",
    )
    device: str = setting(
        "auto",
        kind="choice",
        label="device",
        help="auto: GPU if TensorFlow sees one; gpu is an error where there is none",
        flag="--device",
        choices=DEVICES,
        metavar="NAME",
    )
    shuffle: bool = setting(
        True, kind="bool", label="shuffle", help="shuffle the training windows every epoch, as fit(shuffle=True) does"
    )
    xla: bool = setting(
        True,
        kind="bool",
        label="XLA",
        help="plain graph mode instead of XLA: less peak memory, slower training",
        flag="--no-xla",
        negate=True,
    )

    # Derived sizes, here so validation and data share one definition.
    @property
    def n_windows(self) -> int:
        """Number of (input, target) windows the series yields."""
        return self.points - self.window

    @property
    def n_train(self) -> int:
        """Windows trained on: the first ``floor(n · (1 − split))``, exactly as Keras's ``validation_split``."""
        return math.floor(self.n_windows * (1.0 - self.validation_split))

    @property
    def n_val(self) -> int:
        """Windows Keras's ``validation_split`` holds out (the last ones)."""
        return self.n_windows - self.n_train

    def replace(self, **changes: Any) -> Config:
        """A validated copy with ``changes`` applied."""
        updated = dataclasses.replace(self, **changes)
        updated.validate()
        return updated

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON-ready values (``config.json``)."""
        data = dataclasses.asdict(self)
        data["models"] = list(self.models)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Config:
        """A validated config from ``to_dict``'s form; unknown keys are ignored."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "models" in values:
            values["models"] = tuple(values["models"])
        config = cls(**values)
        config.validate()
        return config

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first setting that is out of range.

        Fixed bounds first, then bounds that depend on other settings, so that a bad
        ``points`` is reported as such rather than as a bad ``window``.
        """
        ordered = sorted(SETTINGS, key=lambda s: s.high_of is not None)
        for spec in ordered:
            spec.check(getattr(self, spec.name), self)


SETTINGS: tuple[Setting, ...] = tuple(spec for spec, _ in declared(Config))
"""Every setting, in declaration order."""
SETTING: dict[str, Setting] = {spec.name: spec for spec in SETTINGS}
"""The settings by ``Config`` field name."""
DEFAULT = Config()
"""The seed notebook's experiment."""
