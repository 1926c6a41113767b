"""The experiment's settings: one frozen dataclass with the seed notebook's defaults.

Nothing here imports TensorFlow, so the command line and the TUI's settings form can
validate input before the slow import happens.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

MODEL_KINDS: tuple[str, ...] = ("rnn", "lstm", "gru")
"""Recurrent layer kinds the engine can build, by the names users type."""

TRAINERS: tuple[str, ...] = ("fast", "fit")
"""``fast`` is the engine's graph-mode loop; ``fit`` is plain ``model.fit`` (the reference)."""

DEVICES: tuple[str, ...] = ("auto", "cpu", "gpu")


class ConfigError(ValueError):
    """A setting outside what the engine accepts; names the field, the value and what is allowed."""

    def __init__(self, field_name: str, value: object, allowed: str) -> None:
        self.field_name = field_name
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field_name} = {value!r} is not allowed: {allowed}")


@dataclass(frozen=True)
class Config:
    """Everything that defines one run. Defaults reproduce the seed notebook."""

    points: int = 200
    """Samples of the damped oscillation on [0, x_max]."""
    x_max: float = 5 * math.pi
    tau: float = 5.0
    """Decay constant in y = exp(-x/tau) * cos(x)."""
    window: int = 20
    """Time steps per training window (the seed's NUM_RNN)."""
    units: int = 40
    batch_size: int = 10
    epochs: int = 1000
    validation_split: float = 0.1
    learning_rate: float = 0.01
    models: tuple[str, ...] = ("rnn", "lstm")
    seed: int = 0
    trainer: str = "fast"
    device: str = "auto"
    shuffle: bool = True
    """Shuffle the training windows every epoch, as ``fit(shuffle=True)`` does."""
    forecast_every: int = 50
    """Epochs between live forecast previews (0 turns previews off)."""
    xla: bool = True
    """Compile the fast trainer's epoch and the forecast with XLA: ~3× faster on a CPU, but the
    compiler raises peak memory by ~400 MB. Off: plain graph mode (``--no-xla``)."""

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
        data = dataclasses.asdict(self)
        data["models"] = list(self.models)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Config:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "models" in values:
            values["models"] = tuple(values["models"])
        config = cls(**values)
        config.validate()
        return config

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first setting that is out of range."""
        _check_int("points", self.points, 3, 1_000_000)
        _check_float("x_max", self.x_max, positive=True)
        _check_float("tau", self.tau, positive=True)
        _check_int(
            "window",
            self.window,
            1,
            self.points - 2,
            f"an integer from 1 to points - 2 = {self.points - 2} (at least 2 windows)",
        )
        _check_int("units", self.units, 1, 4096)
        _check_int("epochs", self.epochs, 1, 1_000_000)
        split = self.validation_split
        if isinstance(split, bool) or not isinstance(split, (int, float)) or not 0 < split <= 0.5:
            raise ConfigError("validation_split", split, "a number in (0, 0.5]")
        # With at least 2 windows and a split in (0, 0.5], Keras's split leaves >= 1 window on each side.
        _check_int(
            "batch_size",
            self.batch_size,
            1,
            self.n_train,
            f"an integer from 1 to the number of training windows ({self.n_train})",
        )
        _check_float("learning_rate", self.learning_rate, positive=True)
        _check_int("seed", self.seed, 0, 2**31 - 1)
        _check_int("forecast_every", self.forecast_every, 0, 1_000_000)
        _check_models(self.models)
        for flag in ("shuffle", "xla"):
            if not isinstance(getattr(self, flag), bool):
                raise ConfigError(flag, getattr(self, flag), "true or false")
        if self.trainer not in TRAINERS:
            raise ConfigError("trainer", self.trainer, f"one of {', '.join(TRAINERS)}")
        if self.device not in DEVICES:
            raise ConfigError("device", self.device, f"one of {', '.join(DEVICES)}")


def _check_int(name: str, value: object, low: int, high: int, allowed: str = "") -> None:
    allowed = allowed or f"an integer from {low} to {high}"
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(name, value, allowed)


def _check_float(name: str, value: object, *, positive: bool) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or (positive and value <= 0):  # type: ignore[operator]
        raise ConfigError(name, value, "a finite number greater than 0" if positive else "a finite number")


def _check_models(models: object) -> None:
    allowed = f"a non-empty list of distinct names from {', '.join(MODEL_KINDS)}"
    if not isinstance(models, tuple) or not models:
        raise ConfigError("models", models, allowed)
    unknown = [m for m in models if m not in MODEL_KINDS]
    if unknown or len(set(models)) != len(models):
        raise ConfigError("models", ",".join(map(str, models)), allowed)


DEFAULT = Config()
"""The seed notebook's experiment."""
