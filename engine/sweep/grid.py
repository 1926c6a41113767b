"""What ``--sweep NAME=V1,V2,…`` and ``--sweep NAME=A..B/N`` mean, checked by the setting's own declaration.

Every value goes through :meth:`engine.settings.declare.Setting.parse` (so ``1.5`` is refused for an
integer as ``--length 1.5`` is) before anything loads; whether each value fits its bounds is checked with
the whole point's config in :mod:`engine.sweep.plan`, where dependent bounds (``window`` against
``points``) can be worked out. Every problem is one line naming the setting and the value as typed.

The range form ``A..B/N`` gives N values from A to B, both ends included. They are spaced evenly on a log
scale when both ends are positive and span a decade or more (``lr=1e-4..1e-1/4`` is 1e-4, 1e-3, 1e-2,
1e-1), evenly on a linear scale otherwise (``noise=0..0.3/4`` is 0, 0.1, 0.2, 0.3); ``/Nlog`` or ``/Nlin``
chooses the scale. Integers are rounded; floats keep four significant digits, so 1e-4·10 is 0.001, not
0.0009999999999999998.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from engine.config.config import SETTINGS, Config, ConfigError
from engine.settings.declare import Setting, shorten

MAX_VALUES = 50
"""Values on one axis: a chart with more points than a terminal has columns says nothing more."""
MAX_POINTS = 500
"""Points in a grid: each is a whole run (500 runs of a minute are most of a working day on 2 cores)."""
MAX_AXES = 2
"""Settings a sweep varies at once: a curve per model, or a heatmap per model."""
NOT_SWEPT: dict[str, str] = {
    "task": "a sweep varies a setting of one task; run one sweep per task",
    "seed": "--seeds N already trains seeds seed … seed+N-1 at every point",
    "seeds": "--seeds N applies to every point",
    "backend": "where a run computes, not what; run one sweep per backend",
    "device": "where a run computes, not what; run one sweep per device",
    "models": "--models already trains them side by side at every point",
}
"""Settings with a flag that a sweep does not vary, and why (files and --models are not numbers or choices)."""
RANGE = re.compile(r"(?P<low>.+?)\.\.(?P<high>[^/]+)/(?P<count>[0-9]+)(?P<scale>lin|log)?")
FORMS = "NAME=V1,V2,… or NAME=A..B/N"
SIGNIFICANT = 4
"""Significant digits a generated float keeps."""


class SweepError(ValueError):
    """A ``--sweep`` (or ``--workers``, ``--ray``, ``--resume``) that cannot be used: one line, exit code 2."""


@dataclass(frozen=True)
class Axis:
    """One swept setting: its declaration, the name as typed and its values, in the order given."""

    setting: Setting
    key: str
    """The name as the user typed it (``lr``), used in messages and folder names."""
    values: tuple[Any, ...]
    typed: tuple[str, ...]
    """Each value as typed (or as a range made it), for messages."""

    @property
    def name(self) -> str:
        """The ``Config`` field."""
        return self.setting.name

    @property
    def numeric(self) -> bool:
        """Whether the values are numbers (a curve, a log axis), not choices."""
        return self.setting.kind in ("int", "float")

    @property
    def symbol(self) -> str:
        """How the lesson names it: ``T`` for ``length T``, ``τ``, else the typed name (``lr``)."""
        return next((word for word in self.setting.label.split() if len(word) == 1), self.key)


def sweepable() -> dict[str, Setting]:
    """The settings a sweep may vary, by every name they may be given (``lr``, ``learning_rate``)."""
    names: dict[str, Setting] = {}
    for spec in SETTINGS:
        if spec.flag is None or spec.kind not in ("int", "float", "choice") or spec.name in NOT_SWEPT:
            continue
        names[spec.flag.removeprefix("--")] = spec
        names[spec.name] = spec
    return names


def short_names() -> str:
    """The names a sweep takes, as an error line lists them: one per setting."""
    unique = {spec.name: spec for spec in sweepable().values()}.values()
    return ", ".join((spec.flag or spec.name).removeprefix("--") for spec in unique)


def value_text(value: Any) -> str:
    """A value as a user would type it (and as folder names and tables show it)."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def parse_axis(text: str, base: Config, fixed: tuple[str, ...] = ()) -> Axis:
    """The axis ``NAME=…`` stands for, or a :class:`SweepError` naming what is wrong.

    ``base`` is the config every point starts from (its task decides which settings apply);
    ``fixed`` names the settings the command line also set with their own flag.
    """
    name, sep, rest = text.partition("=")
    key = name.strip().lower()
    echo = shorten(text)
    if not sep or not key:
        raise SweepError(f"--sweep {echo}: no NAME=values; allowed: {FORMS}")
    names = sweepable()
    if key not in names:
        known = {spec.flag.removeprefix("--") for spec in SETTINGS if spec.flag} | {spec.name for spec in SETTINGS}
        if key.removeprefix("--") in known:
            spec = next(s for s in SETTINGS if key.removeprefix("--") in (s.name, (s.flag or "").removeprefix("--")))
            why = NOT_SWEPT.get(spec.name, "a file is not swept")
            raise SweepError(f"--sweep {echo}: {key} is not swept ({why}); allowed: one of {short_names()}")
        raise SweepError(f"--sweep {echo}: unknown setting {shorten(key)!r}; allowed: one of {short_names()}")
    spec = names[key]
    if not spec.applies_to(base.task):
        uses = " or ".join(spec.tasks)
        raise SweepError(f"--sweep {echo}: not used by task {base.task}; allowed: only with task {uses}")
    if spec.name in fixed:
        raise SweepError(f"--sweep {echo}: {spec.flag} is also given; allowed: a setting either swept or set")
    typed = _expand(key, spec, rest.strip(), echo)
    ranged = RANGE.fullmatch(rest.strip()) is not None
    values: list[Any] = []
    for raw in typed:
        try:
            value = spec.parse(raw)
            if spec.high_of is None:  # a bound that depends on other settings is checked per point (plan)
                spec.check(value, base)
        except ConfigError as error:
            raise SweepError(f"--sweep {key}={shorten(raw)}: {error.reason}; allowed: {error.allowed}") from None
        if value in values:
            if ranged:
                raise SweepError(f"--sweep {echo}: gives {raw} twice once rounded; allowed: fewer values or wider ends")
            raise SweepError(f"--sweep {echo}: {shorten(raw)} is given twice; allowed: distinct values")
        values.append(value)
    if len(values) > MAX_VALUES:
        raise SweepError(f"--sweep {echo}: {len(values)} values; allowed: at most {MAX_VALUES} per setting")
    return Axis(spec, key, tuple(values), tuple(typed))


