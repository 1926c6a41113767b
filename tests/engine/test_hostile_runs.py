"""Saved run folders as a hostile user leaves them (issue 30, items 2, 6 and 7), read by every engine path.

For every setting, many values of the wrong type or range are written into a run's ``config.json``;
for every value in ``metrics.json``, wrong ones replace it; history and forecast files are damaged,
extended with NUL bytes or made huge. Listing, reading, replaying (the engine's contract) and comparing
must never raise; a wrong setting must be named with its key, its value as saved and what is allowed.
"""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from helpers.saved_runs import SETTING_NAMES, copy_run, make_run, make_seeded_run, random_json, write_json, wrong_values

from engine.config.config import SETTING
from engine.report.events import EpochReport, Phase, RunFinished, Stage
from engine.report.metrics import metric_cells
from engine.report.stop import StopSignal
from engine.report.verdicts import seeds_text
from engine.runs.history import read_history, val_curves
from engine.runs.reader import NOT_ALLOWED, NOT_RECORDED, compare_report, config_diff, list_runs, read_run
from engine.runs.replay import config_of, replay_run


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A one-seed run and a three-seed run, written once and copied for each damage."""
    root = tmp_path_factory.mktemp("templates")
    return {"one": make_run(root / "one"), "seeds": make_seeded_run(root / "seeds")}


def replay(folder: Path) -> tuple[list[object], RunFinished]:
    """Every event the engine's replay of ``folder`` sends, and its result; what the app's screens are fed."""
    events: list[object] = []
    finished = replay_run(config_of(read_run(folder)), folder, events.append, StopSignal())
    for model, entry in finished.metrics.items():  # what the Metrics tab and the headless table make of them
        metric_cells(model, entry)
    seeds_text(finished.metrics, "damped", finished.verdicts)
    return events, finished


@pytest.mark.parametrize("key", SETTING_NAMES)
def test_every_setting_saved_with_a_wrong_value_is_named_and_nothing_raises(
    key: str, templates: dict[str, Path], tmp_path: Path
) -> None:
    rng = random.Random(f"issue 30 {key}")
    good = read_run(templates["one"])
    for n, value in enumerate(wrong_values(SETTING[key], rng)):
        folder = copy_run(templates["one"], tmp_path / "runs" / f"{n}")
        config = json.loads((folder / "config.json").read_text())
        write_json(folder / "config.json", {**config, key: value})
        run = read_run(folder)
        said = f"{key} = {value!r:.60}"
        assert run.refusal.startswith(f"config.json: {key} ") and "allowed: " in run.refusal, said
        assert key in run.bad and key not in run.config and run.problem.startswith(run.refusal), said
        assert [r.problem for r in list_runs(tmp_path / "runs") if r.name == f"{n}"] == [run.problem], said
        report = compare_report([good, run])
        assert f"| {SETTING[key].label} |" in report and NOT_ALLOWED in report and run.refusal in report, said
        events, finished = replay(folder)  # the app refuses to show it, but the engine's contract must hold
        assert all(isinstance(e.epochs, int) for e in events if isinstance(e, EpochReport)), said
        assert finished.status == "finished", said
        val_curves(folder)


@pytest.mark.parametrize("text", ["{" * 100_000, '{"epochs": ' + "9" * 5000 + "}", "\ufeff{}", "[1, 2]", "null"])
def test_a_config_json_no_run_writes_is_refused_by_its_file(
    text: str, templates: dict[str, Path], tmp_path: Path
) -> None:
    folder = copy_run(templates["one"], tmp_path / "run")
    (folder / "config.json").write_text(text)
    run = read_run(folder)
    assert run.refusal.startswith("config.json: ") and run.problem.startswith(run.refusal)
    replay(folder)
    assert compare_report([run, run])


def json_paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, inner ones too (the root excluded)."""
    places = [path] if path else []
    if isinstance(data, dict):
        return places + [p for k, v in data.items() for p in json_paths(v, (*path, k))]
    if isinstance(data, list):
        return places + [p for i, v in enumerate(data) for p in json_paths(v, (*path, i))]
    return places


def replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    copy = json.loads(json.dumps(data, allow_nan=True))
    inner = copy
    for step in path[:-1]:
        inner = inner[step]
    inner[path[-1]] = value
    return copy


