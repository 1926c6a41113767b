"""How a setting is declared once and read from text, whatever surface shows it.

A :class:`Setting` rides on its ``Config`` field (see :func:`setting`): its type, bounds or
choices, label, help and command-line flag. From these come the config's validation, the
argparse options, the settings form and the README's options table, so adding a setting is
one declaration. Nothing here imports TensorFlow or Textual.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from engine.settings.numbers import NumberError, read_float, read_int

Kind = Literal["int", "float", "choice", "list", "bool", "text"]

ECHO = 40
"""Characters of a typed value an error message repeats; a longer one is cut, with "…"."""
PATH_ECHO = 120
"""The same for a file name (``--csv``, ``--text``): a path is worth more of the line."""

SETTING_KEY = "setting"
"""Key of a field's ``metadata`` that holds its :class:`Setting`."""


class ConfigError(ValueError):
    """A setting outside what the engine accepts: which field, the value, why, and what is allowed."""

    def __init__(self, field_name: str, value: object, allowed: str, reason: str = "not allowed") -> None:
        self.field_name = field_name
        self.value = value
        self.allowed = allowed
        self.reason = reason
        super().__init__(f"{field_name} = {value!r}: {reason}; allowed: {allowed}")


@dataclass(frozen=True)
class Setting:
    """Everything the surfaces need to know about one ``Config`` field (its name is filled in)."""

    kind: Kind
    label: str
    """What the settings form calls it."""
    help: str
    """One line for ``--help`` and the README."""
    flag: str | None = None
    """Command-line option; ``None`` for a setting only a config file sets."""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    """Whether ``low`` itself is excluded (``(0, 0.5]``)."""
    high_of: Callable[[Any], int] | None = None
    """A bound that depends on other settings (``window <= points - 2``); checked after the rest."""
    high_text: str = ""
    """How messages name ``high_of``, ``{}`` standing for its value ("points - 2 = {}")."""
    choices: tuple[str, ...] = ()
    form: bool = False
    """Whether the settings form shows it."""
    metavar: str = "N"
    negate: bool = False
    """A bool flag that turns the setting off (``--no-xla``)."""
    tasks: tuple[str, ...] = ()
    """The tasks that use it; empty: every task."""
    name: str = ""
    reference: Any = None
    """The config whose values a dependent bound is put in words for when no other is given (the defaults)."""

    def applies_to(self, task: str) -> bool:
        """Whether ``task`` uses this setting."""
        return not self.tasks or task in self.tasks

    def allowed(self, config: Any = None) -> str:
        """What values are allowed, in words; dependent bounds are worked out for ``config``
        (the defaults when not given)."""
        if config is None:
            config = self.reference
        if self.kind == "bool":
            return "true or false"
        if self.kind == "text":
            return self.help
        if self.kind == "choice":
            return f"one of {', '.join(self.choices)}"
        if self.kind == "list":
            return f"a non-empty list of distinct names from {', '.join(self.choices)}"
        noun = "an integer" if self.kind == "int" else "a number" if self.high is not None else "a finite number"
        if self.high_of is not None:
            return f"{noun} from {_num(self.low)} to {self.high_text.format(self.high_of(config))}"
        if self.high is None:
            return f"{noun} greater than {_num(self.low)}" if self.low_open else f"{noun} ≥ {_num(self.low)}"
        if self.low_open:
            return f"{noun} in ({_num(self.low)}, {_num(self.high)}]"
        return f"{noun} from {_num(self.low)} to {_num(self.high)}"

    def parse(self, raw: str) -> Any:
        """The value ``raw`` stands for, or a :class:`ConfigError` saying why it stands for none.

        Numbers follow :mod:`engine.settings.numbers`: whole numbers only for integers ("1.5", "1e3"
        and "ten" are refused, not rounded), finite numbers only for floats, ASCII digits without
        ``_`` separators; lists are comma-separated; choices are case-insensitive.
        """
        text = raw.strip()
        if self.kind in ("int", "float"):
            try:  # the one rule for numbers (engine.settings.numbers), as for a CSV cell
                return read_int(text) if self.kind == "int" else read_float(text)
            except NumberError as error:
                raise ConfigError(self.name, raw, self.allowed(), error.reason) from None
        if self.kind == "list":
            return tuple(part.strip().lower() for part in text.split(","))
        if self.kind == "text":
            return text
        if self.kind == "bool":
            if text.lower() in ("true", "yes", "on", "1"):
                return True
            if text.lower() in ("false", "no", "off", "0"):
                return False
            raise ConfigError(self.name, raw, self.allowed(), "not true or false")
        return text.lower()

    def check(self, value: object, config: Any) -> None:
        """Raise :class:`ConfigError` unless ``value`` is allowed (``config`` for dependent bounds)."""
        if not self._fits(value, config):
            shown = ",".join(map(str, value)) if isinstance(value, tuple) else value
            raise ConfigError(self.name, shown, self.allowed(config))

    def _fits(self, value: object, config: Any) -> bool:
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "choice":
            return value in self.choices
        if self.kind == "text":
            return isinstance(value, str)
        if self.kind == "list":
            return (
                isinstance(value, tuple)
                and bool(value)
                and all(v in self.choices for v in value)
                and len(set(value)) == len(value)
            )
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.kind == "int" and not isinstance(value, int):
            return False
        if isinstance(value, float) and not math.isfinite(value):  # an int may be too big for a float
            return False
        low_ok = self.low is None or (value > self.low if self.low_open else value >= self.low)
        high = self.high_of(config) if self.high_of is not None else self.high
        return low_ok and (high is None or value <= high)

    def default_text(self, default: object) -> str:
        """The default as a user would type it."""
        if isinstance(default, tuple):
            return ",".join(default)
        if isinstance(default, bool):
            return ("off" if default else "on") if self.negate else ("on" if default else "off")
        return f"{default:g}" if isinstance(default, float) else str(default)


def shorten(text: str, limit: int = ECHO) -> str:
    """``text`` cut to ``limit`` characters and "…", on one line: an echo must not push the form off screen."""
    flat = " ".join(text.split()) if "\n" in text or "\r" in text else text
    return flat if len(flat) <= limit else flat[:limit] + "…"


def setting(default: Any, label: str, help: str, flag: str | None = None, **spec: Any) -> Any:
    """A dataclass field whose ``metadata`` carries its :class:`Setting` (the name is set later)."""
    declared = Setting(label=label, help=help, flag=flag, **spec)
    return dataclasses.field(default=default, metadata={SETTING_KEY: declared})


def declared(cls: type) -> tuple[tuple[Setting, Any], ...]:
    """``(setting, default)`` for every declared field of dataclass ``cls``, in field order."""
    return tuple(
        (dataclasses.replace(f.metadata[SETTING_KEY], name=f.name), f.default)
        for f in dataclasses.fields(cls)
        if SETTING_KEY in f.metadata
    )


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
