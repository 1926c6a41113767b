"""The TUI driven through Textual's Pilot, with the real engine on tiny configs.

Synchronisation is by messages, never by sleeping: ``Watch`` is the app's message hook and
resolves a future when the awaited message has been handled; the worker manager's
``wait_for_complete`` waits for the training worker.
"""

from __future__ import annotations

import asyncio
import csv
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Label, TabbedContent

from engine.config import Config
from tui import messages as msg
from tui.app import RnnLstmApp
from tui.charts import CurveChart, ForecastChart
from tui.panes import SummariesPane, TrainingPane
from tui.settings import SettingsScreen

SIZE = (100, 30)
TINY = {"units": 8, "window": 8, "points": 40, "batch_size": 8, "forecast_every": 2}
"""Small enough that a model compiles in a second or two, big enough to be the real thing."""
LONG = 1_000_000
"""Epochs for runs that the test stops itself."""


def tiny(**changes: object) -> Config:
    values: dict[str, object] = {**TINY, "models": ("rnn",), "epochs": 5, **changes}
    return Config(**values)  # type: ignore[arg-type]


class Watch:
    """A ``message_hook`` that lets a test await the first handled message matching a predicate."""

    def __init__(self) -> None:
        self.waiters: list[tuple[Callable[[Message], bool], asyncio.Future[Message]]] = []

    def __call__(self, message: Message) -> None:
        for predicate, future in self.waiters:
            if not future.done() and predicate(message):
                future.set_result(message)

    def expect(self, predicate: Callable[[Message], bool]) -> asyncio.Future[Message]:
        """Register before the action that causes the message, then await the future."""
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self.waiters.append((predicate, future))
        return future


def epoch_of(run_id: int) -> Callable[[Message], bool]:
    return lambda m: isinstance(m, msg.EpochsDone) and m.run_id == run_id


def done_of(run_id: int) -> Callable[[Message], bool]:
    return lambda m: isinstance(m, msg.RunDone) and m.run_id == run_id


async def settle(pilot: Pilot, future: asyncio.Future[Message], timeout: float = 60) -> Message:
    message = await asyncio.wait_for(future, timeout)
    await pilot.pause()
    return message


def history_rows(run_dir: Path) -> list[dict[str, str]]:
    with open(run_dir / "history.csv", newline="") as handle:
        return list(csv.DictReader(handle))


async def test_full_run_fills_every_tab(tmp_path: Path) -> None:
    app = RnnLstmApp(tiny(models=("rnn", "lstm"), epochs=8), tmp_path)
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot, watch.expect(done_of(1)))
        await app.workers.wait_for_complete()
        assert app.state == "finished"
        assert "CPU" in app.sub_title or "GPU" in app.sub_title
        tabs = app.query_one(TabbedContent)

        # Training: every epoch of both models reached the charts.
        for key, tab in zip("2341", ("forecast", "summaries", "metrics", "training"), strict=True):
            await pilot.press(key)
            assert tabs.active == tab
        pane = app.query_one(TrainingPane)
        for model in ("rnn", "lstm"):
            curves = pane.panel(model).chart.curves
            assert [c.label for c in curves] == ["loss", "val"]
            assert list(curves[0].x) == list(range(1, 9))
        combined = pane.query_one("#combined", CurveChart).curves
        assert [c.label for c in combined] == ["rnn", "lstm"] and all(len(c.x) == 8 for c in combined)

        # Display toggles: state, chart titles and the smoothed data change.
        raw_val = list(pane.panel("rnn").chart.curves[1].y)
        assert app.log_scale and pane.panel("rnn").chart.shown_title == "rnn loss · log"
        await pilot.press("l", "m")
        assert not app.log_scale and app.smoothing
        assert pane.panel("rnn").chart.shown_title == "rnn loss · EMA"
        smoothed = list(pane.panel("rnn").chart.curves[1].y)
        assert smoothed[0] == pytest.approx(raw_val[0]) and smoothed[1:] != raw_val[1:]

        # Forecast: truth and both final forecasts on one chart, with their epoch and RMSE.
        await pilot.press("2")
        labels = [c.label for c in app.query_one(ForecastChart).curves]
        assert labels[0] == "truth" and labels[1].startswith("rnn (epoch 8) RMSE") and labels[2].startswith("lstm")
        status = str(app.query_one("#forecast-status", Label).render())
        assert "rnn: final after epoch 8" in status and "lstm: final after epoch 8" in status

        # Metrics: the engine's final numbers for both models.
        table = app.query_one(DataTable)
        metrics = json.loads((app.current.run_dir / "metrics.json").read_text())["models"]
        for model in ("rnn", "lstm"):
            assert table.get_cell(model, "status") == "finished"
            assert table.get_cell(model, "params") == f"{metrics[model]['params']:,}"
            assert float(table.get_cell(model, "rmse")) == pytest.approx(metrics[model]["forecast_rmse"], abs=1e-4)
            assert float(table.get_cell(model, "loss")) == pytest.approx(metrics[model]["final_loss"], rel=1e-2)

        # Export: one SVG per tab, in the run folder; the tab shown is restored.
        await pilot.press("e")
        await app.workers.wait_for_complete()
        for tab in ("training", "forecast", "summaries", "metrics"):
            assert (app.current.run_dir / f"screen-{tab}.svg").read_text().startswith("<svg")
        assert tabs.active == "forecast"


