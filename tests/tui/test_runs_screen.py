"""The runs screen and the open mode, driven through Pilot on folders the scripted engine wrote."""

from __future__ import annotations

from pathlib import Path

from helpers.fake_engine import FakeEngine
from helpers.pilot_helpers import Watch, done_of, settle
from helpers.sweep_folders import made_sweep
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, Markdown, Static

from engine.cli import parse_invocation
from engine.config.config import Config
from engine.report.stop import StopSignal
from tui.app import RnnLstmApp
from tui.charts.plots import CurveChart
from tui.screens.runs import RunsScreen
from tui.screens.sweep import SweepScreen

SIZE = (120, 36)


def make_runs(root: Path) -> None:
    for name, changes in (
        ("20260101-000001", {}),
        ("20260101-000002", {"units": 8}),
        ("20260101-000003", {"task": "sine"}),
    ):
        folder = root / name
        folder.mkdir(parents=True)
        FakeEngine()(Config(epochs=4, forecast_every=0, **changes), folder, lambda e: None, StopSignal())  # type: ignore[arg-type]
    (root / "not-a-run").mkdir()


async def test_the_runs_screen_filters_sorts_overlays_diffs_and_opens(tmp_path: Path) -> None:
    make_runs(tmp_path / "runs")
    app = RnnLstmApp(parse_invocation(["--runs", str(tmp_path / "runs")]), tmp_path / "runs", experiment=FakeEngine())
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        table = screen.query_one(DataTable)
        names = [str(key.value) for key in table.rows]
        assert names == ["not-a-run", "20260101-000003", "20260101-000002", "20260101-000001"]  # newest first
        assert "not a run folder" in str(table.get_cell("not-a-run", "status"))

        screen.query_one(Input).value = "sine"
        await pilot.pause()
        assert [str(k.value) for k in table.rows] == ["20260101-000003"]
        screen.query_one(Input).value = ""
        await pilot.pause()

        screen.sort_by(
            DataTable.HeaderSelected(table, table.columns["best val"].key, 6, table.columns["best val"].label)
        )
        assert screen.sort_column == "best val"

        table.focus()
        table.move_cursor(row=[str(k.value) for k in table.rows].index("20260101-000001"))
        await pilot.press("space")
        table.move_cursor(row=[str(k.value) for k in table.rows].index("20260101-000002"))
        await pilot.press("space")
        assert screen.selected == ["20260101-000001", "20260101-000002"]
        labels = [c.label for c in screen.query_one("#runs-overlay", CurveChart).curves]
        assert labels == ["20260101-000001 rnn", "20260101-000001 lstm", "20260101-000002 rnn", "20260101-000002 lstm"]
        assert str(screen.query_one("#runs-diff", Static).render()) == "units: 40 | 8"

        done = watch.expect(done_of(1))
        await pilot.press("enter")  # the cursor is on 20260101-000002
        await settle(pilot, done)
        assert not isinstance(app.screen, RunsScreen)
        assert app.current is not None and app.current.run_dir.name == "20260101-000002"
        assert app.config.units == 8 and app.state == "finished" and "saved run" in app.sub_title
        assert app.query_one("#metrics-table", DataTable).get_cell("rnn", "status") == "finished"


async def test_escape_leaves_the_runs_screen_and_o_opens_it(tmp_path: Path) -> None:
    make_runs(tmp_path / "runs")
    app = RnnLstmApp(Config(), tmp_path / "runs", experiment=FakeEngine(), autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        assert isinstance(app.screen, RunsScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, RunsScreen) and app.current is None


async def test_open_mode_shows_the_saved_run_in_the_tabs(tmp_path: Path) -> None:
    make_runs(tmp_path / "runs")
    folder = tmp_path / "runs" / "20260101-000003"
    app = RnnLstmApp(parse_invocation([str(folder)]), tmp_path / "runs")
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot, watch.expect(done_of(1)))
        assert app.config.task == "sine" and app.sub_title.startswith("sine · saved run")
        chart = app.query_one("#combined", CurveChart)
        await pilot.press("1")
        assert [c.label for c in chart.curves][:2] == ["rnn", "lstm"] and len(chart.curves[0].x) == 4
        assert not (folder / "tui-stderr.log").exists()  # nothing is written into a shown run's folder


