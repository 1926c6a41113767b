"""The sweep view (issue 26): the table, THE chart and the heatmaps from a sweep folder, a point opened in the
tabs and back, a folder being written, a sweep the app runs and stops, and no TensorFlow in the app's process.

No training: sweep folders are written by the engine's own folder writer and runner
(:class:`engine.sweep.folder.SweepFolder`, :func:`engine.sweep.runner.run_sweep`) with made-up points
(tests/helpers/sweep_folders.py), plus a ``history.csv`` written by the engine's run-folder writer.
Snapshots: ``pytest -n 0 tests/tui/test_sweep_view.py --snapshot-update``, then look at the SVGs."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.sweep_folders import Held, epochs_of, made_sweep, with_history
from helpers.sweep_helpers import Inline, fake_point
from textual.pilot import Pilot
from textual.widgets import Markdown

from engine.cli import parse_invocation
from engine.config.config import Config
from engine.runs.folder import RunFolder
from engine.sweep.folder import SweepFolder
from engine.sweep.lesson import lesson_lines
from engine.sweep.reader import SWEEP_JSON
from engine.sweep.worker import PointJob
from tui.app import RnnLstmApp
from tui.charts.plots import CurveChart
from tui.charts.sweep import SweepChart
from tui.cli import main
from tui.panes.sweep_maps import LEVELS, SweepMaps
from tui.panes.sweep_table import PointsTable
from tui.screens.sweep import SweepScreen

ONE = ["--task", "adding", "--sweep", "length=10,25,50,100,200", "--seeds", "3"]
TWO = ["--task", "adding", "--sweep", "lr=0.001,0.01,0.1", "--sweep", "units=8,32", "--seeds", "3"]
SMALL = ["--task", "adding", "--sweep", "length=10,25,50", "--seeds", "2", "--epochs", "6"]
SIZE = (100, 30)
READ_ERROR = "sweep.json: cannot be read (JSONDecodeError)"


def opened(path: Path, tmp_path: Path) -> RnnLstmApp:
    """The app as ``rnnlstm-tui SWEEP_DIR`` starts it."""
    return RnnLstmApp(parse_invocation([str(path)]), tmp_path / "runs")


def screen_of(app: RnnLstmApp) -> SweepScreen:
    assert app.sweep_screen is not None
    return app.sweep_screen


async def until(pilot: Pilot, check: Callable[[], bool], what: str) -> None:
    """Let the app work until ``check()`` holds (at most a minute: a stuck view fails instead of hanging)."""
    for _ in range(6000):
        if check():
            await pilot.pause()
            return
        await pilot.pause(0.01)
    raise AssertionError(f"the view never showed {what}")


def statuses(app: RnnLstmApp) -> list[str]:
    info = app.sweep_screen.info if app.sweep_screen is not None else None
    return [str(p.status) for p in info.points] if info is not None else []


def cells(app: RnnLstmApp, row: int) -> list[str]:
    return [str(cell) for cell in app.screen.query_one(PointsTable).get_row_at(row)]


async def test_a_finished_sweep_shows_its_points_the_chart_and_the_lesson(tmp_path: Path) -> None:
    made_sweep(tmp_path / "s", ONE)
    app = opened(tmp_path / "s", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: statuses(app) == ["finished"] * 5, "five finished points")
        screen = screen_of(app)
        assert app.screen is screen and app.current is None  # nothing trains, nothing replays
        assert cells(app, 0) == ["1", "10", "finished", "60/60", "5.05e-04 3/3", "2.53e-05 3/3", "0", "LSTM lower"]
        assert cells(app, 4)[4] == "1.01e-02 0/3"  # T = 200: no SimpleRNN seed solved it
        chart = screen.query_one(SweepChart)
        assert [c.label for c in chart.curves] == ["SimpleRNN", "LSTM", "baseline", "solved below"]
        assert chart.scale is not None and chart.scale.log  # 10 … 200 spans a decade: log x, ticked at the values
        assert chart.scale.labels == ["10", "25", "50", "100", "200"]
        assert "median, band min–max of 3 seeds" in chart.shown_title
        assert len(chart.faint) == 4  # each model's band: its lowest and highest seed at every point
        assert chart.faint[1].y[-1] > chart.curves[0].y[-1] > chart.faint[0].y[-1]
        lesson = str(screen.query_one("#sweep-lesson").render())
        assert "SimpleRNN solves the adding problem up to T = 100 (3 of 3 seeds) and fails from T = 200" in lesson
        assert "LSTM solves every T up to 200" in lesson
        assert not screen.query_one("#sweep-maps-box").display
        titles = [command.title for command in app.get_system_commands(screen)]
        assert {"Open point", "Log"} <= set(titles) and "Stop sweep" not in titles  # keys in the palette too


async def test_points_that_trained_as_a_pack_say_their_seconds_are_the_packs(tmp_path: Path) -> None:
    made_sweep(tmp_path / "s", ONE)
    record = json.loads((tmp_path / "s" / "sweep.json").read_text())
    (tmp_path / "s" / "sweep.json").write_text(json.dumps({**record, "packs": [[0, 1]]}))
    app = opened(tmp_path / "s", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: statuses(app) == ["finished"] * 5, "five finished points")
        assert [cells(app, row)[6].endswith("(pack)") for row in range(5)] == [True, True, False, False, False]
        lesson = str(screen_of(app).query_one("#sweep-lesson").render())
        assert "Points 1, 2 differ only in the learning rate and trained together" in lesson


async def test_two_settings_show_a_heatmap_per_model_that_reads_without_colour(tmp_path: Path) -> None:
    made_sweep(tmp_path / "s", TWO)
    app = opened(tmp_path / "s", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: statuses(app) == ["finished"] * 6, "six finished points")
        screen = screen_of(app)
        maps = screen.query_one(SweepMaps)
        assert screen.query_one("#sweep-maps-box").display and not screen.query_one(SweepChart).display
        plain = maps.text(96).plain
        lines = plain.splitlines()
        assert lines[0].split() == ["SimpleRNN", "LSTM"]  # side by side at this width
        assert lines[1].split()[:2] == ["lr↓", "units→"]
        # one log scale for both maps: the LSTM at lr 0.001 is the lowest loss, the RNN at lr 0.1 the highest
        assert f"{LEVELS[0] * 2} 5.1e-05✓" in lines[2] and f"{LEVELS[-1] * 2} 1.0e-01 " in lines[4]
        assert "one log scale: . 5.1e-05 … @ 1.0e-01" in plain
        narrow = maps.text(40).plain.splitlines()
        assert narrow[0].strip() == "SimpleRNN" and "LSTM" in narrow  # stacked where they do not fit side by side


async def test_enter_opens_a_point_in_the_tabs_and_escape_comes_back(tmp_path: Path) -> None:
    made_sweep(tmp_path / "s", SMALL)
    app = opened(tmp_path / "s", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: statuses(app) == ["finished"] * 3, "three finished points")
        await pilot.press("down", "enter")
        await until(pilot, lambda: app.current is not None and not app.active, "the point's run read back")
        assert app.screen is not app.sweep_screen
        assert app.current is not None and app.current.run_dir == tmp_path / "s" / "02-length-25"
        assert app.config.length == 25 and len(app.histories["lstm"].epochs) == 6  # its curves, in the tabs
        await pilot.press("5")  # its Guide says which sweep it belongs to, its value and the sweep's lesson
        guide = app.query_one("#guide-text", Markdown).source
        lesson = lesson_lines(screen_of(app).info)  # type: ignore[arg-type]
        assert guide.startswith(
            f"**Part of a sweep.** This run is point 2 of 3 of the sweep in `{tmp_path / 's'}`, at T = 25. "
            f"The sweep's lesson: {lesson[0]}\n\n"
        )
        assert lesson == ["SimpleRNN solves the adding problem at every T up to 50; LSTM solves every T up to 50."]
        assert app.check_action("sweep", ()) is True  # escape: Sweep, in the Footer
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.sweep_screen
        assert app.screen.query_one(PointsTable).cursor_row == 1  # where the user left it
        assert app.check_action("start", ()) is False  # the run keys are off on the sweep screen


async def test_a_sweep_folder_being_written_updates_the_view(tmp_path: Path) -> None:
    folder = made_sweep(tmp_path / "s", SMALL, work=None)
    app = opened(tmp_path / "s", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: statuses(app) == ["pending"] * 3, "three pending points")
        screen = screen_of(app)
        # Another process (a --headless sweep) starts the first point and trains three epochs.
        folder.started(0, 1)
        point = folder.point(0)
        config = Config.from_dict({**folder.state["base"], **point["values"]})
        run = RunFolder(folder.point_path(0), first_seed=config.seed)
        run.write_json("config.json", config.to_dict())
        run.write_json("metrics.json", {"status": "running", "models": {}})
        for model in config.models:
            for report in epochs_of(config, model)[:3]:
                run.append_epoch(report)
        live = screen.query_one("#sweep-live", CurveChart)
        await until(pilot, lambda: len(live.curves) == 2 and live.has_class("-training"), "the point's live curves")
        assert statuses(app)[0] == "running" and cells(app, 0)[3] == "3/6"
        assert [len(c.x) for c in live.curves] == [3, 3]
        # It finishes: the table, the chart and the lesson follow; the live curves go.
        run.close()
        job = PointJob(0, str(point["dir"]), config.to_dict(), str(folder.point_path(0)))
        fake_point(job, lambda message: None)
        folder.ended(0, "finished", "", 1.5)
        await until(pilot, lambda: statuses(app)[0] == "finished", "the point finished")
        await until(pilot, lambda: not live.has_class("-training"), "the live chart gone")
        assert cells(app, 0)[2:5] == ["finished", "6/6", "5.03e-04 2/2"]
        assert [c.label for c in screen.query_one(SweepChart).curves][:2] == ["SimpleRNN", "LSTM"]


async def test_the_app_runs_a_sweep_and_quit_leaves_it_resumable(tmp_path: Path) -> None:
    held = Held()
    invocation = parse_invocation([*SMALL, "--out", str(tmp_path / "s")])
    app = RnnLstmApp(invocation, tmp_path / "runs")
    app.sweep_executor = lambda prepared, path: held  # type: ignore[method-assign,assignment,misc]
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: statuses(app) == ["pending", "running", "running"], "two points training")
        screen = screen_of(app)
        live = screen.query_one("#sweep-live", CurveChart)
        await until(pilot, lambda: len(live.curves) == 4, "both points' live curves")
        assert "Stop sweep" in [command.title for command in app.get_system_commands(screen)]
        await pilot.press("q")
    assert held.cancelled.is_set()
    said = json.loads((tmp_path / "s" / SWEEP_JSON).read_text())
    assert said["status"] == "interrupted"
    assert [p["status"] for p in said["points"]] == ["pending", "interrupted", "interrupted"]  # the longest first
    assert SweepFolder.reopen(tmp_path / "s")[0].to_do() == [0, 1, 2]  # --resume runs them all
    assert app.farewell() == [f"sweep folder: {tmp_path / 's'}", f"resume with: rnnlstm-tui --resume {tmp_path / 's'}"]


async def test_the_app_runs_a_sweep_to_its_end(tmp_path: Path) -> None:
    invocation = parse_invocation([*SMALL, "--out", str(tmp_path / "s")])
    app = RnnLstmApp(invocation, tmp_path / "runs")

    app.sweep_executor = lambda prepared, path: Inline(with_history)  # type: ignore[method-assign,assignment,misc]
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.sweep_screen is not None and app.sweep_screen.over == "finished", "its end")
        await until(pilot, lambda: statuses(app) == ["finished"] * 3, "three finished points")
        lesson = str(screen_of(app).query_one("#sweep-lesson").render())
        assert "SimpleRNN solves the adding problem at every T up to 50" in lesson
        assert screen_of(app).check_action("stop_sweep", ()) is False  # nothing left to stop: not in the Footer
    assert app.farewell() == [f"sweep folder: {tmp_path / 's'}"]


def test_opening_a_sweep_folder_loads_no_tensorflow(tmp_path: Path) -> None:
    made_sweep(tmp_path / "s", SMALL)
    probe = f"""
