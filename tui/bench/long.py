"""The TUI benchmark's long-history case: how fast keys repaint once a run holds a million epochs.

Training a million real epochs would take the benchmark an hour, and what is measured is
the UI's cost, not the engine's: a synthetic engine (same contract as
:func:`engine.experiment.run_experiment`, no TensorFlow) streams made-up epochs through the
real message path, then the same keys as a user's are timed from press to repaint.
"""

from __future__ import annotations

import asyncio
import math
import tempfile
import time
from pathlib import Path
from typing import Any

from engine.cli import Invocation
from engine.config.config import Config
from engine.experiment import Experiment
from engine.report.events import EpochReport, EventSink, ModelFinished, Phase, RunFinished, RunStarted, Stage, Status
from engine.report.stop import StopSignal
from engine.train import runtime
from tui.app import RnnLstmApp

LONG_EPOCHS = 1_000_000
"""Epochs per model in the long-history case."""
LONG_EPOCHS_QUICK = 500
"""Epochs per model with ``--quick``: a smoke test of the code path, not a measurement."""
KEYS = "2121lmlm"
"""Training and Forecast tabs in turn, then log scale and smoothing, each redrawing the loss charts."""


def synthetic_experiment(epochs: int) -> Experiment:
    """An engine that reports ``epochs`` falling losses per model at once, then finishes."""

    def experiment(config: Config, run_dir: Path, sink: EventSink, stop: StopSignal) -> RunFinished:
        run_dir.mkdir(parents=True, exist_ok=True)
        sink(Phase(Stage.TRAINING))
        params = {m: 1 for m in config.models}
        sink(RunStarted(run_dir, "synthetic", {m: m for m in config.models}, params, 1e-3))
        for epoch in range(1, epochs + 1):
            for k, model in enumerate(config.models):
                loss = (1 + k) / math.sqrt(epoch) * (1.1 + math.sin(epoch / 7))
                sink(EpochReport(model, epoch, epochs, loss, loss / 10, epoch / 1000))
            if epoch == 1:  # as the real trainers do after their first epoch
                runtime.spare_startup_objects()
        for model in config.models:
            sink(ModelFinished(model, Status.FINISHED, epochs))
        finished = RunFinished(run_dir, Status.FINISHED, {})
        sink(finished)
        return finished

    return experiment


def measure_long_history(epochs: int) -> dict[str, Any]:
    """Press-to-repaint latencies (ms) of :data:`KEYS` once ``epochs`` epochs of two models are in."""
    painted: list[float] = []

    class TimedApp(RnnLstmApp):
        """Stamps the first screen refresh after each of :data:`KEYS`' actions: what the user sees change."""

        def _stamp(self) -> None:
            self.call_after_refresh(lambda: painted.append(time.perf_counter()))

        def action_show_tab(self, tab: str) -> None:
            super().action_show_tab(tab)
            self._stamp()

        def action_toggle_log(self) -> None:
            super().action_toggle_log()
            self._stamp()

        def action_toggle_smooth(self) -> None:
            super().action_toggle_smooth()
            self._stamp()

    async def drive() -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as temp:
            config = Config(epochs=epochs, forecast_every=0)
            invocation = Invocation(config=config, out=Path(temp) / "run", headless=False)
            app = TimedApp(invocation, run_root=Path(temp), experiment=synthetic_experiment(epochs))
            filled = time.perf_counter()
            async with app.run_test(size=(100, 30)) as pilot:
                await app.workers.wait_for_complete()
                for _ in range(6000):  # until every epoch is in (bounded: 5 minutes)
                    if sum(len(h.epochs) for h in app.histories.values()) >= 2 * epochs:
                        break
                    await pilot.pause(0.05)
                filled = time.perf_counter() - filled
                latencies = []
                for key in KEYS:
                    before, pressed = len(painted), time.perf_counter()
                    await pilot.press(key)
                    for _ in range(2000):  # bounded: a key that repaints nothing is not counted
                        if len(painted) > before:
                            latencies.append(1000 * (painted[-1] - pressed))
                            break
                        await pilot.pause(0.005)
            return {"epochs": epochs, "fill_s": filled, "key_latency_ms": latencies}

    return asyncio.run(drive())


def long_table(data: dict[str, Any]) -> list[str]:
    """Markdown rows of :func:`measure_long_history`."""
    ms = sorted(data["key_latency_ms"])
    return [
        f"A long history: {data['epochs']:,} epochs of two models in the app (synthetic epochs through the real "
        f"message path, taken in at {2 * data['epochs'] / data['fill_s']:,.0f} epochs/s), keys `{KEYS}`",
        "",
        "| key press to repaint | ms |",
        "|---|---:|",
        f"| median | {ms[len(ms) // 2]:.0f} |",
        f"| max | {ms[-1]:.0f} |",
    ]
