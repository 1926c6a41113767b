"""The command line: bad input gets one clear line and exit 2; headless runs write a complete run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers.core_backend import NEEDS_JAX

from engine.runs.folder import read_history

COMMAND = [sys.executable, "-m", "tui.cli"]


def _run(args: list[str], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], cwd=cwd, capture_output=True, text=True, timeout=120, **kwargs)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--epochs", "ten"], "--epochs ten: not a whole number"),
        (["--epochs", "1.5"], "--epochs 1.5: not a whole number"),
        (["--epochs", "0"], "--epochs 0: not allowed; allowed: an integer from 1"),
        (["--units", "-4"], "--units -4: not allowed"),
        (["--lr", "nan"], "--lr nan: not finite"),
        (["--lr", "inf"], "--lr inf: not finite"),
        (["--lr", "0"], "--lr 0: not allowed; allowed: a finite number greater than 0"),
        (["--lr", "fast"], "--lr fast: not a number"),
        (["--tau", "-1"], "--tau -1: not allowed"),
        (["--validation-split", "abc"], "--validation-split abc: not a number; allowed: a number in (0, 0.5]"),
        (["--batch-size", "500"], "allowed: an integer from 1 to the number of training windows (162)"),
        (["--window", "199"], "--window 199: not allowed; allowed: an integer from 1 to the series' length - 2"),
        (["--validation-split", "0.9"], "--validation-split 0.9: not allowed; allowed: a number in (0, 0.5]"),
        (["--models", "rnn,rnn"], "--models rnn,rnn: not allowed; allowed: a non-empty list of distinct"),
        (["--models", "rnn,transformer"], "--models rnn,transformer: not allowed"),
        (["--models", ""], "--models (none): not allowed"),
        (["--trainer", "magic"], "--trainer magic: not allowed; allowed: one of fast, keras, fit"),
        (["--device", "tpu"], "--device tpu: not allowed; allowed: one of auto, cpu, gpu"),
    ],
)
def test_bad_option_values_get_one_line_and_exit_2(args: list[str], expected: str, tmp_path: Path) -> None:
    result = _run([*args, "--headless"], tmp_path)
    assert result.returncode == 2
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "runs").exists()  # nothing was started


def test_out_that_is_a_file_or_holds_a_run_is_refused(tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me")
    assert "is a file" in _run(["--headless", "--out", str(a_file)], tmp_path).stderr
    assert "is a file" in _run(["--headless", "--out", str(a_file / "run")], tmp_path).stderr
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "config.json").write_text("{}")
    result = _run(["--headless", "--out", str(tmp_path / "old")], tmp_path)
    assert result.returncode == 2 and "already holds a run" in result.stderr
    assert a_file.read_text() == "keep me" and (tmp_path / "old" / "config.json").read_text() == "{}"


def test_unknown_options_get_one_line_with_the_nearest_option(tmp_path: Path) -> None:
    result = _run(["--epoch", "5"], tmp_path)
    assert result.returncode == 2 and "unknown option --epoch; did you mean --epochs?" in result.stderr


def test_gpu_without_a_gpu_is_a_clear_error(tmp_path: Path) -> None:
    result = _run(["--headless", "--device", "gpu", "--epochs", "2", "--out", "r"], tmp_path)
    if "GPU" in result.stdout and result.returncode == 0:
        pytest.skip("this machine has a GPU")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "rnnlstm-tui: error: --device gpu: TensorFlow sees no GPU here; allowed: auto or cpu"
    ]


def test_tui_refuses_a_non_terminal_stdout(tmp_path: Path) -> None:
    result = _run(["--epochs", "2"], tmp_path)
    assert result.returncode == 2 and "--headless" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("backend", "environment"), [("tensorflow", "jax"), pytest.param("jax", "torch", marks=NEEDS_JAX)]
)
def test_headless_run_writes_every_artifact(tmp_path: Path, backend: str, environment: str) -> None:
    # KERAS_BACKEND names another backend (torch is not even installed): --backend decides, not the environment.
    env = {**os.environ, "KERAS_BACKEND": environment}
    args = ["--headless", "--epochs", "4", "--forecast-every", "2", "--out", "run", "--backend", backend]
    result = _run(args, tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    run = tmp_path / "run"
    names = {p.name for p in run.iterdir()}
    assert {"config.json", "history.csv", "forecast.csv", "summaries.txt", "metrics.json", "observations.md"} <= names
    assert {"rnn.keras", "lstm.keras"} <= names
    config = json.loads((run / "config.json").read_text())
    assert config["epochs"] == 4 and config["backend"] == backend
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"] == "finished" and metrics["backend"] == backend  # the one Keras really ran on
    assert {m["params"] for m in metrics["models"].values()} == {1721, 6761}
    assert len(read_history(run)) == 8  # 2 models × 4 epochs
    header = (run / "forecast.csv").read_text().splitlines()[0]
    assert header == "index,x,truth,rnn,lstm"
    assert "forecast RMSE" in result.stdout and "\r" not in result.stdout
    observed = (run / "observations.md").read_text()
    assert observed.startswith("## Observations from this run") and "parameters of rnn (6,761 vs 1,721)" in observed
    assert "- lstm has 3.9× the parameters" in result.stdout  # the same sentences end the headless output
    assert result.stderr == ""  # TensorFlow's chatter stays off the terminal
    if backend == "jax":  # its model files load here, on TensorFlow, and forecast what the JAX run forecast
        _forecasts_the_same_here(run)


def _forecasts_the_same_here(run: Path) -> None:
    import csv

    import keras

    from engine.config.config import Config
    from engine.data.datasets import make_dataset
    from engine.train.forecast import make_forecaster

    config = Config(epochs=4)
    model = keras.saving.load_model(run / "rnn.keras")
    ours = make_forecaster(model, make_dataset(config), config)()
    with (run / "forecast.csv").open() as handle:
        saved = [float(row["rnn"]) for row in csv.DictReader(handle)]
    np.testing.assert_allclose(ours.predicted[:20], saved[:20], rtol=1e-3, atol=1e-6)


def test_second_run_gets_a_new_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.cli import main

    monkeypatch.chdir(tmp_path)
    small = ["--headless", "--epochs", "1", "--models", "rnn", "--units", "4", "--points", "30", "--window", "5"]
    small += ["--no-xla"]  # the folders are the point, not the compile
    assert main(small) == 0 and main(small) == 0
    assert len(list((tmp_path / "runs").iterdir())) == 2
