"""``rnnlstm-tui --headless`` on each backend: every artifact of a run (a whole process), a new folder for each
run, and a GPU asked for where there is none (moved from tests/engine/test_cli.py: they load Keras)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers.core_backend import NEEDS_JAX

from engine.runs.folder import read_history
from engine.train import runtime
from tui.cli import main

COMMAND = [sys.executable, "-m", "tui.cli"]


def _run(args: list[str], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], cwd=cwd, capture_output=True, text=True, timeout=120, **kwargs)


ARGS = ["--headless", "--epochs", "4", "--forecast-every", "2", "--out", "run", "--no-inside"]
"""The default settings but for the gates and gradients (test_inside.py; they cost a few seconds here)."""


def _every_artifact(run: Path, backend: str, printed: str) -> None:
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
    assert "forecast RMSE" in printed and "\r" not in printed
    observed = (run / "observations.md").read_text()
    assert observed.startswith("## Observations from this run") and "parameters of rnn (6,761 vs 1,721)" in observed
    assert "- lstm has 3.9× the parameters" in printed  # the same sentences end the headless output


def test_headless_run_writes_every_artifact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    # On TensorFlow, through the command's main in this process, whose Keras runs on TensorFlow already: a whole
    # process would only add its import (whole processes: the next test, and test_faults_run.py's on TensorFlow,
    # whose standard streams stay clear of TensorFlow's chatter).
    monkeypatch.chdir(tmp_path)
    assert main([*ARGS, "--backend", "tensorflow"]) == 0
    said = capfd.readouterr()
    _every_artifact(tmp_path / "run", "tensorflow", said.out)
    assert said.err == ""


@NEEDS_JAX
@pytest.mark.heavy
def test_backend_decides_not_keras_backend_and_the_jax_files_load_on_tensorflow(tmp_path: Path) -> None:
    # KERAS_BACKEND names another backend (torch is not even installed): --backend decides, not the environment.
    result = _run([*ARGS, "--backend", "jax"], tmp_path, env={**os.environ, "KERAS_BACKEND": "torch"})
    assert result.returncode == 0, result.stderr
    _every_artifact(tmp_path / "run", "jax", result.stdout)
    assert result.stderr == ""  # nothing on the terminal but the run's own lines
    _forecasts_the_same_here(tmp_path / "run")  # its model files load here, on TensorFlow, and forecast the same


def _forecasts_the_same_here(run: Path) -> None:
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


def test_gpu_without_a_gpu_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    # In this process, whose TensorFlow is loaded already (a whole process would only add its import): the
    # device is chosen afresh, as a new process would (the first answer is otherwise kept for the process).
    monkeypatch.setattr(runtime, "_prepared", {})
    monkeypatch.chdir(tmp_path)
    code = main(["--headless", "--device", "gpu", "--epochs", "2", "--out", "r"])
    said = capfd.readouterr()  # the file descriptors: TensorFlow's C++ side writes there, not to sys.stderr
    if code == 0 and "GPU" in said.out:
        pytest.skip("this machine has a GPU")
    assert code == 2 and said.err.strip().splitlines() == [
        "rnnlstm-tui: error: --device gpu: TensorFlow sees no GPU here; allowed: auto or cpu"
    ]
    assert not (tmp_path / "r").exists()  # nothing half-made is left behind


def test_second_run_gets_a_new_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    small = ["--headless", "--epochs", "1", "--models", "rnn", "--units", "4", "--points", "30", "--window", "5"]
    small += ["--no-xla"]  # the folders are the point, not the compile
    assert main(small) == 0 and main(small) == 0
    assert len(list((tmp_path / "runs").iterdir())) == 2
