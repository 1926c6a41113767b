"""The runs screen and the open mode, driven through Pilot on folders the scripted engine wrote."""

from __future__ import annotations

from pathlib import Path

from helpers.fake_engine import FakeEngine
from helpers.pilot_helpers import Watch, done_of, settle
from textual.widgets import DataTable, Input, Static

from engine.cli import parse_invocation
from engine.config.config import Config
from engine.report.stop import StopSignal
from tui.app import RnnLstmApp
from tui.charts.plots import CurveChart
from tui.screens.runs import RunsScreen

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
