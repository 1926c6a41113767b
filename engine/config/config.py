"""The experiment's settings: one frozen dataclass with the seed notebook's defaults.

Nothing here imports TensorFlow, so the command line and the TUI's settings form can
validate input before the slow import happens.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from engine.config.choices import (
    BACKENDS,
    DEVICES,
    FORMULA,
    MAX_SEEDS,
    MODEL_KINDS,
    OPTIMIZERS,
    SERIES,
    TASKS,
    TRAINERS,
    WINDOWED,
)
from engine.inputs.csvfile import read_column
from engine.inputs.text import load_corpus
from engine.settings.declare import ECHO, PATH_ECHO, ConfigError, Setting, declared, setting, shorten

__all__ = ["DEFAULT", "SETTING", "SETTINGS", "Config", "ConfigError", "phrase"]


@dataclass(frozen=True)
class Config:
    """Everything that defines one run. Defaults reproduce the seed notebook.

    Each field is declared once with :func:`~engine.settings.declare.setting`; validation, the command
    line, the settings form and the README's options table are all made from these declarations.
    Fields are validated in this order, so a dependent bound sees the fields it depends on.
    """

    # One declaration per setting, packed so that they read as a table.
    # fmt: off
    task: str = setting(
        "damped", "task", "damped: the seed's series; sine; csv: a column of your file; adding: a long-lag problem; "
        "text: the next character",
        "--task", kind="choice", choices=TASKS, metavar="NAME", form=True,
    )
    epochs: int = setting(1000, "epochs", "training epochs", "--epochs", kind="int", low=1, high=1_000_000, form=True)
    window: int = setting(
        20, "window", "time steps per training window (the seed's NUM_RNN)", "--window", kind="int", low=1,
        high_of=lambda c: c.series_length - 2, high_text="the series' length - 2 = {} (at least 2 windows)", form=True,
        tasks=WINDOWED,
    )
    batch_size: int = setting(
        10, "batch size", "windows (or sequences) per training step", "--batch-size", kind="int", low=1,
        high_of=lambda c: c.n_train, high_text="the number of training windows ({})", form=True,
    )
    optimizer: str = setting(
        "sgd", "optimizer", "sgd: plain SGD, the seed's; adam: Adam with gradients clipped to norm 1", "--optimizer",
        kind="choice", choices=OPTIMIZERS, metavar="NAME", form=True,
    )
    learning_rate: float = setting(
        0.01, "learning rate", "the optimizer's learning rate", "--lr", kind="float", low=0, low_open=True,
        metavar="X", form=True,
    )
    units: int = setting(40, "units", "recurrent units per layer", "--units", kind="int", low=1, high=4096, form=True)
    tau: float = setting(
        5.0, "τ (decay)", "decay constant of y = exp(-x/τ)·cos(x)", "--tau", kind="float", low=0, low_open=True,
        metavar="X", form=True, tasks=("damped",),
    )
    points: int = setting(
        200, "points", "samples of the series on [0, x_max]", "--points", kind="int", low=3, high=1_000_000,
        tasks=FORMULA,
    )
    x_max: float = setting(
        5 * math.pi, "x max", "end of the series' x range (5π)", kind="float", low=0, low_open=True, tasks=FORMULA,
    )
    noise: float = setting(
        0.0, "noise σ", "Gaussian noise on the training windows (csv: in standard deviations); the truth stays clean",
        "--noise", kind="float", low=0, high=10, metavar="SIGMA", form=True, tasks=SERIES,
    )
    csv: str = setting(
        "", "CSV file", "a CSV file", "--csv", kind="text", metavar="FILE", form=True, tasks=("csv",)
    )
    column: str = setting(
        "", "column", "a header name or a 0-based index (may be left out for a one-column file)", "--column",
        kind="text", metavar="NAME|INDEX", form=True, tasks=("csv",),
    )
    length: int = setting(
        100, "length T", "time steps per sequence; the two marked values lie about T/2 apart", "--length", kind="int",
        low=4, high=1000, form=True, tasks=("adding",),
    )
    sequences: int = setting(
        2000, "sequences", "sequences generated (the last ones held out)", "--sequences", kind="int", low=20,
        high=200_000, tasks=("adding",),
    )
    text: str = setting(
        "", "text file", "a UTF-8 text file; left out: strings of the embedded Reber grammar", "--text", kind="text",
        metavar="FILE", form=True, tasks=("text",),
    )
    # The sampler (engine.train.forecast) divides log(p + 1e-12) by the temperature in float32: the logits
    # lie in [-27.64, 0], so below 27.64 / 3.4e38 ≈ 8e-38 they overflow to -inf, and a Python 1e-300 is 0.0
    # in float32 (0/0: NaN) — every draw then picks character 0 ("\n"). Well above that, float32 keeps ~7
    # digits: 27.64/T carries a rounding error of ~1.6e-6/T nats against Gumbel noise of ~1.3 nats. At 0.01
    # the error is 1.6e-4 nats and a character 5 % less likely than the best is drawn 0.6 % as often: the
    # draw is already greedy in all but name, so refusing less costs nothing a sample could show.
    temperature: float = setting(
        1.0, "temperature", "sampling temperature of the generated text: low is safe, high is adventurous; "
        "0.01 is all but greedy (lower would underflow the float32 sampler)",
        "--temperature", kind="float", low=0.01, high=10, metavar="X", form=True, tasks=("text",),
    )
    max_windows: int = setting(
        100_000, "max windows", "at most this many windows: a longer text is sampled with a stride", "--max-windows",
        kind="int", low=100, high=10_000_000, tasks=("text",),
    )
    validation_split: float = setting(
        0.1, "validation split", "fraction of windows held out: the last ones, as Keras does", "--validation-split",
        kind="float", low=0, low_open=True, high=0.5, metavar="X",
    )
    models: tuple[str, ...] = setting(
        ("rnn", "lstm"), "models", "recurrent models to train side by side", "--models", kind="list",
        choices=MODEL_KINDS, metavar="LIST", form=True,
    )
    seed: int = setting(
        0, "seed", "random seed for weights, shuffling and data", "--seed", kind="int", low=0, high=2**31 - 1,
        form=True,
    )
    seeds: int = setting(
        1, "seeds", "train each model with seeds seed … seed+N-1 in one run: medians, bands and a verdict",
        "--seeds", kind="int", low=1, high_of=lambda c: (MAX_SEEDS if c.trainer == "fast" else 1),
        high_text="{} (the keras and fit trainers: 1)", form=True,
    )
    forecast_every: int = setting(
        50, "forecast every", "epochs between live previews, 0 = off", "--forecast-every", kind="int", low=0,
        high=1_000_000,
    )
    trainer: str = setting(
        "fast", "trainer",
        "fast: the cells written out, one XLA call per epoch; keras: the Keras layers in a compiled loop; "
        "fit: plain model.fit, the reference", "--trainer", kind="choice",
        choices=TRAINERS, metavar="NAME",
    )
    device: str = setting(
        "auto", "device", "auto: GPU if the backend sees one; gpu is an error where there is none", "--device",
        kind="choice", choices=DEVICES, metavar="NAME",
    )
    backend: str = setting(
        "tensorflow", "backend", "Keras's backend: tensorflow, or jax (pip install 'rnnlstm-tui[jax]'); KERAS_BACKEND "
        "in the environment is not read", "--backend", kind="choice", choices=BACKENDS, metavar="NAME",
    )
    inside: bool = setting(
        True, "inside", "skip the gradient-through-time and gate computations (the Inside tab)", "--no-inside",
        kind="bool", negate=True,
    )
    shuffle: bool = setting(True, "shuffle", "shuffle the training windows every epoch, as fit does", kind="bool")
    xla: bool = setting(
        True, "XLA", "TensorFlow in plain graph mode instead of XLA: less peak memory, slower training (JAX always "
        "uses XLA)", "--no-xla", kind="bool",
        negate=True,
    )
    # fmt: on

    # Derived sizes, here so validation and data share one definition.
    @property
    def series_length(self) -> int:
        """Values in the series: ``points``, the rows of the CSV column, the characters of the text (cached)."""
        if self.task == "csv":
            return len(read_column(self.csv, self.column).values)
        if self.task == "text":
            return len(load_corpus(self.text, self.seed).text)
        return self.points

    @property
    def n_windows(self) -> int:
        """Number of (input, target) pairs: windows (a text's at most ``max_windows``), or sequences."""
        if self.task == "adding":
            return self.sequences
        total = self.series_length - self.window
        return -(-total // -(-total // self.max_windows)) if self.task == "text" else total

    def n_train_of(self, n: int) -> int:
        """Of ``n`` pairs, how many are trained on: the first ``floor(n · (1 − split))``, as Keras's split."""
        return math.floor(n * (1.0 - self.validation_split))

    @property
    def n_train(self) -> int:
        """Pairs trained on (the first ones)."""
        return self.n_train_of(self.n_windows)

    @property
    def n_val(self) -> int:
        """Pairs Keras's ``validation_split`` holds out (the last ones)."""
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
        """A validated config from ``to_dict``'s form; unknown keys are ignored. Each value is first checked by
        its declaration (:meth:`saved_values`): ``"epochs": "1500"`` is a ConfigError naming ``epochs``."""
        values, bad = cls.saved_values(data)
        if bad:
            raise next(iter(bad.values()))
        config = cls(**values)
        config.validate()
        return config

    @classmethod
    def saved_values(cls, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, ConfigError]]:
        """The settings of a saved ``config.json`` that fit their declarations, and an error for each other one.

        A JSON list becomes a list setting's tuple; other versions' keys are left out; a missing key stays
        missing (unknown, not today's default). A bound on other settings (``window`` ≤ points − 2) is
        checked only if the rest fit and the task reads no file: a listing must not read runs' data.
        """
        values: dict[str, Any] = {}
        bad: dict[str, ConfigError] = {}
        for spec in (spec for spec in SETTINGS if spec.name in data):
            value = data[spec.name]
            value = tuple(value) if spec.kind == "list" and isinstance(value, list) else value
            alone = dataclasses.replace(spec, high_of=None)  # its type and fixed bounds first
            if alone._fits(value, DEFAULT):
                values[spec.name] = value
            else:
                bad[spec.name] = ConfigError(spec.name, value, spec.allowed())
        if bad or values.get("task", DEFAULT.task) in ("csv", "text"):
            return values, bad
        config = dataclasses.replace(DEFAULT, **values)
        for spec in SETTINGS:
            if spec.high_of is not None and spec.name in values and not spec._fits(values[spec.name], config):
                bad[spec.name] = ConfigError(spec.name, values.pop(spec.name), spec.allowed(config), "out of range")
                break  # a later dependent bound may only repeat this one (batch size on the windows)
        return values, bad

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first setting that is out of range.

        Fixed bounds first, then whether each setting belongs to the task and the task's data
        file can be used, then bounds that depend on other settings (``window`` on the series'
        length), so that the first problem reported is the cause, not a consequence.
        """
        for spec in SETTINGS:
            if spec.high_of is None:
                spec.check(getattr(self, spec.name), self)
        self._check_task()
        for spec in SETTINGS:
            if spec.high_of is not None:
                spec.check(getattr(self, spec.name), self)
        if self.backend == "jax" and self.trainer == "keras":  # that trainer drives TensorFlow itself
            raise ConfigError("trainer", "keras", "fast or fit with --backend jax", "drives TensorFlow itself")

    def _check_task(self) -> None:
        """Refuse a setting the task does not use, or a data file that cannot be used (read now, cached)."""
        for spec in SETTINGS:
            value = getattr(self, spec.name)
            if not spec.applies_to(self.task) and value != getattr(DEFAULT, spec.name):
                uses = " or ".join(spec.tasks)
                raise ConfigError(spec.name, value, f"only with task {uses}", f"not used by task {self.task}")
        if self.task == "csv":
            values = read_column(self.csv, self.column).values
            if len(values) < self.window + 2:
                need = f"at least window + 2 = {self.window + 2} values"
                raise ConfigError("csv", self.csv, need, f"only {len(values)} values")
        if self.task == "text":
            corpus = load_corpus(self.text, self.seed)
            if len(corpus.text) < self.window + 2:
                need = f"at least window + 2 = {self.window + 2} characters"
                raise ConfigError("text", self.text, need, f"only {len(corpus.text)} characters")
            if len(corpus.chars) < 2:
                raise ConfigError("text", self.text, "at least 2 distinct characters", "a single distinct character")


DEFAULT = Config()
"""The seed notebook's experiment."""
SETTINGS: tuple[Setting, ...] = tuple(dataclasses.replace(spec, reference=DEFAULT) for spec, _ in declared(Config))
"""Every setting, in declaration order (a dependent bound is put in words for the defaults unless told otherwise)."""
SETTING: dict[str, Setting] = {spec.name: spec for spec in SETTINGS}
"""The settings by ``Config`` field name."""


def phrase(error: ConfigError, name: str, typed: str | None = None) -> str:
    """``NAME VALUE: reason; allowed: …``, the setting named as the surface showing it names it
    (the flag on the command line, the label in the form), the value as the user typed it."""
    value = typed if typed is not None else error.value
    spec = SETTING.get(error.field_name)
    limit = PATH_ECHO if spec is not None and spec.kind == "text" else ECHO
    shown = shorten(str(value), limit) if str(value).strip() else "(none)"
    return f"{name} {shown}: {error.reason}; allowed: {error.allowed}"
