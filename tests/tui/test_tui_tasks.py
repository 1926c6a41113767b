"""The TUI for the tasks beyond the seed's (adding, text) and the task-aware form, on the scripted engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.fake_engine import FakeEngine, loss_at
from helpers.pilot_helpers import SIZE, SMALL, Watch, done_of, fake_app, settle
from textual.widgets import DataTable, Input, Label, Select, TabbedContent

from engine.config.tasks import for_task, solved_threshold
from engine.data.datasets import baseline_loss, make_dataset
from tui.charts.plots import CurveChart, ForecastChart
from tui.panes.inside import InsidePane
from tui.panes.training import TrainingPane
from tui.screens.settings import SettingsScreen


async def test_the_adding_task_shows_its_baseline_solved_mark_and_held_out_preview(tmp_path: Path) -> None:
    config = for_task("adding", epochs=8, sequences=100, length=20, forecast_every=4)
    app = fake_app(config, tmp_path)
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot, watch.expect(done_of(1)))
        assert app.sub_title.startswith("adding · ")
        table = app.query_one(DataTable)
        limit = solved_threshold(config, baseline_loss(make_dataset(config)))
        solved = next(epoch for epoch in range(1, 9) if loss_at("lstm", epoch)[1] <= limit)  # type: ignore[operator]
        assert table.get_cell("lstm", "status") == f"finished, solved at {solved}"
        stats = str(app.query_one(TrainingPane).panel("lstm").query_one(".model-stats", Label).render())
        assert stats == f"finished at epoch 8/8 · solved at {solved}"
        await pilot.press("2")
        chart = app.query_one(ForecastChart)
        assert chart.x_label == "held-out sequence, by target" and chart.curves[0].label == "target"
        assert chart.shown_title == "held-out sequences: prediction vs target, sorted by target"
        metrics = json.loads((app.current.run_dir / "metrics.json").read_text())  # type: ignore[union-attr]
        assert metrics["models"]["lstm"]["solved_epoch"] == solved and metrics["solved_below"] == limit


async def test_choosing_another_task_in_the_form_shows_its_fields(tmp_path: Path) -> None:
    engine = FakeEngine()
    app = fake_app(SMALL, tmp_path, engine, autostart=False)
    watch = Watch()
    async with app.run_test(size=(100, 40), message_hook=watch) as pilot:
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, SettingsScreen) and screen.query("#field-tau")
        screen.query_one("#field-task", Select).value = "adding"
        await pilot.pause()
        assert not screen.query("#field-tau") and screen.query("#field-length")
        assert screen.query_one("#field-optimizer", Select).value == "adam"  # the task's own default
        screen.query_one("#field-length", Input).value = "30"
        screen.query_one("#field-epochs", Input).value = "3"
        done = watch.expect(done_of(1))
        await pilot.press("ctrl+s")
        await settle(pilot, done)
        assert engine.configs == [for_task("adding", length=30, epochs=3, models=SMALL.models)]


async def test_the_text_task_shows_samples_accuracy_and_grammar(tmp_path: Path) -> None:
    config = for_task("text", epochs=4, forecast_every=2)
    app = fake_app(config, tmp_path)
    watch = Watch()
    async with app.run_test(size=(120, 36), message_hook=watch) as pilot:
        await settle(pilot, watch.expect(done_of(1)))
        tabs = app.query_one(TabbedContent)
        assert str(tabs.get_tab("forecast").label) == "2 Samples"
        combined = app.query_one(TrainingPane).query_one("#combined", CurveChart)
        assert combined.chart_title == "val accuracy, all models" and [c.label for c in combined.curves] == [
            "rnn",
            "lstm",
        ]
        assert list(combined.curves[0].y) == pytest.approx([1 - loss_at("rnn", e)[1] for e in range(1, 5)])
        await pilot.press("2")
        box = app.query_one("#sample-lstm")
        assert box.display and not app.query_one(ForecastChart).display
        assert "BTBTXSETE" in str(box.render()) and box.border_subtitle == "grammatical: 100% of complete strings"
        assert box.border_title == "lstm · final after epoch 4" and not app.query_one("#sample-gru").display
        table = app.query_one(DataTable)
        assert (
            table.get_cell("lstm", "gram") == "100%"
            and table.get_cell("lstm", "acc") == f"{1 - loss_at('lstm', 4)[1]:.3f}"
        )
        samples = (app.current.run_dir / "samples.txt").read_text(encoding="utf-8")  # type: ignore[union-attr]
        assert samples.count("=== lstm, epoch 4 (final) ===") == 1


async def test_the_inside_tab_shows_gradients_and_the_chosen_windows_states(tmp_path: Path) -> None:
    app = fake_app(SMALL, tmp_path)
    watch = Watch()
    async with app.run_test(size=(120, 40), message_hook=watch) as pilot:
        await settle(pilot, watch.expect(done_of(1)))
        await pilot.press("6")
        assert app.query_one(TabbedContent).active == "inside"
        gradient = app.query_one("#inside-gradient", CurveChart)
        assert [c.label for c in gradient.curves] == ["rnn @2", "rnn @6", "lstm @2", "lstm @6"]  # first and last look
        assert gradient.curves[1].y[3] == pytest.approx(0.5**3 / 7)
        status = app.query_one("#inside-status", Label)
        assert "validation window 1 of 4" in str(status.render()) and "the grey curves" in str(status.render())
        app.query_one(InsidePane).draw(app.inside, app.inside, 0, False)  # first look = latest: no grey curves
        assert "grey" not in str(status.render()) and len(gradient.curves) == 2
        app.query_one(InsidePane).draw(app.first_inside, app.inside, 0, False)
        await pilot.press("right", "right")
        assert app.window == 2 and "validation window 3 of 4" in str(status.render())
        await pilot.press("right", "right", "right")
        assert app.window == 3  # the last window: no further
        gates = [c.label for c in app.query_one("#inside-gates", CurveChart).curves]
        assert gates == ["rnn hidden state", "lstm forget gate", "lstm cell state"]
        assert "lstm cell state: units (rows) × steps" in str(app.query_one("#inside-heatmap").render())
        await pilot.press("1", "right")
        assert app.window == 3  # elsewhere the arrows do not choose windows


async def test_the_inside_tab_shows_the_min_models_gates_and_their_own_gate_in_the_heatmap(tmp_path: Path) -> None:
    import plotext
    from helpers.fake_engine import look_inside

    from engine.report.states import heatmap
    from tui.panes.inside import STATE_COLORS

    app = fake_app(SMALL.replace(models=("minlstm", "mingru")), tmp_path)
    watch = Watch()
    async with app.run_test(size=(120, 40), message_hook=watch) as pilot:
        await settle(pilot, watch.expect(done_of(1)))
        await pilot.press("6")
        gates = app.query_one("#inside-gates", CurveChart).curves
        assert [c.label for c in gates] == ["minlstm forget gate", "minlstm input gate", "mingru update gate"]
        assert len({c.color for c in gates}) == 3  # each gate its own colour
        # minLSTM has no cell state: its forget gate f', not its hidden state
        assert "minlstm forget gate: units (rows) × steps" in str(app.query_one("#inside-heatmap").render())
    assert heatmap(look_inside(SMALL, "mingru", 2, final=True), 0, 12)[0] == "update gate"
    assert heatmap(look_inside(SMALL, "lstm", 2, final=True), 0, 12)[0] == "cell state"  # the LSTM's, unchanged
    colours = [STATE_COLORS[name] for name in ("update gate", "forget gate", "input gate")]
    assert len(set(colours)) == 3 and all("\x1b[" in plotext.colorize("x", c) for c in colours)  # plotext knows each