def _expand(key: str, spec: Setting, rest: str, echo: str) -> list[str]:
    """The values of ``rest`` as text: a comma list, or a range's values made by :func:`spaced`."""
    if not rest:
        raise SweepError(f"--sweep {echo}: no values; allowed: {FORMS}")
    ranged = RANGE.fullmatch(rest)
    if ranged is None:
        parts = [part.strip() for part in rest.split(",")]
        if not all(parts):
            raise SweepError(f"--sweep {echo}: an empty value; allowed: {FORMS}")
        return parts
    if spec.kind not in ("int", "float"):
        raise SweepError(f"--sweep {echo}: a range of choices; allowed: {key}=V1,V2,… ({spec.allowed()})")
    ends = []
    for raw in (ranged["low"], ranged["high"]):
        try:
            ends.append(float(spec.parse(raw)))
        except ConfigError as error:
            raise SweepError(f"--sweep {key}={shorten(raw)}: {error.reason}; allowed: {error.allowed}") from None
    count = int(ranged["count"])
    if not 2 <= count <= MAX_VALUES:
        raise SweepError(f"--sweep {echo}: {count} values; allowed: a range of 2 to {MAX_VALUES} values")
    if ends[0] == ends[1]:
        raise SweepError(f"--sweep {echo}: the range is empty; allowed: two different ends")
    if ranged["scale"] == "log" and min(ends) <= 0:
        raise SweepError(f"--sweep {echo}: a log range needs positive ends; allowed: A..B/Nlin, or A, B > 0")
    values = spaced(ends[0], ends[1], count, ranged["scale"], integer=spec.kind == "int")
    return [value_text(v) for v in values]


def spaced(low: float, high: float, count: int, scale: str | None = None, *, integer: bool = False) -> list[float]:
    """``count`` values from ``low`` to ``high``: log-spaced when ``scale`` is ``log``, or when it is not given
    and both ends are positive a decade or more apart; else linear. Rounded (see the module's docstring)."""
    log = scale == "log" or (scale is None and low > 0 and high > 0 and max(low, high) / min(low, high) >= 10)
    if log:
        a, b = math.log10(low), math.log10(high)
        raw = [10 ** (a + (b - a) * k / (count - 1)) for k in range(count)]
    else:
        raw = [low + (high - low) * k / (count - 1) for k in range(count)]
    if integer:
        return [float(round(v)) for v in raw]
    return [float(f"{v:.{SIGNIFICANT}g}") for v in raw]


def check_axes(axes: list[Axis]) -> None:
    """Refuse more than :data:`MAX_AXES` axes, one setting swept twice, and a grid over :data:`MAX_POINTS`."""
    if len(axes) > MAX_AXES:
        raise SweepError(f"--sweep is given {len(axes)} times; allowed: once or twice (a curve or a heatmap)")
    if len(axes) == 2 and axes[0].name == axes[1].name:
        raise SweepError(f"--sweep {axes[1].key}: swept twice; allowed: two different settings")
    points = math.prod(len(axis.values) for axis in axes)
    if points > MAX_POINTS:
        shape = " × ".join(str(len(axis.values)) for axis in axes)
        raise SweepError(f"--sweep: {shape} = {points} points; allowed: at most {MAX_POINTS} points in a grid")
