"""What the screen holds at a given size (Summaries, Metrics), and what Export saves of it, on the scripted engine."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from helpers.fake_engine import FakeEngine
from helpers.pilot_helpers import SMALL, Watch, done_of, fake_app, finished, settle
from textual.containers import Horizontal
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from tui import messages as msg
from tui.charts.plots import Chart
from tui.panes.metrics import compact
from tui.panes.training import TrainingPane


def row_of(svg: str, text: str) -> float:
    """The y of the line of an exported SVG screenshot that holds ``text`` (as the SVG escapes it)."""
    match = re.search(r'<text[^>]* y="([0-9.]+)"[^>]*>[^<]*' + re.escape(text), svg)
    assert match, text
    return float(match.group(1))


async def test_export_saves_the_summaries_side_by_side_when_they_fit_and_keeps_every_export(tmp_path: Path) -> None:
    app = fake_app(SMALL, tmp_path)
    async with app.run_test(size=(200, 60)) as pilot:
        await finished(pilot)
        boxes = app.query_one("#summary-boxes", Horizontal)
        assert boxes.styles.layout is not None and boxes.styles.layout.name == "horizontal"  # never shown yet
        for _ in range(2):
            await pilot.press("e")
            await app.workers.wait_for_complete()
        folder = app.current.run_dir  # type: ignore[union-attr]
        svg = (folder / "screen-summaries.svg").read_text()
        assert row_of(svg, "Model:&#160;&quot;rnn&quot;") == row_of(svg, "Model:&#160;&quot;lstm&quot;")
        assert (folder / "screen-summaries-2.svg").exists() and (folder / "screen-training-2.svg").exists()
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert boxes.styles.layout is not None and boxes.styles.layout.name == "vertical"  # stacked: too narrow


def test_compact_cells() -> None:
    assert compact("1.884e-03 (40)") == "1.88e-3 (40)" and compact("2.658e-06") == "2.66e-6"
    assert compact("4,206,593") == "4.21M" and compact("421,000") == "421k" and compact("6,761") == "6,761"
    assert compact("finished") == "finished" and compact("0.0042") == "0.0042"


async def test_the_metrics_table_fits_80_columns_and_says_how_to_scroll_when_narrower(tmp_path: Path) -> None:
    app = fake_app(SMALL, tmp_path, FakeEngine(diverge={"lstm": 3}))
    async with app.run_test(size=(80, 24)) as pilot:
        await finished(pilot)
        await pilot.press("4")
        await pilot.pause()
        table, hint = app.query_one("#metrics-table", DataTable), app.query_one("#metrics-hint")
        assert table.get_cell("lstm", "status") == "diverged at epoch 3"  # on two lines of its row
        assert table.virtual_size.width <= table.size.width and not hint.display
        await pilot.resize_terminal(64, 24)
        await pilot.pause()
        assert table.max_scroll_x > 0 and hint.display


async def test_80x24_gives_every_chart_three_rows_and_shows_every_key(tmp_path: Path) -> None:
    app = fake_app(SMALL, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await finished(pilot)
        for key in "16":  # the tabs with the least room per chart
            await pilot.press(key)
            await pilot.pause()
            charts = [c for c in app.screen.query(Chart) if c.region.height]  # those on screen
            assert charts and all(c.plot_rows(c.size.width, c.size.height) >= 3 for c in charts), key
        keys = list(app.screen.query(FooterKey))
        assert {"Quit", "Export", "Runs"} <= {k.description for k in keys}
        assert all(k.region.right <= 80 for k in keys)
        for size, small in (((60, 20), False), ((59, 20), True), ((60, 19), True)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert app.has_class("-too-small") is small, size  # the README says where the notice starts


async def test_a_chart_without_data_draws_its_frame(tmp_path: Path) -> None:
    gate = threading.Event()  # the run stays in "loading TensorFlow": no curve anywhere yet
    app, watch = fake_app(SMALL, tmp_path, FakeEngine(gate=gate)), Watch()
    async with app.run_test(size=(80, 24), message_hook=watch) as pilot:
        await settle(pilot, watch.expect(lambda m: isinstance(m, msg.PhaseChanged)))  # the panels are mounted
        rendered = [str(chart.render()) for chart in app.query_one(TrainingPane).query(Chart)]
        done = watch.expect(done_of(1))
        gate.set()
        await settle(pilot, done)  # every message handled before the app closes
        assert len(rendered) == 3 and not any("cannot draw" in text for text in rendered)
