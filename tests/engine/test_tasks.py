"""Tasks: each one's data, split and baseline; the CSV reader on real-world-shaped files; bad data files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from engine.cli import UsageError, parse_invocation
from engine.config.config import DEFAULT, Config, ConfigError
from engine.config.tasks import for_task, solved_threshold
from engine.data.datasets import baseline_loss, make_dataset
from engine.inputs.csvfile import read_column


def test_the_default_task_is_the_seeds_number_for_number() -> None:
    data = make_dataset(DEFAULT)
    assert DEFAULT.task == "damped" and data.inputs.shape == data.targets.shape == (180, 20, 1)
    assert (data.n_train, len(data.val[0])) == (162, 18)
    x = np.linspace(0, 5 * np.pi, 200)
    y = np.exp(-x / 5) * np.cos(x)
    seed_x = np.array([y[i : i + 20] for i in range(180)], dtype=np.float32)[..., None]
    np.testing.assert_array_equal(data.inputs, seed_x)
    assert (data.forecast_start, data.forecast_steps, data.mean, data.std) == (1, 180, 0.0, 1.0)


def test_sine_is_a_plain_sine_on_the_same_grid() -> None:
    data = make_dataset(Config(task="sine"))
    np.testing.assert_allclose(data.y, np.sin(np.linspace(0, 5 * np.pi, 200)), atol=1e-12)
    assert data.inputs.shape == (180, 20, 1)


def test_noise_changes_the_training_windows_only_and_is_seeded() -> None:
    clean, noisy = make_dataset(Config(task="sine")), make_dataset(Config(task="sine", noise=0.1))
    assert not np.array_equal(clean.train[0], noisy.train[0])
    np.testing.assert_array_equal(clean.val[0], noisy.val[0])  # validation is judged on the clean series
    np.testing.assert_array_equal(clean.y, noisy.y)  # and the truth on the chart stays clean
    np.testing.assert_array_equal(noisy.train[0], make_dataset(Config(task="sine", noise=0.1)).train[0])
    assert 0.05 < float(np.std(noisy.train[0] - clean.train[0])) < 0.15


def test_the_adding_problem_has_two_markers_and_their_sum_as_target() -> None:
    config = for_task("adding", length=30, sequences=200)
    data = make_dataset(config)
    assert data.inputs.shape == (200, 30, 2) and data.targets.shape == (200, 1) and not data.per_step
    markers = data.inputs[..., 1]
    assert (markers.sum(axis=1) == 2).all()
    assert (markers[:, :15].sum(axis=1) == 1).all()  # one in each half
    sums = (data.inputs[..., 0] * markers).sum(axis=1)
    np.testing.assert_allclose(sums, data.targets[:, 0], rtol=1e-6)
    assert data.n_train == 180 and np.all(np.diff(data.y) >= 0)  # the held-out targets, sorted
    # Predicting the mean of a sum of two U(0,1) values: an MSE near its variance, 1/6.
    assert 0.1 < baseline_loss(data) < 0.25
    assert solved_threshold(config, 0.2) == pytest.approx(0.01) and solved_threshold(DEFAULT, 0.2) is None


def test_adding_defaults_yield_to_what_the_user_says() -> None:
    config = for_task("adding", epochs=7)
    assert (config.optimizer, config.epochs) == ("adam", 7)
    assert parse_invocation(["--task", "adding", "--lr", "0.02"]).config.learning_rate == 0.02


def test_the_persistence_baseline_of_a_series() -> None:
    data = make_dataset(DEFAULT)
    x_val, y_val = data.val
    assert baseline_loss(data) == pytest.approx(float(np.mean((x_val.astype(float) - y_val) ** 2)))


def write(path: Path, text: str, encoding: str = "utf-8") -> str:
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_the_csv_reader_takes_real_world_files(tmp_path: Path) -> None:
    rows = "".join(f'2024-01-{i + 1:02d},"{i * 1.5}",x\r\n' + ("\r\n" if i % 7 == 0 else "") for i in range(30))
    text = '\ufeff"date","value (m)",note\r\n' + rows
    column = read_column(write(tmp_path / "real.csv", text), "value (m)")
    assert column.name == "value (m)" and len(column.values) == 30 and column.values[2] == 3.0
    assert read_column(str(tmp_path / "real.csv"), "1").values[3] == 4.5  # by index
    plain = read_column(write(tmp_path / "plain.csv", "\n".join(str(i) for i in range(25)) + "\n"), "")
    assert plain.name == "column 0" and plain.values[-1] == 24.0  # no header, one column


def test_a_csv_series_is_standardised_and_forecast_over_its_held_out_part(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", "v\n" + "\n".join(str(10 + 2 * math.sin(i / 5)) for i in range(100)))
    data = make_dataset(Config(task="csv", csv=path, column="v", window=10, batch_size=4))
    assert data.n_train == 81 and data.inputs.shape == (90, 10, 1)
    assert abs(float(data.train[0].mean())) < 0.1 and data.mean == pytest.approx(10, abs=0.5)
    assert data.forecast_start == 81 and data.forecast_steps == 100 - 81 - 10
    assert data.truth_at is not None and data.truth_at(np.array([99]))[0] == data.y[99]


@pytest.mark.parametrize(
    ("content", "args", "expected"),
    [
        (None, ["--csv", "nowhere.csv"], "--csv nowhere.csv: no such file; allowed: a readable UTF-8 CSV file"),
        ("", ["--csv", "{f}"], "--csv {f}: empty"),
        (b"v\n\xff\xfe\n", ["--csv", "{f}"], "not UTF-8 (byte offset 2)"),
        (b"v\n1\x002\n", ["--csv", "{f}"], "binary (a NUL byte at offset 3)"),
        (
            "a,b\n1,2\n",
            ["--csv", "{f}", "--column", "c"],
            "--column c: no such column; allowed: a column name or 0-based index: 'a', 'b'",
        ),
        ("a,b\n1,2\n", ["--csv", "{f}"], "--column (none): no column given"),
        ("v\n1\n2\nabc\n", ["--csv", "{f}", "--column", "v"], "--column v: row 4 of 'v' is 'abc', not a number"),
        ("v\n1\ninf\n", ["--csv", "{f}", "--column", "v"], "row 3 of 'v' is inf; allowed: finite numbers only"),
        ("v\n1\n2\n3\n", ["--csv", "{f}", "--column", "v"], "only 3 values; allowed: at least window + 2 = 22 values"),
    ],
)
def test_bad_csv_files_get_one_line_naming_the_problem(
    tmp_path: Path, content: str | bytes | None, args: list[str], expected: str
) -> None:
    target = tmp_path / "data.csv"
    if content is not None:
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    argv = ["--task", "csv", *(a.replace("{f}", str(target)) for a in args)]
    with pytest.raises(UsageError) as caught:
        parse_invocation(argv)
    assert expected.replace("{f}", str(target)) in str(caught.value)


def test_a_folder_and_too_many_rows_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UsageError, match="is a folder"):
        parse_invocation(["--task", "csv", "--csv", str(tmp_path)])
    monkeypatch.setattr("engine.inputs.csvfile.MAX_ROWS", 10)
    with pytest.raises(UsageError, match="30 rows; allowed: at most 10 rows"):
        parse_invocation(["--task", "csv", "--csv", write(tmp_path / "long.csv", "1\n" * 30)])


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--column", "v"], "--column v: not used by task damped; allowed: only with task csv"),
        (["--task", "adding", "--tau", "3"], "--tau 3: not used by task adding; allowed: only with task damped"),
        (["--task", "csv", "--length", "50", "--csv", "x"], "--length 50: not used by task csv"),
        (["--task", "adding", "--length", "2"], "--length 2: not allowed; allowed: an integer from 4 to 1000"),
        (["--task", "nope"], "--task nope: not allowed; allowed: one of damped, sine, csv, adding"),
    ],
)
def test_an_option_of_another_task_or_out_of_range_is_refused(argv: list[str], expected: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_invocation(argv)
    assert expected in str(caught.value)


def test_validation_is_the_same_for_the_form(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        DEFAULT.replace(task="csv", csv=str(tmp_path / "missing.csv"))
    assert (caught.value.field_name, caught.value.reason) == ("csv", "no such file")
