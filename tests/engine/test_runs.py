"""Saved runs: reading folders (damaged ones too), replaying one, following one being written, comparing.

The folders are made by the tests themselves (with the scripted engine or by hand); nothing here
imports TensorFlow, and one test checks that opening a run in a fresh process does not either.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers.fake_engine import FakeEngine

from engine.config.config import Config
from engine.report.events import EpochReport, ForecastReport, ModelFinished, RunFinished, RunStarted, Status
from engine.report.stop import StopSignal
from engine.runs.history import read_history, val_curves
from engine.runs.reader import compare_report, config_diff, list_runs, read_run
from engine.runs.replay import config_of, replay_run


def make_run(folder: Path, **changes: object) -> Path:
    """A complete run folder written by the scripted engine."""
    config = Config(epochs=5, forecast_every=0, **changes)  # type: ignore[arg-type]
    folder.mkdir(parents=True)
    FakeEngine()(config, folder, lambda event: None, StopSignal())
    return folder


def test_a_run_reads_back_with_its_curves_and_figures(tmp_path: Path) -> None:
    run = read_run(make_run(tmp_path / "a"))
    assert run.problem == "" and run.task == "damped" and run.models == ["rnn", "lstm"]
    assert run.status == "finished" and run.epochs_done == 5 and run.epochs_total == 5
    curves = val_curves(run.path)
    assert list(curves) == ["rnn", "lstm"] and list(curves["rnn"].epochs) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda f: (f / "config.json").unlink() or (f / "metrics.json").unlink(), "not a run folder (no config.json)"),
        (lambda f: (f / "config.json").write_text(""), "config.json: not valid JSON (empty or cut short?)"),
        (lambda f: (f / "metrics.json").write_text('{"status": "fin'), "metrics.json: not valid JSON"),
        (lambda f: (f / "metrics.json").write_bytes(b"\xff\xfe garbage"), "metrics.json: cannot be read"),
        (lambda f: (f / "config.json").write_text("[1, 2]"), "config.json: not a JSON object"),
        (lambda f: (f / "metrics.json").unlink(), "no metrics.json"),
    ],
)
def test_damaged_folders_are_listed_with_a_reason(tmp_path: Path, damage, problem: str) -> None:
    folder = make_run(tmp_path / "runs" / "bad")
    make_run(tmp_path / "runs" / "good")
    damage(folder)
    runs = {run.name: run for run in list_runs(tmp_path / "runs")}
    assert runs["bad"].problem.startswith(problem) and runs["good"].problem == ""
    assert compare_report([runs["bad"], runs["good"]])  # reported, never raised


def test_unknown_and_missing_settings_of_other_versions(tmp_path: Path) -> None:
    folder = make_run(tmp_path / "old")
    config = json.loads((folder / "config.json").read_text())
    del config["task"], config["tau"]  # an older version did not write these
    config["from_the_future"] = 3  # a newer one writes more
    (folder / "config.json").write_text(json.dumps(config))
    run = read_run(folder)
    assert run.task == "damped" and config_of(run).tau == 5.0
    # Opened in a process whose Keras runs on JAX, the settings retrain there, not on the run's own backend.
    assert config_of(run).backend == "tensorflow" and config_of(run, backend="jax").backend == "jax"
    assert "from_the_future" not in config_diff([run, read_run(make_run(tmp_path / "new"))])


def test_config_diff_shows_only_what_differs(tmp_path: Path) -> None:
    a, b = read_run(make_run(tmp_path / "a")), read_run(make_run(tmp_path / "b", units=8, seed=3))
    assert config_diff([a, b]) == {"units": ["40", "8"], "seed": ["0", "3"]}
    report = compare_report([a, b])
    assert "| units | 40 | 8 |" in report and "\n| epochs |" not in report and "| b | lstm | finished | 5 |" in report


def test_history_tolerates_a_half_written_last_line(tmp_path: Path) -> None:
    folder = make_run(tmp_path / "a")
    with open(folder / "history.csv", "a") as handle:
        handle.write("rnn,6,0.1,0.0")  # the writer is mid-line
    rows, offset = read_history(folder)
    assert len(rows) == 10
    with open(folder / "history.csv", "a") as handle:
        handle.write("1,0.06\n")
    more, _ = read_history(folder, offset)
    assert [(r["model"], r["epoch"], r["val_loss"]) for r in more] == [("rnn", "6", "0.01")]


def test_replay_tells_the_run_as_engine_events(tmp_path: Path) -> None:
    folder = make_run(tmp_path / "a")
    events: list[object] = []
    finished = replay_run(config_of(read_run(folder)), folder, events.append, StopSignal())
    started = next(e for e in events if isinstance(e, RunStarted))
    assert started.params == {"rnn": 1721, "lstm": 6761} and set(started.summaries) == {"rnn", "lstm"}
    assert sum(isinstance(e, EpochReport) for e in events) == 10
    assert [e.model for e in events if isinstance(e, ModelFinished)] == ["rnn", "lstm"]
    forecasts = [e for e in events if isinstance(e, ForecastReport)]
    assert [f.model for f in forecasts] == ["rnn", "lstm"] and all(f.final for f in forecasts)
    assert isinstance(finished, RunFinished) and finished.status == Status.FINISHED


def test_replay_follows_a_run_that_is_still_being_written(tmp_path: Path) -> None:
    folder = tmp_path / "live"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(Config(epochs=4, models=("rnn",)).to_dict()))
    # The engine writes the device with the first metrics.json, so a viewer's header names it while it trains.
    (folder / "metrics.json").write_text(json.dumps({"status": "running", "device": "CPU (2 cores)", "models": {}}))
    (folder / "history.csv").write_text("model,epoch,loss,val_loss,seconds\nrnn,1,0.5,0.05,0.1\nrnn,2,0.4,0.0")
    epochs: list[int] = []
    arrived = {n: threading.Event() for n in (1, 3)}
    headers: list[str] = []

    def sink(event: object) -> None:
        if isinstance(event, RunStarted):
            headers.append(event.device)
        if isinstance(event, EpochReport):
            epochs.append(event.epoch)
            if event.epoch in arrived:
                arrived[event.epoch].set()

    reader = threading.Thread(target=replay_run, args=(config_of(read_run(folder)), folder, sink, StopSignal()))
    reader.start()
    assert arrived[1].wait(10) and epochs == [1]  # the half-written second line waits
    with open(folder / "history.csv", "a") as handle:
        handle.write("4,0.2\nrnn,3,0.3,0.03,0.3\n")
    assert arrived[3].wait(10)
    metrics = {"rnn": {"status": "finished", "epochs_done": 4, "params": 1721}}
    with open(folder / "history.csv", "a") as handle:
        handle.write("rnn,4,0.2,0.02,0.4\n")
    (folder / "metrics.json").write_text(json.dumps({"status": "finished", "models": metrics}))
    reader.join(10)
    assert not reader.is_alive() and epochs == [1, 2, 3, 4]
    assert headers == ["saved run · CPU (2 cores)"]


def test_opening_a_run_loads_no_tensorflow(tmp_path: Path) -> None:
    folder = make_run(tmp_path / "a")
    code = (
        "import sys, asyncio\n"
        "from pathlib import Path\n"
        "from engine.cli import parse_invocation\n"
        "from tui.app import RnnLstmApp\n"
        f"app = RnnLstmApp(parse_invocation(['--open', {str(folder)!r}]), Path({str(tmp_path)!r}))\n"
        "async def main():\n"
        "    async with app.run_test() as pilot:\n"
        "        await app.workers.wait_for_complete()\n"
        "        await pilot.pause()\n"
        "        assert app.state == 'finished', app.state\n"
        "asyncio.run(main())\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-2:] == ["False", "False"]


def test_the_command_line_compares_runs_and_refuses_non_runs(tmp_path: Path) -> None:
    a, b = make_run(tmp_path / "a"), make_run(tmp_path / "b", units=8)
    result = subprocess.run(
        [sys.executable, "-m", "tui.cli", "--compare", str(a), str(b)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "| units | 40 | 8 |" in result.stdout
    bad = subprocess.run([sys.executable, "-m", "tui.cli", "--open", str(tmp_path)], capture_output=True, text=True)
    assert bad.returncode == 2 and "not a run folder" in bad.stderr and "Traceback" not in bad.stderr


def test_a_listing_whose_reader_goes_away_ends_quietly(tmp_path: Path) -> None:
    for name in ("a", "b"):
        make_run(tmp_path / name)
    listing = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "--headless", "--runs", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert listing.stdout is not None
    listing.stdout.close()  # as `| head -0` would: nothing is read, the pipe is gone before the listing is written
    _, said = listing.communicate(timeout=60)
    assert (listing.returncode, said) == (141, "")  # 128 + SIGPIPE, as `ls | head` gives ls; no traceback


def test_served_in_a_browser_the_app_runs_under_textuals_web_driver(tmp_path: Path) -> None:
    # As textual serve and textual-serve start it: the web driver named in the environment, stdin and stdout
    # pipes. The app must neither refuse ("stdout is not a terminal") nor put its own terminal driver in its place.
    import select
    import signal

    folder = make_run(tmp_path / "run")
    env = {**os.environ, "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver"}
    app = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "--open", str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert app.stdout is not None
    seen = b""
    deadline = time.monotonic() + 60
    while b"__GANGLION__" not in seen and time.monotonic() < deadline and app.poll() is None:
        if select.select([app.stdout], [], [], 1)[0]:
            seen += os.read(app.stdout.fileno(), 65536)
    try:
        assert b"__GANGLION__" in seen, app.stderr.read().decode() if app.poll() is not None else seen[-500:]
    finally:
        app.send_signal(signal.SIGTERM)  # what textual-serve does when the tab goes
        app.communicate(timeout=30)
