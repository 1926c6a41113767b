"""Real sweeps, tiny: on local workers (the folder, its tables, each point a run folder), on a local Ray (the
same numbers), killed with SIGKILL mid-sweep and resumed (the same sweep.csv).

On JAX: its compile cache makes every point after the first a second or two, where TensorFlow takes ten
or more on 2 cores; what is tested is the sweep's machinery, which is the same on both backends (the
parity and resume were also tried by hand on TensorFlow: identical numbers, engine/sweep/README.md).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers.core_backend import NEEDS_JAX

from engine.cli import parse_invocation
from engine.runs.reader import read_run
from engine.sweep.events import PointEnded, PointRetried, SweepEvent
from engine.sweep.folder import SweepFolder
from engine.sweep.headless import prepare
from engine.sweep.reader import SWEEP_JSON, read_sweep
from engine.sweep.runner import run_sweep

pytestmark = [NEEDS_JAX, pytest.mark.heavy]


def ignore(event: SweepEvent) -> None:
    """A sink for a sweep whose events the test does not look at."""


GRID = ["--sweep", "units=3,4", "--sweep", "lr=0.01,0.1", "--seeds", "2"]
TINY = ["--epochs", "2", "--points", "30", "--window", "5", "--forecast-every", "0", "--no-inside", "--backend", "jax"]
COMMAND = [sys.executable, "-m", "tui.cli", "--headless"]


def figures(path: Path) -> list[dict[str, str]]:
    """``sweep.csv`` without its seconds: every number a rerun must reproduce, and nothing else."""
    rows = csv.DictReader(io.StringIO((path / "sweep.csv").read_text()))
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 2×2 sweep on two local workers, uninterrupted: what the other sweeps must reproduce."""
    path = tmp_path_factory.mktemp("reference") / "sweep"
    done = subprocess.run(
        [*COMMAND, *GRID, *TINY, "--workers", "2", "--out", str(path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return path


def test_a_2x2_sweep_on_local_workers_leaves_a_run_folder_per_point_and_its_tables(reference: Path) -> None:
    info = read_sweep(reference)
    assert info.status == "finished" and [p.status for p in info.points] == ["finished"] * 4
    for point in info.points:
        run = read_run(point.path)  # a normal run folder: --open, --runs and --compare read it
        assert run.problem == "" and run.status == "finished" and run.config["units"] == point.values["units"]
        assert (point.path / "history.csv").is_file()
    rows = figures(reference)
    assert len(rows) == 4 * 2 * 2  # points × models × seeds
    assert all(float(r["final_val_loss"]) > 0 and r["epochs_done"] == "2" for r in rows)
    markdown = (reference / "sweep.md").read_text()
    assert "| 4 | 4 | 0.1 | finished |" in markdown and "## Lesson" in markdown
    shown = subprocess.run([*COMMAND, "--open", str(reference)], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and "Lesson: With lr = 0.01:" in shown.stdout


def test_a_sweep_killed_mid_way_resumes_to_the_same_sweep_csv(reference: Path, tmp_path: Path) -> None:
    path = tmp_path / "sweep"
    process = subprocess.Popen(
        [*COMMAND, *GRID, *TINY, "--workers", "1", "--out", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the kill takes the driver and its worker at once
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:  # until the first point is finished, then kill -9 everything
        said = json.loads((path / SWEEP_JSON).read_text()) if (path / SWEEP_JSON).exists() else {"points": []}
        if any(p["status"] == "finished" for p in said["points"]):
            break
        assert process.poll() is None, "the sweep ended before it could be killed"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    killed = read_sweep(path)
    assert 1 <= len(killed.finished) < 4 and killed.status == "running"  # it claims no more than finished
    resumed = subprocess.run([*COMMAND, "--resume", str(path)], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming:" in resumed.stdout
    assert figures(path) == figures(reference)
    assert len(json.loads((path / SWEEP_JSON).read_text())["sessions"]) == 2


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="Ray not installed (the ray extra)")
def test_ray_gives_the_numbers_of_local_workers_and_a_dead_worker_is_retried_once(
    reference: Path, tmp_path: Path
) -> None:
    """One Ray start for both halves. Tolerance: none — the same program on the same machine gives the same
    bits whichever process runs it (a cluster of other CPUs could differ in the last digits)."""
    import ray
    from helpers import sweep_helpers

    from engine.sweep.ray_runner import RayPool

    tests = str(Path(__file__).resolve().parents[1])  # so Ray's workers can load helpers.sweep_helpers
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": {"PYTHONPATH": tests}})
    try:
        invocation = parse_invocation([*GRID, *TINY, "--out", str(tmp_path / "ray")])
        plan = prepare(invocation).plan
        folder = SweepFolder.create(tmp_path / "ray", plan, [])
        status = run_sweep(folder, plan, RayPool("auto"), ignore, threading.Event(), folder.to_do(), remote=True)
        assert status == "finished"
        assert figures(folder.path) == figures(reference)
        assert read_run(folder.point_path(0)).status == "finished"  # its files came back whole

        invocation = parse_invocation(["--task", "adding", "--sweep", "length=10", "--out", str(tmp_path / "d")])
        plan = prepare(invocation).plan
        folder = SweepFolder.create(tmp_path / "d", plan, [])
        events: list[SweepEvent] = []
        pool = RayPool("auto", work=sweep_helpers.dying_point)
        assert run_sweep(folder, plan, pool, events.append, threading.Event(), folder.to_do(), remote=True) == (
            "incomplete"
        )
        assert [e.index for e in events if isinstance(e, PointRetried)] == [0]  # one point: each death costs a start
        ended = [(e.status, e.error) for e in events if isinstance(e, PointEnded)]
        assert ended == [("failed", "its worker process died, 2 times")]
    finally:
        ray.shutdown()
