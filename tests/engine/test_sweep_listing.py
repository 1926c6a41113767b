"""A sweep folder among run folders: listed as a sweep (what it varies, how far it got), never as a broken
run — in the listings (``--runs``, headless) and in ``--compare`` — and read without TensorFlow.

The folders are made by the engine's own writers with made-up points (tests/helpers/sweep_folders.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers.fake_engine import FakeEngine
from helpers.sweep_folders import made_sweep
from helpers.sweep_helpers import fake_point

from engine.config.config import Config
from engine.report.stop import StopSignal
from engine.runs.reader import compare_report
from engine.sweep.listing import list_folders, read_folder
from engine.sweep.reader import SWEEP_JSON

SMALL = ["--task", "adding", "--sweep", "length=10,25,50", "--seeds", "2", "--epochs", "6"]
RUN = "20260101-000001"
SWEEP = "20260101-000002-sweep"


def make_folders(root: Path) -> tuple[Path, Path]:
    """A run folder (the scripted engine) and a finished sweep of three points beside it."""
    run = root / RUN
    run.mkdir(parents=True)
    FakeEngine()(Config(epochs=4, forecast_every=0), run, lambda event: None, StopSignal())
    made_sweep(root / SWEEP, SMALL, work=fake_point)
    return run, root / SWEEP


def test_a_sweep_is_listed_as_a_sweep_beside_the_runs(tmp_path: Path) -> None:
    make_folders(tmp_path / "runs")
    listed = {entry.name: entry for entry in list_folders(tmp_path / "runs")}
    assert list(listed) == [SWEEP, RUN]  # newest first, as runs are
    sweep, run = listed[SWEEP], listed[RUN]
    assert sweep.sweep == "length=10,25,50 · 3 of 3 points finished"
    assert sweep.problem == ""  # nothing is wrong with it: it is not a run
    assert "rnnlstm-tui" in sweep.refusal and str(tmp_path / "runs" / SWEEP) in sweep.refusal  # how to open it
    assert sweep.task == "adding" and sweep.models == ["rnn", "lstm"]
    assert run.sweep == "" and run.problem == "" and run.task == "damped"


def test_a_sweep_line_counts_only_what_its_run_folders_confirm(tmp_path: Path) -> None:
    path = made_sweep(tmp_path / "s", SMALL, work=fake_point).path
    data = json.loads((path / SWEEP_JSON).read_text())
    data["points"][2]["status"], data["status"] = "pending", "interrupted"
    (path / SWEEP_JSON).write_text(json.dumps(data))
    (path / "02-length-25" / "metrics.json").unlink()  # sweep.json says finished; the folder does not
    assert read_folder(path).sweep == "length=10,25,50 · 1 of 3 points finished, 1 failed · interrupted"
    pending = made_sweep(tmp_path / "p", ["--sweep", "lr=1e-4..1e-1/10", "--epochs", "2"], work=None).path
    assert read_folder(pending).sweep == "lr=0.0001,0.0002154,…,0.1 (10 values) · 0 of 10 points finished · running"
    (path / SWEEP_JSON).write_text("{garbage")  # listed with what is wrong, and refused as the command refuses it
    damaged = read_folder(path)
    assert damaged.sweep == damaged.problem == damaged.refusal == "sweep.json: cannot be read (JSONDecodeError)"


def test_compare_names_a_sweep_as_a_sweep_not_as_a_run_with_nothing_recorded(tmp_path: Path) -> None:
    run, sweep = make_folders(tmp_path / "runs")
    report = compare_report([read_folder(sweep), read_folder(run)])
    assert "not a run folder" not in report and "(not recorded)" not in report
    assert f"- {SWEEP}: sweep: length=10,25,50 · 3 of 3 points finished" in report
    assert report.startswith(f"Runs: {run}\n")
    alone = compare_report([read_folder(sweep)])
    assert "One run" not in alone and "| run | model |" not in alone  # no empty tables for no run
    twice = compare_report([read_folder(sweep), read_folder(sweep)])
    assert f"are the same sweep ({sweep.resolve()}): listed once." in twice and "same run" not in twice


def test_the_command_line_lists_and_compares_a_sweep_without_tensorflow(tmp_path: Path) -> None:
    run, sweep = make_folders(tmp_path / "runs")
    probe = f"""
import sys
from tui.cli import main
main(["--headless", "--runs", {str(tmp_path / "runs")!r}])
print("----")
main(["--compare", {str(sweep)!r}, {str(run)!r}])
print("----", "tensorflow" in sys.modules, "keras" in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    listing, compared, loaded = result.stdout.split("----")
    for said in (listing, compared):
        assert f"- {SWEEP}: sweep: length=10,25,50 · 3 of 3 points finished" in said
        assert "not a run folder" not in said
    assert "| units |" not in listing and f"| {RUN} | rnn | finished |" in listing
    assert loaded.split() == ["False", "False"]
