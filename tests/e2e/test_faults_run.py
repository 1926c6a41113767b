"""Faults during real runs (issue 17): a full disk mid-run, a display that cannot print, closed streams.

Tiny settings: each run trains one 8-unit model for a few epochs on a 60-point series.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.core_backend import NEEDS_JAX

from engine.cli import Invocation
from engine.config.config import Config
from engine.headless import run_headless
from engine.report.events import Event, RunFinished
from engine.runs import safeio

TINY = ["--points", "60", "--window", "8", "--units", "8", "--epochs", "3", "--models", "rnn", "--forecast-every", "0"]
TINY += ["--no-xla"]  # what these tests are about is not compiled: XLA's compile would only cost time
FULL = OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def tiny() -> Config:
    return Config(points=60, window=8, units=8, epochs=3, models=("rnn",), forecast_every=0, xla=False)


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_disk_full_mid_training_leaves_whole_lines_and_an_error(
    tiny: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def full_at_epoch_2(fd: int, data: memoryview) -> int:
        if bytes(data).startswith(b"rnn,2,"):
            os.write(fd, data[:7])  # part of the line reaches the disk before it fills up
            raise FULL
        return os.write(fd, data)

    monkeypatch.setattr(safeio, "_os_write", full_at_epoch_2)
    assert run_headless(Invocation(tiny, tmp_path / "run", True)) == 1
    run = tmp_path / "run"
    assert capsys.readouterr().err == (
        f"rnnlstm-tui: error: OSError: [Errno 28] No space left on device (see {run / 'metrics.json'})\n"
    )
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"] == "error" and "No space left" in metrics["error"]
    assert (run / "history.csv").read_text().splitlines()[-1].startswith("rnn,1,")  # no torn "rnn,2,0." line
    assert _leftovers(run) == []


def test_disk_full_while_saving_a_model_keeps_the_results_and_no_half_model(
    tiny: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import keras

    def save_half(model: keras.Model, path: Path) -> None:
        Path(path).write_bytes(b"PK\x03\x04 half a zip")
        raise FULL

    monkeypatch.setattr(keras.Model, "save", save_half)
    assert run_headless(Invocation(tiny, tmp_path / "run", True)) == 1
    assert "No space left on device (see " in capsys.readouterr().err
    run = tmp_path / "run"
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"] == "error" and "No space left" in metrics["error"]
    assert metrics["models"]["rnn"]["epochs_done"] == 3  # what training found is not wiped
    assert not (run / "rnn.keras").exists() and _leftovers(run) == []
    assert "forecast.csv" in metrics["files"] and "rnn.keras" not in metrics["files"]


def test_a_display_error_at_the_end_does_not_touch_the_finished_run(tiny: Config, tmp_path: Path) -> None:
    from engine.experiment import run_experiment

    def sink(event: Event) -> None:
        if isinstance(event, RunFinished):  # the metrics table cannot be printed
            raise UnicodeEncodeError("ascii", "—", 0, 1, "ordinal not in range(128)")

    with pytest.raises(UnicodeEncodeError):
        run_experiment(tiny, tmp_path / "run", sink)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["status"] == "finished" and metrics["models"]["rnn"]["epochs_done"] == 3
    assert "rnn.keras" in metrics["files"] and "observations.md" in metrics["files"]


def _cli(args: list[str], cwd: Path, redirections: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The command with some standard streams truly closed (``>&-``), as a shell does it."""
    command = ["sh", "-c", f'exec "$@" {redirections}', "sh", sys.executable, "-m", "tui.cli", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120, env={**os.environ, **env})


@NEEDS_JAX  # streams are the app's, not the backend's: JAX starts in a third of TensorFlow's time
def test_an_ascii_stream_and_a_closed_stderr_change_nothing_that_was_computed(tmp_path: Path) -> None:
    args = ["--headless", *TINY, "--out", "rün", "--backend", "jax"]
    result = _cli(args, tmp_path, "2>&-", PYTHONIOENCODING="ascii")
    assert result.returncode == 0 and "Traceback" not in result.stdout
    assert "finished; artifacts in r?n" in result.stdout  # unencodable characters are replaced
    metrics = json.loads((tmp_path / "rün" / "metrics.json").read_text())
    assert metrics["status"] == "finished" and metrics["models"]["rnn"]["epochs_done"] == 3


@pytest.mark.heavy
def test_a_headless_run_with_stdout_closed_runs_normally(tmp_path: Path) -> None:
    # On TensorFlow, whose C++ side writes to the standard streams itself (a closed fd 1 could be reused).
    result = _cli(["--headless", *TINY, "--out", "run"], tmp_path, ">&-")
    assert result.returncode == 0 and result.stderr == ""
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["status"] == "finished"
    assert (tmp_path / "run" / "history.csv").read_text().count("\n") == 4  # TensorFlow wrote nothing into it


@pytest.mark.parametrize(
    ("redirections", "closed", "told_on"), [(">&-", "stdout", "stderr"), ("2>&-", "stderr", "stdout")]
)
def test_the_tui_refuses_closed_streams_in_one_line(
    redirections: str, closed: str, told_on: str, tmp_path: Path
) -> None:
    result = _cli(TINY, tmp_path, redirections)
    assert result.returncode == 2
    told = getattr(result, told_on)
    assert told.startswith(f"rnnlstm-tui: error: {closed} is closed, so the TUI cannot run; allowed:")
    assert told.count("\n") == 1 and "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "runs").exists()


def test_when_every_model_diverged_forecast_csv_still_has_the_truth(tmp_path: Path) -> None:
    from engine.experiment import run_experiment
    from engine.runs.reader import read_run
    from engine.runs.replay import _previews

    config = Config(
        points=60, window=8, units=8, epochs=2, learning_rate=1e4, models=("rnn",), forecast_every=0, xla=False
    )
    assert run_experiment(config, tmp_path / "run", lambda event: None).status == "diverged"
    lines = (tmp_path / "run" / "forecast.csv").read_text().splitlines()
    assert lines[0] == "index,x,truth,rnn" and len(lines) == 1 + 60 - 8  # a row per forecast step
    assert lines[1].startswith("9,") and all(line.endswith(",") and line.split(",")[2] for line in lines[1:])
    assert _previews(read_run(tmp_path / "run"), ["rnn"]) == []  # reopened: nothing drawn for a diverged model


def test_a_run_stopped_before_its_first_epoch_saves_no_untrained_model(tiny: Config, tmp_path: Path) -> None:
    from engine.experiment import run_experiment
    from engine.report.stop import StopSignal

    stop = StopSignal()
    stop.request()  # a restart that replaced this run before training began
    finished = run_experiment(tiny, tmp_path / "run", lambda event: None, stop)
    assert finished.status == "stopped" and finished.metrics == {}  # no model was even built
    assert not (tmp_path / "run" / "rnn.keras").exists()
    assert "rnn.keras" not in json.loads((tmp_path / "run" / "metrics.json").read_text())["files"]
