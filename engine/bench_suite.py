"""``python -m engine.bench --suite``: the whole benchmark, written as Markdown and JSON.

1. the seed's way vs ours for the same config (per model and whole, final losses, peak RSS);
2. how the cost grows: ms/epoch against epochs, units, window and series length, for ``fit``
   and for the fast trainer (one LSTM, compile time included, as a run pays it);
3. the TUI: time to first frame, and a full run in the TUI (driven by ``App.run_test``)
   against the same run headless.

Each measurement runs in a fresh child process so its peak RSS is its own. Nothing here
fails on timing: it measures and reports.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import platform
import pty
import resource
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.config import Config

SCALING_AXES: dict[str, tuple[Any, ...]] = {
    "epochs": (100, 300, 1000),
    "units": (40, 128, 256),
    "window": (20, 50),
    "points": (200, 2000),
}
"""Values of each axis; the other fields stay at the seed's defaults (100 epochs off the epochs axis)."""


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """User + system CPU time of this process so far: less noisy than wall time on a shared VM."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def in_child(function: Callable[..., dict], *args: Any) -> dict:
    """Run ``function(*args)`` in a fresh spawned process and return its result dict."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(function, args)


def measure_seed(config: Config) -> dict:
    """The notebook's way: ``fit`` per model, then ``predict()`` per forecast step."""
    from engine import runtime

    runtime.prepare_device(config.device)
    from engine.seed_way import run_seed_model

    started = time.perf_counter()
    results = {kind: run_seed_model(kind, config) for kind in config.models}
    whole = time.perf_counter() - started
    return {
        "whole_s": whole,
        "peak_rss_mb": peak_rss_mb(),
        "models": {
            k: {
                "train_s": r.fit_seconds,
                "forecast_s": r.forecast_seconds,
                "loss": r.final_loss,
                "val_loss": r.final_val_loss,
            }
            for k, r in results.items()
        },
    }


FORECAST_KEYS = ("forecast_first_s", "forecast_s", "seed_loop_same_model_s", "forecast_max_abs_diff")
"""What ``measure_ours`` reports of each model's forecast, when asked to compare forecasts."""


def measure_ours(config: Config, compare_forecasts: bool = True) -> dict:
    """The engine's whole run (artifacts included), then its forecast timed on its own.

    The forecast is also run the seed's way (a ``predict()`` per step) on the same trained
    model: a like-for-like speed-up, and the largest difference between the two forecasts.
    """
    from engine import runtime

    device = runtime.prepare_device(config.device)
    import keras

    from engine.data import make_dataset
    from engine.experiment import run_experiment
    from engine.forecast import make_forecaster
    from engine.seed_way import seed_forecast

    dataset, forecasts = make_dataset(config), {}
    with tempfile.TemporaryDirectory() as temp:
        started, cpu_started = time.perf_counter(), cpu_seconds()
        finished = run_experiment(config, Path(temp) / "run", lambda event: None)
        whole, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
        rss = peak_rss_mb()
        for kind in config.models if compare_forecasts else ():
            model = keras.models.load_model(Path(temp) / "run" / f"{kind}.keras")
            begun = time.perf_counter()
            forecaster = make_forecaster(model, dataset, config)
            forecaster()
            first = time.perf_counter() - begun
            begun = time.perf_counter()
            ours = forecaster().predicted
            compiled = time.perf_counter() - begun
            begun = time.perf_counter()
            theirs = seed_forecast(model, dataset.targets[0, :, 0], config.window, config.n_windows)
            seed_loop = time.perf_counter() - begun
            forecasts[kind] = (first, compiled, seed_loop, float(abs(ours - theirs).max()))
    return {
        "device": device,
        "whole_s": whole,
        "cpu_s": cpu,
        "peak_rss_mb": rss,
        "models": {
            k: {
                "train_s": m["seconds"],
                **dict(zip(FORECAST_KEYS, forecasts.get(k, ()), strict=False)),
                "loss": m["final_loss"],
                "val_loss": m["final_val_loss"],
                "rmse": m["forecast_rmse"],
            }
            for k, m in finished.metrics.items()
        },
    }


