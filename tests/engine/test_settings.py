"""One declaration per setting: the config's checks, ``--help``, the form and the README all come from it."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from engine.cli import build_parser, options_table, parse_invocation
from engine.config.config import DEFAULT, SETTING, SETTINGS, Config, ConfigError
from tui.screens.settings import CHOICES, form_fields

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_config_field_is_declared_once() -> None:
    assert [f.name for f in dataclasses.fields(Config)] == [s.name for s in SETTINGS]
    flags = [s.flag for s in SETTINGS if s.flag]
    assert len(flags) == len(set(flags))


def test_the_readme_options_table_is_the_declarations() -> None:
    """If this fails, paste ``python -c 'from engine.cli import options_table; print(options_table())'``."""
    assert options_table() in README.read_text(encoding="utf-8")


def test_help_lists_every_flag_with_its_default() -> None:
    text = " ".join(build_parser().format_help().split())
    for spec in SETTINGS:
        if spec.flag and spec.kind != "bool":
            assert f"{spec.flag} {spec.metavar}" in text
            assert f"(default {spec.default_text(getattr(DEFAULT, spec.name))})" in text


def test_the_form_shows_the_declared_form_fields_of_the_task_in_order() -> None:
    damped = [s.name for s in form_fields("damped")]
    assert damped == [s.name for s in SETTINGS if s.form and s.kind in ("int", "float") and s.applies_to("damped")]
    assert "tau" in damped and "length" not in damped and "device" not in damped
    adding = [s.name for s in form_fields("adding")]
    assert "length" in adding and "tau" not in adding and "window" not in adding
    assert "csv" in [s.name for s in form_fields("csv")]
    assert [s.name for s in CHOICES] == ["task", "optimizer"]


def test_a_setting_without_a_flag_is_not_on_the_command_line() -> None:
    assert SETTING["x_max"].flag is None and SETTING["shuffle"].flag is None
    assert "--x-max" not in build_parser().format_help()


@pytest.mark.parametrize(
    ("changes", "field", "allowed"),
    [
        ({"units": 0}, "units", "an integer from 1 to 4096"),
        ({"units": 2.0}, "units", "an integer from 1 to 4096"),
        ({"units": True}, "units", "an integer from 1 to 4096"),
        ({"learning_rate": float("nan")}, "learning_rate", "a finite number greater than 0"),
        ({"validation_split": 0.0}, "validation_split", "a number in (0, 0.5]"),
        ({"trainer": "magic"}, "trainer", "one of fast, keras, fit"),
        ({"xla": "yes"}, "xla", "true or false"),
        ({"models": ()}, "models", "a non-empty list of distinct names from rnn, lstm, gru, mingru, minlstm"),
        (
            {"points": 30, "window": 29},
            "window",
            "an integer from 1 to the series' length - 2 = 28 (at least 2 windows)",
        ),
        ({"points": 30, "window": 5}, "batch_size", "an integer from 1 to the number of training windows (22)"),
        ({"points": 2, "window": 1}, "points", "an integer from 3 to 1000000"),  # points first, not window
    ],
)
def test_validation_names_the_field_and_what_is_allowed(changes: dict, field: str, allowed: str) -> None:
    if field == "batch_size":
        changes = {**changes, "batch_size": 23}
    with pytest.raises(ConfigError) as caught:
        DEFAULT.replace(**changes)
    assert (caught.value.field_name, caught.value.allowed) == (field, allowed)


def test_parse_refuses_what_is_not_a_value_of_the_kind() -> None:
    assert SETTING["epochs"].parse(" 12 ") == 12 and SETTING["models"].parse("RNN, lstm") == ("rnn", "lstm")
    for name, raw, reason in [
        ("epochs", "1e3", "not a whole number"),
        ("tau", "inf", "not finite"),
        ("tau", "x", "not a number"),
    ]:
        with pytest.raises(ConfigError, match=reason):
            SETTING[name].parse(raw)


def test_the_command_line_names_flags_and_keeps_the_typed_value() -> None:
    with pytest.raises(ValueError, match=re.escape("--lr -1: not allowed; allowed: a finite number greater than 0")):
        parse_invocation(["--lr", "-1"])
    assert parse_invocation(["--no-xla", "--models", "gru"]).config == DEFAULT.replace(xla=False, models=("gru",))
