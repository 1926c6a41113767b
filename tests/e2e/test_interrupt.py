"""Signals on a headless run: training stops, the folder is complete, the exit code says why."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.core_backend import NEEDS_JAX

from engine.bench.startup import COMPILE_OFFSET
from engine.report.stop import SIGNAL_EXIT_CODES

QUICK = ("--no-inside", "--no-xla", "--out", "run")
"""The gates and gradients are not what these tests are about (computing them at the end costs a second), nor is
XLA's compile (a second or two on TensorFlow; JAX always compiles with XLA)."""


# The signals are the engine's to handle, whatever the backend: TensorFlow for one, JAX (which starts in a
# third of the time) for the other. SIGTERM takes the same handler and table (engine.report.stop.SIGNAL_EXIT_CODES)
# as SIGHUP, which stands for both; test_the_signals_that_interrupt_a_run_and_their_exit_codes names all three.
@pytest.mark.parametrize(
    ("signum", "exit_code", "backend"),
    [
        pytest.param(signal.SIGINT, 130, "tensorflow", marks=pytest.mark.heavy),
        pytest.param(signal.SIGHUP, 129, "jax", marks=NEEDS_JAX),
    ],
)
def test_signal_mid_run_keeps_every_finished_epoch(tmp_path: Path, signum: int, exit_code: int, backend: str) -> None:
    target_epoch = random.randint(2, 30)
    options = ["--models", "lstm", "--epochs", "100000", "--backend", backend, *QUICK]
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "--headless", *options],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    # Wait on the run's own progress lines (one a second) until it is past the chosen epoch.
    for line in process.stdout:
        if "/100000" in line and int(line.split("lstm")[1].split("/")[0]) >= target_epoch:
            break
    sent = time.perf_counter()
    process.send_signal(signum)
    rest = process.stdout.read()
    assert process.wait(timeout=30) == exit_code
    assert time.perf_counter() - sent < 2.0

    run = tmp_path / "run"
    metrics = json.loads((run / "metrics.json").read_text())
    epochs_done = metrics["models"]["lstm"]["epochs_done"]
    assert metrics["status"] == "interrupted" and epochs_done >= target_epoch
    text = (run / "history.csv").read_text()
    assert text.endswith("\n")  # no torn last line
    rows = list(csv.DictReader(text.splitlines()))
    assert [int(r["epoch"]) for r in rows] == list(range(1, epochs_done + 1))
    assert json.loads((run / "config.json").read_text())["epochs"] == 100000
    assert f"interrupted at epoch {epochs_done}" in rest


def test_the_signals_that_interrupt_a_run_and_their_exit_codes() -> None:
    assert SIGNAL_EXIT_CODES == {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}  # 128 + N


@pytest.mark.heavy
def test_a_signal_while_compiling_ends_the_process_and_leaves_a_consistent_folder(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "--headless", "--epochs", "1000000", "--out", "run"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},  # an empty compile cache: a real compile
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.rstrip().endswith("] training"):  # the models are built; their epochs compile next
            break
    time.sleep(COMPILE_OFFSET)  # not a wait for a result: the moment to send at, inside the 1-3 s compile
    sent = time.perf_counter()
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=60)  # a million epochs: only the signal can end it this soon
    assert process.returncode == 130
    assert time.perf_counter() - sent < 2.5, errors
    run = tmp_path / "run"
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"] == "interrupted"
    assert "metrics.json" not in metrics["files"] and "config.json" in metrics["files"]
    assert not list(run.glob(".*.tmp"))  # no write left half-done
    text = (run / "history.csv").read_text()
    assert text.endswith("\n") and "Traceback" not in errors
