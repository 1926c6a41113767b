"""What a hostile new user tried (issue 30, items 3, 4, 5, 8, 9): a temperature float32 cannot honour,
numbers that read differently by door, Excel's trailing empty columns, error lines too long or
misleading, and argparse's usage block before a typo."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.cli import UsageError, build_parser, parse_invocation
from engine.config.config import SETTING, Config
from engine.inputs.csvfile import read_column
from engine.settings.declare import ConfigError
from tui.screens.settings import CHOICES, form_fields, read_form


def _refusal(argv: list[str]) -> str:
    with pytest.raises(UsageError) as caught:
        parse_invocation(argv)
    return str(caught.value)


def _csv(tmp_path: Path, content: str | bytes, name: str = "data.csv") -> str:
    target = tmp_path / name
    target.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(target)


# Item 3: a temperature the float32 arithmetic of the sampler cannot honour is refused.


def test_a_temperature_that_underflows_float32_is_refused_everywhere() -> None:
    for typed in ("1e-300", "1e-40", "0.001"):
        assert _refusal(["--task", "text", "--temperature", typed]).startswith(f"--temperature {typed}: not allowed;")
    assert "a number from 0.01 to 10" in _refusal(["--task", "text", "--temperature", "1e-300"])
    help_text = " ".join(build_parser().format_help().split())
    assert "float32" in help_text and "a number from 0.01 to 10" in help_text
    base = {spec.name: spec.default_text(getattr(Config(), spec.name)) for spec in (*CHOICES, *form_fields("text"))}
    config, errors = read_form(Config(task="text"), {**base, "task": "text", "temperature": "1e-300"}, ("rnn",))
    assert config is None and errors["temperature"].startswith("temperature 1e-300: not allowed; allowed: a number")
    assert Config(task="text", temperature=0.01).temperature == 0.01


def test_the_lowest_temperature_keeps_the_samplers_logits_finite_and_the_bug_was_real() -> None:
    """The sampler divides ``log(p + 1e-12)`` (float32) by the temperature: at the declared bound every
    logit a softmax can give stays finite and ordered; at 1e-300 (float32 zero) they do not."""
    low = SETTING["temperature"].low
    assert low is not None
    probabilities = np.array([0.0, 1e-30, 1e-12, 0.3, 0.7, 1.0], dtype=np.float32)
    logs = np.log(probabilities + np.float32(1e-12))
    with np.errstate(all="ignore"):
        at_bound = logs / np.float32(low)
        underflowed = logs / np.float32(1e-300)
    assert np.all(np.isfinite(at_bound)) and np.all(np.diff(at_bound) >= 0)
    assert not np.all(np.isfinite(underflowed))


# Item 4: one rule for numbers, whatever the door.

NUMBER_TEXTS = [
    "12",
    " 12 ",
    "-1.5",
    "+.5",
    "5.",
    "1e3",
    "1E-3",
    "1_000",
    "0.000_1",
    "١٢",
    "１２",
    "1,5",
    "1 000",
    "x",
    "½",
]


@pytest.mark.parametrize("typed", NUMBER_TEXTS)
def test_a_csv_cell_and_a_typed_number_follow_the_same_rule(tmp_path: Path, typed: str) -> None:
    spec = SETTING["learning_rate"]
    try:
        typed_value: float | None = spec.parse(typed)
    except ConfigError:
        typed_value = None
    path = _csv(tmp_path, f'v\n1\n"{typed}"\n3\n')
    try:
        cell_value: float | None = float(read_column(path, "v").values[1])
    except ConfigError as error:
        cell_value = None
        message = str(error)
        assert "row 3 of 'v' is " in message and repr(typed) in message and "\n" not in message
    assert cell_value == typed_value


def test_the_rules_fast_path_takes_exactly_its_written_grammar() -> None:
    """``read_float`` uses ``float()`` on ASCII text without "_": that must accept exactly PLAIN_FLOAT
    (finite) and refuse NON_FINITE as not finite, for every string of a number-ish alphabet."""
    from engine.settings.numbers import NON_FINITE, NOT_FINITE, PLAIN_FLOAT, NumberError, read_float

    rng = np.random.default_rng(30)
    alphabet = [*"0123456789.eE+-_ ,xnaif\t", "١", "１", "\u00a0", "inity"]
    for _ in range(20_000):
        typed = "".join(rng.choice(alphabet, size=rng.integers(0, 7)))
        text = typed.strip()
        try:
            got: float | str = read_float(typed)
        except NumberError as error:
            got = error.reason
        if PLAIN_FLOAT.fullmatch(text) and np.isfinite(float(text)):
            assert got == float(text), typed
        elif PLAIN_FLOAT.fullmatch(text) or NON_FINITE.fullmatch(text):
            assert got == NOT_FINITE, typed
        else:
            assert isinstance(got, str) and got != NOT_FINITE, typed


@pytest.mark.parametrize(
    ("cell", "reason"), [("1_000", "digit separators (_) are not allowed"), ("١٢", "non-ASCII digits are not allowed")]
)
def test_an_odd_csv_cell_is_named_with_its_row_on_the_command_line(tmp_path: Path, cell: str, reason: str) -> None:
    path = _csv(tmp_path, f"v\n1\n2\n{cell}\n" + "3\n" * 30)
    message = _refusal(["--task", "csv", "--csv", path, "--column", "v"])
    assert f"--column v: row 4 of 'v' is {cell!r}" in message and reason in message and "\n" not in message


def test_a_column_index_is_a_plain_number_too(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a,b\n" + "1,2\n" * 30)
    assert read_column(path, "1").name == "b"
    for typed in ("١", "１", "-1", "2", "1_0"):
        with pytest.raises(ConfigError, match="no such column"):
            read_column(path, typed)


def test_a_saved_historys_cells_follow_the_rule() -> None:
    from engine.runs.reader import number

    assert number("0.25") == 0.25 and number(" 3 ") == 3.0
    for cell in ("1_000", "١٢", "x", "", None):
        assert np.isnan(number(cell))


# Item 5: Excel's trailing empty columns.


def test_trailing_empty_columns_without_a_column_list_the_columns(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a,b,,,\n" + "1,2,,,\n" * 30)
    message = _refusal(["--task", "csv", "--csv", path])
    assert message.startswith("--column (none): no column given; allowed: a column name or 0-based index: 'a', 'b'")
    assert "''" not in message
    assert read_column(path, "b").values[0] == 2.0


# Item 8: error lines that are short and say what is wrong.


def test_a_wide_csv_lists_a_few_columns_and_counts_the_rest(tmp_path: Path) -> None:
    names = [f"sensor_{i:03d}" for i in range(500)]
    path = _csv(tmp_path, ",".join(names) + "\n" + ",".join("1" for _ in names) + "\n")
    message = _refusal(["--task", "csv", "--csv", path])
    more = re.search(r"'sensor_(\d+)' and (\d+) more \(indices 0 to 499\)$", message)
    assert more is not None and int(more[1]) + 1 + int(more[2]) == 500, message
    assert len(message) < 400 and "'sensor_000', 'sensor_001'" in message


@pytest.mark.parametrize(("task", "flag"), [("csv", "--csv"), ("text", "--text")])
def test_utf16_and_whitespace_files_are_called_what_they_are(tmp_path: Path, task: str, flag: str) -> None:
    utf16 = _csv(tmp_path, "v\n1\n2\n".encode("utf-16"), "utf16")
    message = _refusal(["--task", task, flag, utf16])
    assert f"{flag} {utf16}: UTF-16, not UTF-8 (it starts with a UTF-16 byte-order mark); allowed:" in message
    no_mark = _csv(tmp_path, "v\n1\n2\n".encode("utf-16-le"), "no_mark")
    assert "UTF-16, not UTF-8 (every other byte is NUL)" in _refusal(["--task", task, flag, no_mark])
    utf32 = _csv(tmp_path, "v\n1\n2\n".encode("utf-32"), "utf32")
    assert "UTF-32, not UTF-8 (it starts with a UTF-32 byte-order mark)" in _refusal(["--task", task, flag, utf32])
    blank = _csv(tmp_path, " \n\t\n  \n", "blank")
    assert f"{flag} {blank}: only whitespace" in _refusal(["--task", task, flag, blank])
    assert f"{flag} {_csv(tmp_path, '', 'empty')}: empty" in _refusal(["--task", task, flag, str(tmp_path / "empty")])


@pytest.mark.parametrize(
    ("content", "column", "said"),
    [
        ("date;value\n" + "2020-01-01;1,5\n" * 30, "", "';'-separated with decimal commas"),
        ("date;value\n" + "2020-01-01;1,5\n" * 30, "value", "';'-separated with decimal commas"),
        ("a;b\n" + "1;2\n" * 30, "", "';'-separated"),
        ("a\tb\n" + "1\t2\n" * 30, "", "tab-separated"),
    ],
    ids=["semicolon-decimal-commas", "semicolon-column-named", "semicolon", "tab"],
)
def test_a_semicolon_or_tab_csv_gets_a_hint_about_the_delimiter(
    tmp_path: Path, content: str, column: str, said: str
) -> None:
    path = _csv(tmp_path, content)
    message = _refusal(["--task", "csv", "--csv", path, "--column", column])
    assert f"--csv {path}: looks like {said}" in message
    assert message.endswith("allowed: comma-separated values with a '.' decimal point")


def test_a_one_column_csv_with_decimal_commas_is_refused_not_read_as_whole_numbers(tmp_path: Path) -> None:
    path = _csv(tmp_path, "v\n" + "1,5\n" * 30)
    assert _refusal(["--task", "csv", "--csv", path, "--column", "v"]) == (
        f"--csv {path}: row 2 is '1,5': looks like a decimal comma; "
        "allowed: comma-separated values with a '.' decimal point"
    )


def test_a_comma_csv_with_semicolons_in_a_text_column_still_reads(tmp_path: Path) -> None:
    path = _csv(tmp_path, "note,v\n" + "a;b,1.5\n" * 30)
    assert read_column(path, "v").values[0] == 1.5
    with pytest.raises(ConfigError, match="no such column") as caught:  # no delimiter hint for a stray ';'
        read_column(path, "w")
    assert "looks like" not in str(caught.value)


def test_a_row_wider_than_the_first_is_refused_not_read_shifted(tmp_path: Path) -> None:
    """An unquoted comma in a name shifts the row's cells: the wrong number would be read quietly."""
    path = _csv(tmp_path, "name,v\n" + "Ann,1.5\n" * 3 + "Smith, John,2.5\n" + "Bob,3\n" * 30)
    with pytest.raises(ConfigError) as caught:
        read_column(path, "v")
    assert str(caught.value).startswith(f"csv = {path!r}: row 5 has 3 cells where the first row has 2")
    trailing = _csv(tmp_path, "a,b\n" + "1,2,,\n" * 30, "trailing.csv")  # empty extra cells are fine
    assert read_column(trailing, "b").values[0] == 2.0


# Item 9: a typo'd option in one line, with the nearest real one.


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--epoch", "5"], "unknown option --epoch; did you mean --epochs? (rnnlstm-tui --help lists them all)"),
        (["--epoch=5"], "unknown option --epoch; did you mean --epochs?"),
        (["--batchsize", "8"], "unknown option --batchsize; did you mean --batch-size?"),
        (["--zzzzzz"], "unknown option --zzzzzz (rnnlstm-tui --help lists them all)"),
        (["--epochs"], "--epochs: expected one argument (see rnnlstm-tui --help)"),
        (["a", "b"], "unexpected argument 'b' (rnnlstm-tui --help lists them all)"),
    ],
)
def test_argparse_errors_are_one_line(argv: list[str], expected: str) -> None:
    message = _refusal(argv)
    assert expected in message and "\n" not in message and "usage:" not in message


def test_a_typo_on_the_real_command_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tui.cli", "--epoch", "5"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "rnnlstm-tui: error: unknown option --epoch; did you mean --epochs? (rnnlstm-tui --help lists them all)"
    ]
