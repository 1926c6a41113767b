"""``--backend``: the engine's core tests on JAX, and what is refused where a backend cannot run."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.core_backend import NEEDS_JAX

from engine.cli import UsageError, parse_invocation
from engine.config.config import Config, ConfigError
from engine.train.runtime import DeviceError, select_backend

ROOT = Path(__file__).resolve().parents[2]


@NEEDS_JAX
@pytest.mark.heavy
def test_the_core_engine_tests_pass_on_jax() -> None:
    # The same tests (parity with fit — also for a GRU with Adam, and the text task —, reproducibility,
    # divergence, stopping, forecast alignment, a model file saved by TensorFlow, replicas, minGRU and minLSTM), in
    # a process whose Keras runs on JAX.
    command = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-m", "core", "-p", "no:cacheprovider"]
    files = ["tests/e2e/test_engine_training.py", "tests/e2e/test_engine_forecast.py", "tests/e2e/test_replicas.py"]
    files.append("tests/e2e/test_min_models.py")  # minGRU, minLSTM: scan = loop, a .keras file, replica = fit
    files.append("tests/e2e/test_initial_weights.py")  # kept initial weights: the drawn ones, nothing lowered again
    env = {**os.environ, "RNNLSTM_TEST_BACKEND": "jax"}
    result = subprocess.run([*command, *files], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "20 passed" in result.stdout


def test_a_backend_that_is_not_installed_is_refused_before_anything_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jax" else real(name, *a))
    with pytest.raises(UsageError) as refused:
        parse_invocation(["--headless", "--backend", "jax"])
    assert str(refused.value) == (
        "--backend jax: jax not installed; install with pip install 'rnnlstm-tui[jax]', or use --backend tensorflow"
    )
    with pytest.raises(UsageError, match="--backend torch: not allowed; allowed: one of tensorflow, jax"):
        parse_invocation(["--backend", "torch"])


def test_the_keras_trainer_is_refused_on_jax() -> None:
    with pytest.raises(ConfigError) as refused:
        Config(backend="jax", trainer="keras").validate()
    assert "drives TensorFlow itself; allowed: fast or fit with --backend jax" in str(refused.value)
    Config(backend="jax", trainer="fit").validate()


@pytest.mark.keras_in_process
def test_keras_loaded_on_one_backend_is_not_switched_under_a_run() -> None:
    import keras  # this process's Keras: TensorFlow

    assert keras.backend.backend() == "tensorflow"
    select_backend("tensorflow")
    with pytest.raises(DeviceError, match="already loaded on tensorflow in this process; allowed: tensorflow"):
        select_backend("jax")


def test_the_benchmark_table_compares_every_row_with_the_notebook_script_and_the_peer() -> None:
    from engine.bench.backends import backends_table

    rows = {
        "notebook": {"whole_s": 180.0, "peak_rss_mb": 600.0},
        "peer": {"whole_s": 18.0, "peak_rss_mb": 400.0},
        "jax": {
            "whole_s": 6.0,
            "peak_rss_mb": 450.0,
            "first_epoch_s": {"rnn": 1.5, "lstm": 2.0},
            "milestones_s": {"built": 1.25, "trained": 5.5},
            "code": 0,
        },
        "tensorflow": {"whole_s": 9.0, "peak_rss_mb": 900.0, "first_epoch_s": {}, "code": 1},
    }
    table = "\n".join(backends_table(rows, Config(epochs=1000)))
    assert "| ours, JAX | 6.0 | 30.0× | 3.0× | rnn 1.50 / lstm 2.00 | 450 |" in table
    assert "| peer: Keras `fit` on JAX (no forecast) | 18.0 | 10.0× | — | — | 400 |" in table
    assert "| ours, TensorFlow — **failed, exit 1** | 9.0 |" in table
    assert "| the notebook's script: TensorFlow `fit`, `predict()` per forecast step | 180.0 | 1.0× | — |" in table
    assert "seed script" not in table and "A `--seeds 8` row trains 8× the models" in table
    went = "- ours, JAX: loading Python, Keras and its backend, data and models 1.25 · tracing, compiling and every "
    assert went + "model's first epoch 0.75 · the other epochs 3.50 · forecasts, files, exit 0.50" in table
    assert "- ours, TensorFlow:" not in table  # no milestones read: nothing said