SWEEP = "20260101-000004-sweep"
SMALL = ["--task", "adding", "--sweep", "length=10,25,50", "--seeds", "2", "--epochs", "6"]


async def until_read(pilot: Pilot[int], app: RnnLstmApp) -> None:
    """Let the app work until the sweep screen has read its folder (at most a minute)."""
    for _ in range(6000):
        if isinstance(app.screen, SweepScreen) and app.screen.info is not None and app.screen.info.finished:
            await pilot.pause()
            return
        await pilot.pause(0.01)
    raise AssertionError("the sweep view never showed the sweep")


async def test_a_sweep_folder_is_listed_as_a_sweep_and_enter_opens_the_sweep_view(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    make_runs(root)
    made_sweep(root / SWEEP, SMALL)
    (root / "20260101-000009-sweep").mkdir()
    (root / "20260101-000009-sweep" / "sweep.json").write_text("{garbage")
    app = RnnLstmApp(parse_invocation(["--runs", str(root)]), root, experiment=FakeEngine())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        table = screen.query_one(DataTable)
        table.move_cursor(row=[str(k.value) for k in table.rows].index("20260101-000009-sweep"))
        await pilot.press("enter")  # a sweep that cannot be read: said, not opened
        await pilot.pause()
        assert app.screen is screen and app.sweep_screen is None
        assert str(table.get_cell(SWEEP, "status")) == "sweep: length=10,25,50 · 3 of 3 points finished"
        title = str(screen.query_one("#runs-title", Label).render())
        assert "runs and sweeps (2 sweeps) in" in title  # the readable sweep and the damaged one
        assert str(table.get_cell(SWEEP, "task")) == "adding" and str(table.get_cell(SWEEP, "models")) == "rnn,lstm"
        table.move_cursor(row=[str(k.value) for k in table.rows].index(SWEEP))
        await pilot.press("space")
        assert screen.selected == []  # a sweep has no curve of its own to overlay
        await pilot.press("enter")
        await until_read(pilot, app)
        assert app.sweep_screen is app.screen and app.sweep_screen.path == root / SWEEP
        first = app.screen
        assert [p.status for p in app.sweep_screen.info.points] == ["finished"] * 3  # type: ignore[union-attr]
        await pilot.press("escape")  # back where the user came from
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)

        table = app.screen.query_one(DataTable)
        table.move_cursor(row=[str(k.value) for k in table.rows].index(SWEEP))
        await pilot.press("enter")  # the sweep again: the same view, not a second one
        await until_read(pilot, app)
        assert app.screen is first
        await pilot.press("down", "enter")  # its second point, in the tabs
        for _ in range(6000):
            if app.current is not None and not app.active:
                break
            await pilot.pause(0.01)
        assert app.current is not None and app.current.run_dir == root / SWEEP / "02-length-25"
        await pilot.press("5")
        assert "**Part of a sweep.** This run is point 2 of 3" in app.query_one("#guide-text", Markdown).source
        await pilot.press("o")  # the browser: a run that is no point of the sweep has no word of it
        assert isinstance(app.screen, RunsScreen)
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=[str(k.value) for k in table.rows].index("20260101-000001"))
        await pilot.press("enter")
        for _ in range(6000):
            if app.current is not None and app.current.run_dir.name == "20260101-000001" and not app.active:
                break
            await pilot.pause(0.01)
        await pilot.pause()
        assert "Part of a sweep" not in app.query_one("#guide-text", Markdown).source


async def test_a_second_sweep_is_not_opened_over_the_first(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    made_sweep(root / SWEEP, SMALL)
    other = root / "20260101-000005-sweep"
    made_sweep(other, SMALL)
    app = RnnLstmApp(parse_invocation([str(root / SWEEP)]), root, experiment=FakeEngine())
    notes: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await until_read(pilot, app)
        await pilot.press("enter")  # a point, in the tabs
        for _ in range(6000):
            if app.current is not None and not app.active:
                break
            await pilot.pause(0.01)
        app.notify = lambda message, **options: notes.append(message)  # type: ignore[method-assign]
        await pilot.press("o")
        assert isinstance(app.screen, RunsScreen)
        await pilot.press("enter")  # the newest: the other sweep
        await pilot.pause()
        assert notes == [f"one sweep per window; open this one with: rnnlstm-tui {other}"]
        assert app.sweep_screen is not None and app.sweep_screen.path == root / SWEEP