@pytest.mark.parametrize("kind", ["one", "seeds"])
def test_every_value_of_metrics_json_replaced_by_a_wrong_one(
    kind: str, templates: dict[str, Path], tmp_path: Path
) -> None:
    metrics = json.loads((templates[kind] / "metrics.json").read_text())
    rng = random.Random(f"issue 30 metrics {kind}")
    for n, path in enumerate(json_paths(metrics)):
        original = _at(metrics, path)
        read = path[0] in ("models", "baseline_val_loss", "solved_below", "seeds")  # of a verdict, only its text is
        values = [random_json(rng), rng.choice(["[/]", [], {}, True, 10**400, math.nan, -1])]
        for m, value in enumerate(values):
            folder = copy_run(templates[kind], tmp_path / f"{n}-{m}")
            write_json(folder / "metrics.json", replaced(metrics, path, value))
            run = read_run(folder)
            said = f"{'.'.join(map(str, path))} = {value!r:.60}"
            assert run.refusal == "", said  # results damaged: the run is still shown
            numeric = isinstance(original, (int, float)) and not isinstance(original, bool)
            if read and numeric and isinstance(value, (str, list, dict, bool)):
                assert run.problem.startswith("metrics.json: ") and str(path[-1]) in run.problem, said
            replay(folder)
            assert compare_report([run, read_run(templates[kind])]), said


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


def test_the_metrics_of_each_model_keep_their_shape_however_damaged(templates: dict[str, Path], tmp_path: Path) -> None:
    folder = copy_run(templates["seeds"], tmp_path / "run")
    write_json(folder / "metrics.json", {"status": 5, "models": {"rnn": {"params": "x"}, "a b": {}, "lstm": []}})
    run = read_run(folder)
    assert run.status == "unknown" and set(run.metrics["models"]) == {"rnn"}
    entry = run.metrics["models"]["rnn"]
    assert math.isnan(entry["params"]) and entry["status"] == "unknown" and math.isnan(entry["final_val_loss"])
    assert "metrics.json: status 5" in run.problem and "(and " in run.problem  # several problems, on one line
    _, finished = replay(folder)
    assert set(finished.metrics) == {"rnn"}


def test_compare_says_what_was_not_recorded_and_when_two_arguments_are_one_run(
    templates: dict[str, Path], tmp_path: Path
) -> None:
    old = copy_run(make_run(tmp_path / "new", units=8), tmp_path / "old")
    config = json.loads((old / "config.json").read_text())
    del config["units"]  # written by a version that did not record it
    write_json(old / "config.json", config)
    runs = [read_run(tmp_path / "new"), read_run(old)]
    assert config_diff(runs)["units"] == ["8", NOT_RECORDED]  # not today's default, 40, as if recorded
    assert f"| units | 8 | {NOT_RECORDED} |" in compare_report(runs)
    same = compare_report([read_run(old), read_run(tmp_path / "x" / ".." / "old")])
    assert "are the same run" in same and same.count("| old | rnn |") == 1


def test_a_history_extended_with_nul_bytes_is_read_in_bounded_memory(
    templates: dict[str, Path], tmp_path: Path
) -> None:
    folder = copy_run(templates["one"], tmp_path / "run")
    os.truncate(folder / "history.csv", 256 << 20)  # sparse: 256 MB of NULs after the real rows
    tracemalloc.start()
    try:
        rows, offset, moved = [], 0, True
        while moved:
            chunk, end = read_history(folder, offset)
            rows, moved, offset = rows + chunk, end != offset, end
        curves = val_curves(folder)
        events, _ = replay(folder)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(rows) == 6 and offset == 256 << 20 and list(curves["rnn"].epochs) == [1, 2, 3]
    assert sum(isinstance(e, EpochReport) for e in events) == 6
    assert peak < 16 << 20, f"peak {peak / 2**20:.0f} MB"  # read whole, the file alone took 256 MB


