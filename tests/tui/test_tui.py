"""The TUI's behaviour, driven through Textual's Pilot against the scripted engine (no TensorFlow).

Synchronisation is by messages, never by sleeping: ``Watch`` resolves a future once the app has
handled the awaited message; ``wait_for_complete`` waits for the training worker.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from helpers.fake_engine import FakeEngine, loss_at
from helpers.pilot_helpers import SIZE, SMALL, Watch, done_of, epoch_of, fake_app, finished, history_rows, settle
from textual.widgets import Checkbox, DataTable, Input, Label, TabbedContent

from engine.data.datasets import baseline_loss, make_dataset
from engine.report.events import ModelFinished, Status
from tui import messages as msg
from tui.charts.plots import CurveChart, ForecastChart
from tui.panes.tabs import SummariesPane
from tui.panes.training import TrainingPane
from tui.screens.settings import SettingsScreen


async def test_a_run_fills_every_tab_and_exports_them(tmp_path: Path) -> None:
    app = fake_app(SMALL, tmp_path)
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot, watch.expect(done_of(1)))
        await app.workers.wait_for_complete()
        assert app.state == "finished" and app.sub_title == "damped · CPU (fake engine) · finished"
        tabs = app.query_one(TabbedContent)
        for key, tab in zip("23412", ("forecast", "summaries", "metrics", "training", "forecast"), strict=True):
            await pilot.press(key)
            assert tabs.active == tab

        pane = app.query_one(TrainingPane)
        for model in ("rnn", "lstm"):
            loss, val, baseline = pane.panel(model).chart.curves
            assert (loss.label, val.label) == ("loss", "val") and list(loss.x) == list(range(1, 7))
            assert val.y[-1] == pytest.approx(loss_at(model, 6)[1])
            assert baseline.label == "baseline" and list(baseline.y) == pytest.approx([app.baseline] * 2)
        combined = pane.query_one("#combined", CurveChart).curves
        assert [c.label for c in combined] == ["rnn", "lstm", "baseline"]
        assert app.baseline == pytest.approx(baseline_loss(make_dataset(SMALL)))

        chart = app.query_one(ForecastChart)
        labels = [c.label for c in chart.curves]
        assert labels[:2] == ["truth", "given (20 values)"]  # the window the closed loop starts from
        assert labels[2].startswith("rnn RMSE") and labels[3].startswith("lstm")
        given, rnn = chart.curves[1], chart.curves[2]
        assert len(given.x) == 20 and given.x[-1] < rnn.x[0]  # the truth just before the first forecast
        status = str(app.query_one("#forecast-status", Label).render())
        assert "rnn: final after epoch 6" in status and "lstm: final after epoch 6" in status

        summaries = app.query_one(SummariesPane).query(".summary")
        assert [s.border_title for s in summaries] == ["rnn", "lstm"]

        table = app.query_one(DataTable)
        metrics = json.loads((app.current.run_dir / "metrics.json").read_text())["models"]  # type: ignore[union-attr]
        for model in ("rnn", "lstm"):
            assert table.get_cell(model, "status") == "finished"
            assert table.get_cell(model, "params") == f"{metrics[model]['params']:,}"
            assert float(table.get_cell(model, "loss")) == pytest.approx(metrics[model]["final_loss"], rel=5e-3)
            assert table.get_cell(model, "best").endswith("(6)")

        await pilot.press("e")
        await app.workers.wait_for_complete()
        for tab in ("training", "forecast", "summaries", "metrics"):
            assert (app.current.run_dir / f"screen-{tab}.svg").read_text().startswith("<svg")  # type: ignore[union-attr]
        assert tabs.active == "forecast" and app.animation_level == "full"  # as before the export


async def test_log_and_smoothing_keys_change_the_charts(tmp_path: Path) -> None:
    app = fake_app(SMALL, tmp_path)
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot, watch.expect(done_of(1)))
        chart = app.query_one(TrainingPane).panel("rnn").chart
        raw_val = list(chart.curves[1].y)
        assert app.log_scale and chart.shown_title == "rnn loss · log"
        await pilot.press("l", "m")
        assert not app.log_scale and app.smoothing and chart.shown_title == "rnn loss · EMA"
        smoothed = list(chart.curves[1].y)
        assert smoothed[0] == pytest.approx(raw_val[0]) and smoothed[1:] != raw_val[1:]
        assert [c.color for c in chart.faint] == ["blue", "orange"]  # each raw curve a dim version of its colour


async def test_a_slow_start_says_what_it_waits_for(tmp_path: Path) -> None:
    gate = threading.Event()
    app = fake_app(SMALL, tmp_path, FakeEngine(gate=gate))
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot, watch.expect(lambda m: isinstance(m, msg.PhaseChanged)))
        assert app.state == "loading TensorFlow" and app.active
        stats = app.query_one(TrainingPane).panel("rnn").query_one(".model-stats", Label)
        assert "waiting" in str(stats.render())
        assert len(app.query_one(ForecastChart).curves) == 1  # the truth is drawn before the engine is up
        done = watch.expect(done_of(1))
        gate.set()
        await settle(pilot, done)
        assert app.state == "finished"


async def test_a_burst_of_restarts_while_starting_leaves_one_run_folder(tmp_path: Path) -> None:
    gate = threading.Event()
    app = fake_app(SMALL, tmp_path, FakeEngine(gate=gate))
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        for _ in range(4):  # each run is still starting (no epoch yet) when the next replaces it
            await pilot.press("r")
        done = watch.expect(done_of(5))
        gate.set()
        await settle(pilot, done)
        for run in app.runs:
            run.thread.join(10)
        assert [run.superseded for run in app.runs] == [True] * 4 + [False]
    assert [p for p in tmp_path.iterdir() if p.is_dir()] == [app.runs[-1].run_dir]  # replaced runs left nothing
    assert json.loads((app.runs[-1].run_dir / "metrics.json").read_text())["status"] == "finished"


async def test_a_diverged_model_is_marked_while_the_other_trains_on(tmp_path: Path) -> None:
    app = fake_app(SMALL, tmp_path, FakeEngine(diverge={"lstm": 3}))
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot, watch.expect(done_of(1)))
        assert app.state == "diverged"
        table = app.query_one(DataTable)
        assert table.get_cell("lstm", "status") == "diverged at epoch 3"
        assert table.get_cell("lstm", "rmse") == "—" and table.get_cell("rnn", "status") == "finished"
        stats = app.query_one(TrainingPane).panel("lstm").query_one(".model-stats", Label)
        assert str(stats.render()) == "diverged at epoch 3/6"
        lstm_chart = app.query_one(TrainingPane).panel("lstm").chart
        assert list(lstm_chart.curves[1].x) == [1, 2]  # the NaN epoch is not drawn
        assert lstm_chart.shown_title.startswith("lstm loss · diverged at epoch 3")
        await pilot.press("2")
        status = str(app.query_one("#forecast-status", Label).render())
        assert "lstm: diverged at epoch 3, nothing to forecast" in status and "rnn: final after epoch 6" in status


async def test_forecast_previews_come_during_training(tmp_path: Path) -> None:
    app = fake_app(SMALL.replace(epochs=100, forecast_every=2), tmp_path, FakeEngine(hold_after=4))
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        preview = watch.expect(lambda m: isinstance(m, msg.ForecastDone) and m.report.epoch == 4)
        await settle(pilot, preview)
        await pilot.press("2")
        status = str(app.query_one("#forecast-status", Label).render())
        assert "preview after epoch 4" in status
        done = watch.expect(done_of(1))
        await pilot.press("s")
        await settle(pilot, done)
        assert app.state == "stopped"


async def test_stop_start_and_restart_use_new_folders(tmp_path: Path) -> None:
    engine = FakeEngine(hold_after=2)
    app = fake_app(SMALL.replace(epochs=1000), tmp_path, engine)
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot, watch.expect(epoch_of(1)))
        done = watch.expect(done_of(1))
        await pilot.press("s")
        await settle(pilot, done)
        assert app.state == "stopped" and app.check_action("start", ()) and not app.check_action("stop", ())

        first_epoch = watch.expect(epoch_of(2))
        await pilot.press("s")  # start again
        await settle(pilot, first_epoch)
        restarted = watch.expect(epoch_of(3))
        await pilot.press("r")  # restart while running: run 2 is stopped, run 3 starts
        await settle(pilot, restarted)
        done = watch.expect(done_of(3))
        await pilot.press("s")
        await settle(pilot, done)
        await app.workers.wait_for_complete()
        for run in app.runs:
            run.thread.join(10)
    folders = [run.run_dir for run in app.runs]
    assert len(set(folders)) == 3 and len(engine.configs) == 3
    for folder in folders:
        assert history_rows(folder), folder
        assert json.loads((folder / "metrics.json").read_text())["status"] == "stopped"


async def test_events_of_a_replaced_run_are_dropped(tmp_path: Path) -> None:
    app = fake_app(SMALL.replace(epochs=1000), tmp_path, FakeEngine(hold_after=2))
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot, watch.expect(epoch_of(1)))
        second = watch.expect(epoch_of(2))
        await pilot.press("r")
        await settle(pilot, second)
        stale = msg.ModelDone(1, ModelFinished("rnn", Status.DIVERGED, 1))
        app.post_message(stale)
        await pilot.pause()
        assert app.query_one(DataTable).get_cell("rnn", "status") != "diverged at epoch 1"
        await pilot.press("s")


async def test_settings_flag_bad_values_in_the_forms_words_and_apply_good_ones(tmp_path: Path) -> None:
    engine = FakeEngine()
    app = fake_app(SMALL, tmp_path, engine, autostart=False)
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:

        async def open_form() -> SettingsScreen:
            await pilot.press("c")
            assert isinstance(app.screen, SettingsScreen)
            return app.screen

        def fill(screen: SettingsScreen, **texts: str) -> None:
            for name, text in texts.items():
                screen.query_one(f"#field-{name}", Input).value = text

        def error(screen: SettingsScreen, name: str) -> str:
            return str(screen.query_one(f"#error-{name}", Label).render())

        fill(await open_form(), epochs="99")
        await pilot.press("escape")
        assert app.config == SMALL and app.current is None  # cancel changes nothing

        screen = await open_form()
        fill(screen, epochs="ten", learning_rate="-1", batch_size="500")
        await pilot.press("ctrl+s")
        assert app.screen is screen and app.config == SMALL
        assert error(screen, "epochs") == "epochs ten: not a whole number; allowed: an integer from 1 to 1000000"
        assert (
            error(screen, "learning_rate") == "learning rate -1: not allowed; allowed: a finite number greater than 0"
        )
        assert error(screen, "batch_size").startswith("batch size 500: not allowed")
        assert error(screen, "units") == ""
        fill(screen, epochs="3", learning_rate="0.05", batch_size="8")
        screen.query_one("#model-rnn", Checkbox).value = False
        screen.query_one("#model-lstm", Checkbox).value = False
        await pilot.press("ctrl+s")
        assert app.screen is screen and error(screen, "models").startswith("models (none): not allowed")
        assert error(screen, "epochs") == ""

        screen.query_one("#model-gru", Checkbox).value = True
        done = watch.expect(done_of(1))
        await pilot.press("ctrl+s")
        assert not isinstance(app.screen, SettingsScreen)
        expected = SMALL.replace(epochs=3, learning_rate=0.05, batch_size=8, models=("gru",))
        assert app.config == expected and engine.configs == [expected]
        await settle(pilot, done)
        assert app.state == "finished"
        assert json.loads((app.current.run_dir / "config.json").read_text())["models"] == ["gru"]  # type: ignore[union-attr]


async def test_quit_mid_training_is_prompt_and_interrupts_the_run(tmp_path: Path) -> None:
    app = fake_app(SMALL.replace(epochs=1000), tmp_path, FakeEngine(hold_after=3))
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot, watch.expect(epoch_of(1)))
        started = time.monotonic()
        await pilot.press("q")
    assert time.monotonic() - started < 2.0 and app.return_code == 0
    assert not any(worker.is_running for worker in app.workers)
    (run,) = app.runs
    run.thread.join(10)
    assert not run.alive
    assert json.loads((run.run_dir / "metrics.json").read_text())["status"] == "interrupted"


async def test_too_small_terminal_shows_a_notice_and_recovers(tmp_path: Path) -> None:
    app = fake_app(SMALL, tmp_path, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        notice = app.query_one("#too-small")
        assert not notice.display and app.query_one(TabbedContent).display
        await pilot.resize_terminal(50, 15)
        await pilot.pause()
        assert app.has_class("-too-small") and notice.display and not app.query_one(TabbedContent).display
        assert "need 60×20" in str(notice.render())
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.has_class("-too-small") and not notice.display
        await pilot.press("q")
    assert app.return_code == 0


async def test_an_engine_failure_is_shown_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = fake_app(SMALL, tmp_path, FakeEngine(fail_after=2))
    notes: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **options: notes.append(f"{options['title']}: {message}"))
    async with app.run_test(size=SIZE) as pilot:
        await finished(pilot)
        assert app.state == "error" and app.is_running and not app.active
        assert notes == ["training failed: RuntimeError: scripted failure"]
        await pilot.press("4")
        assert app.query_one(TabbedContent).active == "metrics"
