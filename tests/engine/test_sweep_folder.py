"""A sweep on local worker processes, its folder and its tables, resume and dead workers — with made-up
points (tests/helpers/sweep_helpers.py), so no TensorFlow loads; tests/e2e/test_sweep_runs.py trains."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import threading
import time
from pathlib import Path

import pytest
from helpers.sweep_helpers import Inline, dying_point, fake_point, slow_point

from engine.cli import parse_invocation
from engine.runs.detached import describe, write_record
from engine.sweep.events import PointEnded, PointRetried, PointStarted, SweepEvent
from engine.sweep.folder import SweepFolder
from engine.sweep.grid import SweepError
from engine.sweep.headless import SweepPrinter, prepare, report_text
from engine.sweep.local import LocalPool
from engine.sweep.plan import Plan
from engine.sweep.reader import SWEEP_JSON, read_sweep
from engine.sweep.runner import run_sweep
from engine.sweep.worker import Work


def ignore(event: SweepEvent) -> None:
    """A sink for a sweep whose events the test does not look at."""


GRID = ["--task", "adding", "--sweep", "length=10,100", "--sweep", "lr=0.001,0.01", "--seeds", "3"]


def start(path: Path, args: list[str]) -> tuple[SweepFolder, Plan]:
    invocation = parse_invocation([*args, "--out", str(path)])
    plan = prepare(invocation).plan
    assert invocation.sweep is not None
    return SweepFolder.create(path, plan, list(invocation.sweep.argv)), plan


def sweep(
    folder: SweepFolder, plan: Plan, work: Work, events: list[SweepEvent], stop: threading.Event | None = None
) -> str:
    return run_sweep(folder, plan, LocalPool(2, work=work), events.append, stop or threading.Event(), folder.to_do())


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((path / "sweep.csv").read_text())))


def test_a_2x2_sweep_writes_a_run_folder_per_point_and_its_tables(tmp_path: Path) -> None:
    folder, plan = start(tmp_path / "s", GRID)
    events: list[SweepEvent] = []
    assert sweep(folder, plan, fake_point, events) == "finished"
    path = folder.path
    assert sorted(p.name for p in path.iterdir() if p.is_dir()) == [
        "01-length-10_lr-0.001",
        "02-length-10_lr-0.01",
        "03-length-100_lr-0.001",
        "04-length-100_lr-0.01",
    ]
    said = json.loads((path / SWEEP_JSON).read_text())
    assert said["status"] == "finished" and said["command"][-2:] == ["--out", str(path)]
    assert [p["status"] for p in said["points"]] == ["finished"] * 4
    assert [a["name"] for a in said["axes"]] == ["length", "learning_rate"]
    table = rows(path)
    assert len(table) == 4 * 2 * 3  # points × models × seeds, in grid order
    assert [r["point"] for r in table[::6]] == ["1", "2", "3", "4"]
    assert table[0] | {"seconds": ""} == {
        "point": "1",
        "dir": "01-length-10_lr-0.001",
        "length": "10",
        "learning_rate": "0.001",
        "model": "rnn",
        "seed": "0",
        "status": "finished",
        "epochs_done": "60",
        "final_val_loss": repr(10 * 0.001 * 1e-2),
        "best_val_loss": repr(10 * 0.001 * 1e-2 * 0.9),
        "best_epoch": "59",
        "solved_epoch": "7",
        "forecast_rmse": repr((10 * 0.001 * 1e-2) ** 0.5),
        "seconds": "",
    }
    markdown = (path / "sweep.md").read_text()
    assert "Points 1, 2; 3, 4 differ only in the learning rate and trained together" in markdown  # their seconds
    assert read_sweep(path).packs == [[0, 1], [2, 3]]
    assert "| 4 | 100 | 0.01 | finished | 1.010e-02 | 0 of 3 | 5.050e-04 | 3 of 3 | LSTM lower |" in markdown
    lesson = "With lr = 0.01: SimpleRNN solves the adding problem up to T = 10 (3 of 3 seeds) and fails from T = 100"
    assert lesson in markdown
    assert [type(e).__name__ for e in events].count("PointEnded") == 4 and type(events[-1]).__name__ == "SweepEnded"


def test_a_point_whose_worker_dies_is_retried_once_then_failed_and_the_sweep_goes_on(tmp_path: Path) -> None:
    folder, plan = start(tmp_path / "s", ["--task", "adding", "--sweep", "length=10,25,50"])
    events: list[SweepEvent] = []
    assert sweep(folder, plan, dying_point, events) == "incomplete"
    retried = sorted(e.index for e in events if isinstance(e, PointRetried))
    ended = {e.index: (e.status, e.error) for e in events if isinstance(e, PointEnded)}
    assert retried == [0, 1, 2]  # every first attempt died
    assert ended[0] == ("failed", "its worker process died (exit code 9), 2 times")
    assert ended[1][0] == ended[2][0] == "finished"  # their second attempt lived
    info = read_sweep(folder.path)
    assert [(p.status, p.attempts) for p in info.points] == [("failed", 2), ("finished", 2), ("finished", 2)]
    assert {r["point"] for r in rows(folder.path)} == {"2", "3"}  # the failed point claims no row


def test_a_stop_cancels_running_points_at_once_and_resume_ends_with_the_same_tables(tmp_path: Path) -> None:
    whole, plan = start(tmp_path / "whole", GRID)
    run_sweep(whole, plan, Inline(), ignore, threading.Event(), whole.to_do())
    folder, plan = start(tmp_path / "cut", GRID)
    stop = threading.Event()
    events: list[SweepEvent] = []
    asked: list[float] = []

    def stop_when_both_run(event: SweepEvent) -> None:
        events.append(event)
        if sum(isinstance(e, PointStarted) for e in events) == 2:
            asked.append(time.monotonic())
            stop.set()

    # One worker: the first pack (T = 10, both learning rates: they train as one) runs, the second waits.
    status = run_sweep(folder, plan, LocalPool(1, work=slow_point), stop_when_both_run, stop, folder.to_do())
    assert status == "interrupted" and time.monotonic() - asked[0] < 2  # the points train for a minute each
    said = json.loads((folder.path / SWEEP_JSON).read_text())
    assert [p["status"] for p in said["points"]] == ["interrupted", "interrupted", "pending", "pending"]
    assert rows(folder.path) == []  # nothing finished, nothing claimed
    resumed, _, _ = SweepFolder.reopen(folder.path)
    assert resumed.to_do() == [0, 1, 2, 3]
    assert sweep(resumed, plan, fake_point, []) == "finished"
    strip = [{k: v for k, v in row.items() if k != "seconds"} for row in rows(resumed.path)]
    assert strip == [{k: v for k, v in row.items() if k != "seconds"} for row in rows(whole.path)]
    assert len(json.loads((folder.path / SWEEP_JSON).read_text())["sessions"]) == 0  # begin() is headless's


def test_resume_skips_finished_points_and_reruns_one_whose_folder_is_not_complete(tmp_path: Path) -> None:
    folder, plan = start(tmp_path / "s", GRID)
    run_sweep(folder, plan, Inline(), ignore, threading.Event(), folder.to_do())
    (folder.point_path(1) / "metrics.json").write_text('{"status": "running"}')  # killed while it wrote
    resumed, _, _ = SweepFolder.reopen(folder.path)
    assert resumed.to_do() == [1]
    assert read_sweep(folder.path).points[1].status == "failed"  # sweep.json's claim is not believed
    assert {r["point"] for r in rows(folder.path)} == {"1", "2", "3", "4"}  # not remade yet
    events: list[SweepEvent] = []
    run_sweep(resumed, plan, Inline(), events.append, threading.Event(), resumed.to_do())
    assert [e.index for e in events if isinstance(e, PointStarted)] == [1]
    assert len(rows(folder.path)) == 24


def test_a_damaged_sweep_folder_reads_as_a_problem_not_an_exception(tmp_path: Path) -> None:
    (tmp_path / SWEEP_JSON).write_text("{not json")
    assert "cannot be read" in read_sweep(tmp_path).problem
    (tmp_path / SWEEP_JSON).write_text('{"points": [{"index": 0, "dir": "../x", "status": "finished"}], "axes": 3}')
    info = read_sweep(tmp_path)
    assert info.problem == "" and info.finished[0].rows == []  # a folder outside the sweep is never read
    assert "point" in report_text(info)


def test_headless_lines_name_each_finished_point_with_its_figures(tmp_path: Path) -> None:
    folder, plan = start(tmp_path / "s", ["--task", "adding", "--sweep", "length=10,100", "--seeds", "3"])
    out = io.StringIO()
    run_sweep(folder, plan, Inline(), ignore, threading.Event(), folder.to_do())
    printer = SweepPrinter(out, plan, folder.path)
    printer(PointEnded(1, "finished", "", 12.5))
    printer(PointEnded(0, "failed", "ValueError: bad data", 1.0))
    lines = out.getvalue().splitlines()
    assert lines[0].endswith(
        "point 2/2 length=100 finished in 12.5 s: SimpleRNN 5.050e-03 (solved 3 of 3), LSTM 2.525e-04 (solved 3 of 3)"
    )
    assert lines[1].endswith("point 1/2 length=10 failed: ValueError: bad data")


def test_a_detached_sweep_whose_process_died_reads_as_interrupted_and_resumes(tmp_path: Path) -> None:
    folder, _ = start(tmp_path / "s", ["--task", "adding", "--sweep", "length=10,25"])
    folder.started(0, 1)
    process = subprocess.Popen(["sleep", "60"])
    write_record(folder.path, describe(process.pid, "sweep"))
    assert read_sweep(folder.path).status == "running"  # its process lives
    process.kill()
    process.wait()
    info = read_sweep(folder.path)  # killed before it could say so
    assert info.gone and info.status == "interrupted"
    assert [p.status for p in info.points] == ["interrupted", "pending"]
    resumed, _, _ = SweepFolder.reopen(folder.path)
    assert resumed.to_do() == [0, 1]


def test_resume_refuses_a_sweep_whose_driver_still_runs(tmp_path: Path) -> None:
    folder, _ = start(tmp_path / "s", ["--task", "adding", "--sweep", "length=10,25"])
    folder.begin("local", 2, ["rnnlstm-tui"])  # this process drives it, and lives
    with pytest.raises(SweepError, match=r"--resume .*: the sweep is still running \(process \d+\); allowed: "):
        SweepFolder.reopen(folder.path)
    before = (folder.path / SWEEP_JSON).read_bytes()
    folder.close("interrupted")  # its driver stopped it: a second one may take over
    resumed, _, _ = SweepFolder.reopen(folder.path)
    assert resumed.to_do() == [0, 1] and before != (folder.path / SWEEP_JSON).read_bytes()
    # A session recorded by a driver that is gone (pid reused, or killed before it could say so) does not hold it.
    state = json.loads((folder.path / SWEEP_JSON).read_text())
    state["status"] = "running"
    state["sessions"][-1]["process"] |= {"started": -1}
    (folder.path / SWEEP_JSON).write_text(json.dumps(state))
    assert SweepFolder.reopen(folder.path)[0].to_do() == [0, 1]