def test_damaged_history_rows_are_left_out_and_each_epoch_told_once(templates: dict[str, Path], tmp_path: Path) -> None:
    folder = copy_run(templates["one"], tmp_path / "run")
    rng = random.Random("issue 30 history")
    lines = [
        "rnn,1,0.5,0.05,0.1,0",  # a repeat of epoch 1
        "rnn,0,0.5,0.05,0.1,0",
        "rnn,-1,0.5,0.05,0.1,0",
        "rnn,4,0.5,0.05,0.1,0",  # beyond the run's 3 epochs
        "rnn," + "9" * 5000 + ",0.5,0.05,0.1,0",
        "rnn,1e3,0.5,0.05,0.1,0",
        "rnn,١,0.5,0.05,0.1,0",
        "bogus,2,0.5,0.05,0.1,0",
        "[/],2,0.5,0.05,0.1,0",
        "rnn,2,0.5,0.05,0.1,0,extra,cells",
        "x" * 200_000,
        *("".join(rng.choice("rnl,0123.\x00\r[]é") for _ in range(rng.randrange(50))) for _ in range(200)),
    ]
    with open(folder / "history.csv", "a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    events, _ = replay(folder)
    told = [(e.model, e.epoch) for e in events if isinstance(e, EpochReport)]
    assert sorted(told) == sorted({(m, e) for m in ("rnn", "lstm") for e in (1, 2, 3)})
    assert set(val_curves(folder)) <= {"rnn", "lstm"}


@pytest.mark.parametrize(
    "damage",
    [
        lambda f: (f / "forecast.csv").write_text("index,index\n1,2\n"),
        lambda f: (f / "forecast.csv").write_text("index,x,truth,rnn\n" + "1,[/],,x\n" * 3 + "1,2\n"),
        lambda f: (f / "forecast.csv").write_text("index,x,truth,rnn\n" + "1," + "9" * 200_000 + ",1,1\n"),
        lambda f: (f / "forecast.csv").write_bytes(b"\xff\xfe\x00garbage\n1,2,3"),
        lambda f: os.truncate(f / "forecast.csv", 64 << 20),
        lambda f: (f / "summaries.txt").write_text('Model: "rnn\nModel: "\nModel: "[/]"\n'),
        lambda f: (f / "samples.txt").write_text("=== rnn, epoch x ===\n=== rnn, epoch 99999999999 (final) ===\na|b\n"),
        lambda f: (f / "samples.txt").write_bytes(b"=== rnn, epoch 1 (final) ===\n" + b"\xff" * 100),
        lambda f: write_json(f / "config.json", {**json.loads((f / "config.json").read_text()), "data": [1]}),
        lambda f: write_json(f / "config.json", {**json.loads((f / "config.json").read_text()), "data": {"stride": 1}}),
    ],
)
def test_damaged_previews_are_not_shown_and_nothing_raises(
    damage: Any, templates: dict[str, Path], tmp_path: Path
) -> None:
    folder = copy_run(templates["one"], tmp_path / "run")
    damage(folder)
    assert read_run(folder).refusal == ""
    replay(folder)


def test_a_finished_run_is_told_as_read_never_as_training(templates: dict[str, Path]) -> None:
    events, _ = replay(templates["one"])
    assert [e.stage for e in events if isinstance(e, Phase)] == [Stage.READING]


def test_the_command_line_refuses_to_open_a_damaged_run_in_one_line(templates: dict[str, Path], tmp_path: Path) -> None:
    folder = copy_run(templates["one"], tmp_path / "bad")
    write_json(folder / "config.json", {**json.loads((folder / "config.json").read_text()), "epochs": "1500"})
    for headless in ([], ["--headless"]):
        result = subprocess.run(
            [sys.executable, "-m", "tui.cli", "--open", str(folder), *headless], capture_output=True, text=True
        )
        assert result.returncode == 2 and "Traceback" not in result.stderr and result.stderr.count("\n") == 1
        line = result.stderr
        assert str(folder) in line and 'epochs "1500"' in line and "allowed: an integer from 1 to" in line
    compared = subprocess.run(
        [sys.executable, "-m", "tui.cli", "--compare", str(folder), str(templates["one"])],
        capture_output=True,
        text=True,
    )
    assert compared.returncode == 0 and f'"1500" {NOT_ALLOWED}' in compared.stdout


@pytest.mark.parametrize("name", ["config.json", "metrics.json", "history.csv", "forecast.csv"])
def test_a_fifo_in_place_of_a_file_is_refused_or_skipped_never_waited_on(name: str, tmp_path: Path) -> None:
    import threading

    folder = make_run(tmp_path / "run")
    (folder / name).unlink(missing_ok=True)
    os.mkfifo(folder / name)  # opening it for reading would wait for a writer forever
    said: list[str] = []

    def read() -> None:
        run = read_run(folder)
        said.append(run.problem)
        if not run.problem:  # what opening it in the app reads next: its history and its previews
            replay_run(config_of(run), folder, lambda event: None, StopSignal())
            said.append("replayed")

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=20)
    assert not reader.is_alive(), f"reading a run folder with a FIFO named {name} hung"
    if name.endswith(".json"):  # what the run is: refused in one line
        assert said == [f"{name}: not a regular file, not one a run writes"]
    else:
        assert said[-1] == "replayed", said  # read around it: the run is shown without what the FIFO stands for