import asyncio, sys
from pathlib import Path
from engine.cli import parse_invocation
from tui.app import RnnLstmApp

async def main():
    app = RnnLstmApp(parse_invocation([{str(tmp_path / "s")!r}]), Path({str(tmp_path / "runs")!r}))
    async with app.run_test(size=(100, 30)) as pilot:
        while app.sweep_screen is None or app.sweep_screen.info is None or not app.sweep_screen.info.finished:
            await pilot.pause(0.01)
        await pilot.press("enter")  # a point opened in the tabs, too
        while app.current is None or app.active:
            await pilot.pause(0.01)
asyncio.run(main())
print(" ".join(sorted(sys.modules)))
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    modules = set(result.stdout.split())
    assert "tui.sweep_app" in modules and "engine.sweep.reader" in modules  # the probe really opened the sweep
    assert "tensorflow" not in modules and "keras" not in modules


def test_a_sweep_folder_that_cannot_be_read_is_refused_in_one_line(tmp_path: Path, capsys) -> None:
    (tmp_path / SWEEP_JSON).write_text("{garbage")
    for args in ([str(tmp_path)], ["--headless", str(tmp_path)]):  # not an empty view, not an empty table
        with pytest.raises(SystemExit) as ended:
            main(args)
        said = capsys.readouterr().err
        assert ended.value.code == 2 and said == f"rnnlstm-tui: error: {tmp_path}: cannot be shown: {READ_ERROR}\n"


@pytest.mark.parametrize(("args", "points"), [(ONE, 5), (TWO, 6)], ids=["chart", "heatmaps"])
def test_snapshot(args: list[str], points: int, snap_compare: Callable[..., bool], tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # the folder's name on screen is the same on every run
    made_sweep(Path("sweeps/s"), args)
    app = RnnLstmApp(parse_invocation(["sweeps/s"]), Path("runs"))

    async def run_before(pilot: Pilot) -> None:
        await until(pilot, lambda: statuses(app) == ["finished"] * points, "every point finished")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
