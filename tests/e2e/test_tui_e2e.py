"""End to end: the TUI driven through Textual's Pilot with the real engine (TensorFlow) on tiny configs.

The rest of the UI is tested against a scripted engine (``test_tui.py``); these few make sure
the real one drives it the same way.

Synchronisation is by messages, never by sleeping: ``Watch`` is the app's message hook and
resolves a future when the awaited message has been handled; the worker manager's
``wait_for_complete`` waits for the training worker.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from helpers.pilot_helpers import SIZE, Watch, done_of, epoch_of, settle
from textual.widgets import DataTable, Label, TabbedContent

from engine.config.config import Config
from engine.report.events import Stage
from tui.app import RnnLstmApp
from tui.charts.plots import CurveChart, ForecastChart
from tui.messages import PhaseChanged
from tui.panes.training import TrainingPane

TINY = {"units": 8, "window": 8, "points": 40, "batch_size": 8, "forecast_every": 2}
"""Small enough that a model compiles in a second or two, big enough to be the real thing."""
LONG = 1_000_000
"""Epochs for runs that the test stops itself."""


def tiny(**changes: object) -> Config:
    values: dict[str, object] = {**TINY, "models": ("rnn",), "epochs": 5, **changes}
    return Config(**values)  # type: ignore[arg-type]


async def test_full_run_fills_every_tab(tmp_path: Path) -> None:
    app = RnnLstmApp(tiny(models=("rnn", "lstm"), epochs=8, xla=False), tmp_path)
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
            assert [c.label for c in curves] == ["loss", "val", "baseline"]
            assert list(curves[0].x) == list(range(1, 9))
        combined = pane.query_one("#combined", CurveChart).curves
        assert [c.label for c in combined] == ["rnn", "lstm", "baseline"]
        assert all(len(c.x) == 8 for c in combined[:2])
        metrics_file = json.loads((app.current.run_dir / "metrics.json").read_text())  # type: ignore[union-attr]
        assert combined[2].y[0] == pytest.approx(metrics_file["baseline_val_loss"])  # the engine's, drawn

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
        assert labels[:2] == ["truth", "given (8 values)"]  # the real engine's first forecast index, too
        assert labels[2].startswith("rnn RMSE") and labels[3].startswith("lstm")
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


async def test_quit_mid_training_is_prompt_and_leaves_no_thread(tmp_path: Path) -> None:
    app = RnnLstmApp(tiny(epochs=LONG, xla=False), tmp_path)  # training is what is quit, not XLA's compile
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


class StampedApp(RnnLstmApp):
    """Notes when the app decides to exit: Pilot's own teardown afterwards is not what a user waits for."""

    exit_asked: float | None = None

    def exit(self, *args: Any, **kwargs: Any) -> None:
        self.exit_asked = time.monotonic()
        super().exit(*args, **kwargs)


async def test_quit_while_compiling_is_prompt_and_the_folder_ends_interrupted(tmp_path: Path) -> None:
    app = StampedApp(tiny(epochs=LONG, models=("lstm",)), tmp_path)  # its XLA compile: a second or two to quit in
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        training = watch.expect(lambda m: isinstance(m, PhaseChanged) and m.phase.stage is Stage.TRAINING)
        await settle(pilot, training)  # the models are built; their epoch functions compile now
        started = time.monotonic()
        await pilot.press("q")
    assert app.exit_asked is not None and app.exit_asked - started < 2.0  # a compile is not waited for
    assert app.return_code == 0 and not any(worker.is_running for worker in app.workers)
    (run,) = app.runs
    run.thread.join(60)  # the engine ends on its own once the compile returns
    assert not run.alive
    metrics = json.loads((run.run_dir / "metrics.json").read_text())
    assert metrics["status"] == "interrupted"
    assert all(m["epochs_done"] <= 1 for m in metrics["models"].values())