def measure_scaling(trainer: str, configs: list[dict]) -> dict:
    """ms/epoch of one LSTM for each config (training only, first-call compile included)."""
    from engine import runtime

    runtime.prepare_device("auto")
    from engine.data import make_dataset
    from engine.models import build_model
    from engine.stop import StopSignal
    from engine.trainer import TRAINERS

    rows = []
    for changes in configs:
        config = dataclasses.replace(Config(models=("lstm",), trainer=trainer, forecast_every=0), **changes)
        model = build_model("lstm", config)
        outcome = TRAINERS[trainer]("lstm", model, make_dataset(config), config, [], StopSignal())
        rows.append({**changes, "ms_per_epoch": 1000 * outcome.seconds / outcome.epochs_done})
    return {"rows": rows, "peak_rss_mb": peak_rss_mb()}


def scaling_configs(epochs_off_axis: int) -> list[dict]:
    configs: list[dict] = []
    for axis, values in SCALING_AXES.items():
        for value in values:
            changes = {axis: value} if axis == "epochs" else {"epochs": epochs_off_axis, axis: value}
            if changes not in configs:
                configs.append(changes)
    return configs


def measure_first_frame(extra_args: list[str]) -> float:
    """Seconds from starting ``rnnlstm-tui`` in a pseudo-terminal to its first drawn frame."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", *extra_args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=(folder := tempfile.mkdtemp()),
    )
    os.close(follower)
    seen, elapsed = b"", float("nan")
    try:
        while time.perf_counter() - started < 30:
            ready, _, _ = select.select([leader], [], [], 1.0)
            if ready:
                seen += os.read(leader, 65536)
                if b"Training" in seen:  # the tab strip: the layout has been drawn
                    elapsed = time.perf_counter() - started
                    break
    finally:
        process.terminate()
        process.wait(timeout=30)
        os.close(leader)
        shutil.rmtree(folder, ignore_errors=True)
    return elapsed


def measure_tui_run(config: Config) -> dict:
    """A whole run in the TUI, driven headless by ``App.run_test``, until its worker ends.

    While training runs it also presses ``l`` (log scale) and ``m`` (smoothing) a few times
    and times each press until the app has handled it and repainted.
    """
    import asyncio

    from engine import runtime

    runtime.prepare_device(config.device)  # as in measure_ours: TensorFlow's import is not the TUI's cost
    from engine.cli import Invocation
    from tui.app import RnnLstmApp

    painted: list[float] = []

    class TimedApp(RnnLstmApp):
        """Stamps the first screen refresh after each toggle: what the user sees change."""

        def action_toggle_log(self) -> None:
            super().action_toggle_log()
            self.call_after_refresh(lambda: painted.append(time.perf_counter()))

        def action_toggle_smooth(self) -> None:
            super().action_toggle_smooth()
            self.call_after_refresh(lambda: painted.append(time.perf_counter()))

    async def drive() -> dict:
        with tempfile.TemporaryDirectory() as temp:
            app = TimedApp(Invocation(config=config, out=None, headless=False), run_root=Path(temp))
            started, cpu_started = time.perf_counter(), cpu_seconds()
            latencies: list[float] = []
            async with app.run_test(size=(100, 30)) as pilot:
                for _ in range(1000):  # until training has begun (bounded)
                    if app.state == "training" or not app.active:
                        break
                    await pilot.pause(0.05)
                for key in "lmlmlmlm":
                    before, pressed = len(painted), time.perf_counter()
                    await pilot.press(key)  # returns once the app is idle, which can lag the repaint
                    for _ in range(500):
                        if len(painted) > before:
                            break
                        await pilot.pause(0.01)
                    if len(painted) > before:  # else no repaint was seen: nothing to report
                        latencies.append(painted[-1] - pressed)
                await app.workers.wait_for_complete()
                return {
                    "whole_s": time.perf_counter() - started,
                    "cpu_s": cpu_seconds() - cpu_started,
                    "key_latency_ms": sorted(1000 * x for x in latencies),
                }

    return {**asyncio.run(drive()), "peak_rss_mb": peak_rss_mb()}


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
