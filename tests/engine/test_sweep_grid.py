"""``--sweep``: what it means, and every bad value named in one line before anything loads (no TensorFlow)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import UsageError, parse_invocation
from engine.sweep.grid import MAX_POINTS, SweepError, parse_axis, spaced
from engine.sweep.headless import prepare
from engine.sweep.plan import Plan, make_plan, pack_jobs


def plan_of(*args: str) -> Plan:
    return prepare(parse_invocation(list(args))).plan


def test_a_list_and_a_grid_become_points_in_grid_order() -> None:
    plan = plan_of("--task", "adding", "--sweep", "length=10,25", "--sweep", "lr=1e-3,0.01", "--seeds", "3")
    assert [p.values for p in plan.points] == [
        {"length": 10, "learning_rate": 0.001},
        {"length": 10, "learning_rate": 0.01},
        {"length": 25, "learning_rate": 0.001},
        {"length": 25, "learning_rate": 0.01},
    ]
    assert [p.name for p in plan.points][:2] == ["01-length-10_lr-0.001", "02-length-10_lr-0.01"]
    first = plan.points[0].config
    assert (first.length, first.learning_rate, first.seeds, first.optimizer) == (10, 0.001, 3, "adam")  # task defaults
    assert plan.trainings == 4 * 3 * 2
    said = " ".join(plan.lines())
    assert "2 × 2 = 4 points (length = 10, 25; lr = 0.001, 0.01) × 3 seeds × 2 models = 24 trainings" in said
    assert "peak memory about" in said


def test_points_that_differ_only_in_the_learning_rate_train_as_packs_fixed_by_the_grid() -> None:
    grid = plan_of("--task", "adding", "--sweep", "length=10,25", "--sweep", "lr=1e-3,0.01,0.1", "--seeds", "3")
    assert grid.packs == ((0, 1, 2), (3, 4, 5))  # per length: its three learning rates together
    assert "2 packs of 3, 3 points" in " ".join(grid.lines())
    assert grid.workers <= 2  # as many workers as packs at most
    # A pack trains whole: resuming with its first point finished still trains it, unwritten, in the same pack.
    assert pack_jobs(grid, [4, 1, 2]) == [(3, 4, 5), (0, 1, 2)]
    assert plan_of("--sweep", "units=8,16").packs == ((0,), (1,))  # other shapes: a point each
    assert plan_of("--sweep", "lr=0.01,0.1", "--trainer", "keras").packs == ((0,), (1,))  # one Keras model a run
    many = plan_of("--sweep", "lr=1e-4..1e-1/5", "--seeds", "30")  # at most 64 replicas of a model in a pack
    assert many.packs == ((0, 1), (2, 3), (4,))
    packed = plan_of("--sweep", "lr=0.001,0.01,0.1", "--workers", "1")
    assert packed.seconds < plan_of("--sweep", "lr=0.001,0.01,0.1", "--workers", "1", "--trainer", "keras").seconds


def test_ranges_are_log_spaced_across_a_decade_and_linear_otherwise() -> None:
    assert [p.config.learning_rate for p in plan_of("--sweep", "lr=1e-4..1e-1/4").points] == [1e-4, 1e-3, 1e-2, 0.1]
    assert [p.config.noise for p in plan_of("--sweep", "noise=0..0.3/4").points] == [0.0, 0.1, 0.2, 0.3]
    assert [p.config.units for p in plan_of("--sweep", "units=8..128/5").points] == [8, 16, 32, 64, 128]
    assert spaced(0.01, 0.1, 4, "lin") == [0.01, 0.04, 0.07, 0.1]
    assert spaced(2, 8, 3, "log") == [2.0, 4.0, 8.0]


def test_names_may_be_the_flag_or_the_field_and_choices_are_swept() -> None:
    assert [p.config.batch_size for p in plan_of("--sweep", "batch_size=5,10").points] == [5, 10]
    assert [p.config.optimizer for p in plan_of("--sweep", "optimizer=SGD,adam").points] == ["sgd", "adam"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--task", "adding", "--sweep", "length=3"],
            "--sweep length=3: not allowed; allowed: an integer from 4 to 1000",
        ),
        (
            ["--task", "adding", "--sweep", "length=10,1.5"],
            "--sweep length=1.5: not a whole number; allowed: an integer",
        ),
        (["--sweep", "lr=0.1,-1"], "--sweep lr=-1: not allowed; allowed: a finite number greater than 0"),
        (["--sweep", "lr=nan"], "--sweep lr=nan: not finite"),
        (["--sweep", "optimizer=sgd,rmsprop"], "--sweep optimizer=rmsprop: not allowed; allowed: one of sgd, adam"),
        (["--sweep", "colour=1,2"], "--sweep colour=1,2: unknown setting 'colour'; allowed: one of epochs, window"),
        (["--sweep", "length=10,20"], "--sweep length=10,20: not used by task damped; allowed: only with task adding"),
        (["--task", "adding", "--sweep", "tau=1,2"], "not used by task adding; allowed: only with task damped"),
        (["--sweep", "lr="], "--sweep lr=: no values; allowed: NAME=V1,V2,… or NAME=A..B/N"),
        (["--sweep", "lr"], "--sweep lr: no NAME=values"),
        (["--sweep", "lr=0.1,,0.2"], "--sweep lr=0.1,,0.2: an empty value"),
        (["--sweep", "lr=0.1,0.1"], "--sweep lr=0.1,0.1: 0.1 is given twice; allowed: distinct values"),
        (["--sweep", "lr=1e-3,0.001"], "0.001 is given twice"),
        (["--sweep", "units=8..10/5"], "--sweep units=8..10/5: gives 8 twice once rounded"),
        (["--sweep", "lr=-1..1/3log"], "a log range needs positive ends"),
        (["--sweep", "lr=1..1/3"], "the range is empty"),
        (["--sweep", "lr=0.1..1/1"], "1 values; allowed: a range of 2 to 50 values"),
        (["--sweep", "optimizer=a..b/2"], "a range of choices; allowed: optimizer=V1,V2,…"),
        (["--sweep", "seeds=1,2"], "--sweep seeds=1,2: seeds is not swept (--seeds N applies to every point)"),
        (["--sweep", "models=rnn,lstm"], "models is not swept"),
        (["--sweep", "csv=a.csv"], "csv is not swept (a file is not swept)"),
        (["--lr", "0.1", "--sweep", "lr=0.1,0.2"], "--sweep lr=0.1,0.2: --lr is also given"),
        (["--sweep", "lr=0.1,0.2", "--sweep", "learning_rate=1,2"], "--sweep learning_rate: swept twice"),
        (
            ["--sweep", "lr=1,2", "--sweep", "units=1,2", "--sweep", "epochs=1,2"],
            "given 3 times; allowed: once or twice",
        ),
        (
            ["--sweep", "units=1..50/50lin", "--sweep", "epochs=1..50/11lin"],
            f"50 × 11 = 550 points; allowed: at most {MAX_POINTS}",
        ),
        (
            ["--sweep", "points=10,200"],
            "--sweep points=10: then --window 20: not allowed; allowed: an integer from 1 to",
        ),
        (["--sweep", "units=8,16", "--workers", "0"], "--workers 0: not allowed; allowed: an integer from 1 to 64"),
        (["--sweep", "units=8,16", "--workers", "two"], "--workers two: not allowed"),
        (["--sweep", "units=8,16", "--ray", "not an address"], "--ray not an address: not an address; allowed: auto"),
    ],
)
def test_every_bad_sweep_is_named_in_one_line(args: list[str], expected: str) -> None:
    with pytest.raises(SweepError) as caught:
        prepare(parse_invocation(args))
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--workers", "2"], "--workers: only with --sweep or --resume"),
        (["--ray", "auto"], "--ray: only with --sweep or --resume"),
        (["--sweep", "lr=0.1,0.2", "--runs", "."], "--sweep: not with --open, --runs or --compare"),
    ],
)
def test_sweep_options_where_they_mean_nothing_are_refused(args: list[str], expected: str) -> None:
    with pytest.raises(UsageError, match=expected):
        parse_invocation(args)


def test_resume_takes_no_settings_and_needs_a_sweep_folder(tmp_path: Path) -> None:
    with pytest.raises(SweepError, match="the sweep keeps its own settings"):
        prepare(parse_invocation(["--resume", str(tmp_path), "--lr", "0.1"]))
    with pytest.raises(SweepError, match=r"not a sweep folder \(no sweep.json\); allowed: a sweep folder"):
        prepare(parse_invocation(["--resume", str(tmp_path)]))


def test_a_grid_whose_point_cannot_fit_in_memory_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    base = parse_invocation([]).config
    axes = (parse_axis("units=40,4096", base),)
    monkeypatch.setattr("engine.sweep.plan.available_mb", lambda: 8000.0)
    with pytest.raises(SweepError, match=r"the largest point needs about .* GB, but 7.8 GB is free"):
        make_plan(base.replace(seeds=8), axes, None)
    fits = make_plan(base, axes[:1], None)  # default workers: as many as the memory holds, at most the cores
    assert fits.workers >= 1
    with pytest.raises(SweepError, match="--workers 40: each may need about"):
        make_plan(base, axes, 40)


def test_the_command_line_refuses_a_bad_sweep_with_exit_2_before_anything_is_written(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tui.cli", "--headless", "--task", "adding", "--sweep", "length=3,10"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == ("rnnlstm-tui: error: --sweep length=3: not allowed; allowed: an integer from 4 to 1000\n")
    assert not (tmp_path / "runs").exists()