async def test_stop_start_and_restart_use_new_folders(tmp_path: Path) -> None:
    app = RnnLstmApp(tiny(epochs=LONG), tmp_path)
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
            run.thread.join(30)

    folders = [run.run_dir for run in app.runs]
    assert len(set(folders)) == 3
    for folder in folders:
        assert history_rows(folder), folder
        assert json.loads((folder / "metrics.json").read_text())["status"] == "stopped"


async def test_settings_flag_bad_values_and_apply_good_ones(tmp_path: Path) -> None:
    config = tiny(epochs=4)
    app = RnnLstmApp(config, tmp_path, autostart=False)
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

        # Cancel changes nothing.
        fill(await open_form(), epochs="99")
        await pilot.press("escape")
        assert app.config == config and app.current is None

        # Bad values: each flagged next to its field, the form stays, the config is untouched.
        screen = await open_form()
        fill(screen, epochs="ten", learning_rate="-1", batch_size="500")
        await pilot.press("ctrl+s")
        assert app.screen is screen and app.config == config
        assert "not a whole number" in error(screen, "epochs")
        assert "--lr -1.0: not allowed" in error(screen, "learning_rate")
        assert "--batch-size 500: not allowed" in error(screen, "batch_size")
        assert error(screen, "units") == ""
        fill(screen, epochs="3", learning_rate="0.05", batch_size="8")
        screen.query_one("#model-rnn", Checkbox).value = False
        await pilot.press("ctrl+s")
        assert app.screen is screen and "--models" in error(screen, "models")
        assert error(screen, "epochs") == ""

        # A good form applies and restarts training with the new settings.
        screen.query_one("#model-rnn", Checkbox).value = True
        done = watch.expect(done_of(1))
        await pilot.press("ctrl+s")
        assert not isinstance(app.screen, SettingsScreen)
        assert app.config == config.replace(epochs=3, learning_rate=0.05)
        await settle(pilot, done)
        assert app.state == "finished"
        assert json.loads((app.current.run_dir / "config.json").read_text())["epochs"] == 3
        await app.workers.wait_for_complete()


async def test_quit_mid_training_is_prompt_and_leaves_no_thread(tmp_path: Path) -> None:
    app = RnnLstmApp(tiny(epochs=LONG), tmp_path)
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot, watch.expect(epoch_of(1)))
        started = time.monotonic()
        await pilot.press("ctrl+c")
    assert time.monotonic() - started < 2.0
    assert app.return_code == 0
    assert not any(worker.is_running for worker in app.workers)
    (run,) = app.runs
    assert run.thread.daemon
    run.thread.join(10)  # already done, or finishing the folder: it must end on its own
    assert not run.alive
    # Quitting mid-run interrupts it; the stop key ("s") would say "stopped".
    assert json.loads((run.run_dir / "metrics.json").read_text())["status"] == "interrupted"


async def test_too_small_terminal_shows_a_notice_and_recovers(tmp_path: Path) -> None:
    app = RnnLstmApp(tiny(), tmp_path, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        notice = app.query_one("#too-small")
        assert not notice.display and app.query_one(TabbedContent).display
        await pilot.resize_terminal(50, 15)
        await pilot.pause()
        assert app.has_class("-too-small") and notice.display
        assert not app.query_one(TabbedContent).display
        assert "need 60×20" in str(notice.render())
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.has_class("-too-small") and not notice.display
        assert app.query_one(TabbedContent).display
        await pilot.press("q")
    assert app.return_code == 0


async def test_keys_are_in_the_command_palette(tmp_path: Path) -> None:
    app = RnnLstmApp(tiny(), tmp_path, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Start", "Restart", "Settings", "Log", "Smooth", "Training", "Metrics"} <= titles
        assert "Stop" not in titles and "Export" not in titles  # nothing runs yet
        await pilot.press("ctrl+p", *"smooth")
        await app.workers.wait_for_complete()  # the palette searches in a worker
        await pilot.press("enter")
        assert app.smoothing


async def test_engine_failure_is_shown_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> None:
        raise RuntimeError("no such device")

    monkeypatch.setattr("engine.experiment.run_experiment", fail)
    app = RnnLstmApp(tiny(), tmp_path)
    notes: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **options: notes.append(f"{options['title']}: {message}"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.state == "error" and app.is_running
        assert notes == ["training failed: RuntimeError: no such device"]
        await pilot.press("4")
        assert app.query_one(TabbedContent).active == "metrics"


SUMMARY = """Model: "{name}"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┓
┃ Layer (type)              ┃ Output Shape        ┃    Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━┩
│ {layer:<25} │ (None, 20, 40)      │ {params:>10} │
└───────────────────────────┴─────────────────────┴────────────┘"""


def test_summaries_snapshot(snap_compare: Callable[..., bool], tmp_path: Path) -> None:
    """Summaries side by side on a wide terminal; fixed text and no training, so nothing varies."""
    app = RnnLstmApp(tiny(models=("rnn", "lstm")), tmp_path, autostart=False)

    async def show_summaries(pilot: Pilot) -> None:
        await pilot.press("3")
        summaries = {
            "rnn": SUMMARY.format(name="rnn", layer="simple_rnn (SimpleRNN)", params="1,680"),
            "lstm": SUMMARY.format(name="lstm", layer="lstm (LSTM)", params="6,720"),
        }
        await app.query_one(SummariesPane).show(summaries)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(140, 24), run_before=show_summaries)
