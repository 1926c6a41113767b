"""The measurements behind ``python -m engine.bench``, each in a fresh child process.

1. the notebook's way vs ours for the same config (per model and whole, final losses, peak RSS);
2. how the cost grows: ms/epoch against epochs, units, window and series length, for ``fit``
   and for the fast trainer (one LSTM, compile time included, as a run pays it);
3. listing saved run folders, and N seeds of ours against one run of the notebook's way;
(the TUI's own measurements live in :mod:`tui.bench.main`: the engine knows nothing of the UI).

Each measurement runs in a fresh child process so its peak RSS is its own. Nothing here
fails on timing: it measures and reports. Keras is imported only inside a measurement, after
:func:`engine.train.runtime.prepare_device` has chosen its backend and device.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib.metadata
import json
import multiprocessing
import os
import platform
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.bench.notebook import notebook_forecast, run_notebook_model
from engine.config.config import DEFAULT, Config
from engine.data.datasets import make_dataset
from engine.experiment import run_experiment
from engine.report.stop import StopSignal
from engine.runs.reader import list_runs
from engine.train import runtime
from engine.train.models import build_model

Figures = dict[str, Any]
"""What a measurement returns: named figures (seconds, MB, nested per model), as ``bench.json`` keeps them."""

SCALING_AXES: dict[str, tuple[Any, ...]] = {
    "epochs": (100, 300, 1000),
    "units": (40, 128, 256),
    "window": (20, 50),
    "points": (200, 2000),
}
"""Values of each axis; the other fields stay at the notebook's defaults (100 epochs off the epochs axis)."""


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """User + system CPU time of this process so far: less noisy than wall time on a shared VM."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


Measure = Callable[..., Figures]
"""How a measurement is run: ``measure(function, *args)`` returns ``function(*args)``'s result."""


def in_process(function: Callable[..., Figures], *args: Any) -> Figures:
    """Run ``function(*args)`` here: for ``--quick`` smoke runs, where peak RSS need not be its own."""
    return function(*args)


def measurer(quick: bool) -> Measure:
    """A fresh child process per measurement, so each peak RSS is its own; in this process when ``quick``."""
    return in_process if quick else in_child


def in_child(function: Callable[..., Figures], *args: Any) -> Figures:
    """Run ``function(*args)`` in a fresh spawned process and return its result dict."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        result: Figures = pool.apply(function, args)
        return result


def measure_notebook(config: Config) -> Figures:
    """The notebook's way: ``fit`` per model, then ``predict()`` per forecast step (no cache of compiled code)."""
    runtime.prepare_device(config.device, cache=False)
    started = time.perf_counter()
    results = {kind: run_notebook_model(kind, config) for kind in config.models}
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


FORECAST_KEYS = ("forecast_first_s", "forecast_s", "notebook_loop_same_model_s", "forecast_max_abs_diff")
"""What ``measure_ours`` reports of each model's forecast, when asked to compare forecasts."""


def measure_ours(config: Config, compare_forecasts: bool = True) -> Figures:
    """The engine's whole run (artifacts included), then its forecast timed on its own.

    The forecast is also run the notebook's way (a ``predict()`` per step) on the same trained
    model: a like-for-like speed-up, and the largest difference between the two forecasts.
    """
    device = runtime.prepare_device(config.device)
    # Keras and the modules that import it load only now, on the backend and device just chosen.
    import keras

    from engine.train.forecast import make_forecaster

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
            theirs = notebook_forecast(model, dataset.targets[0, :, 0], config.window, config.n_windows)
            notebook_loop = time.perf_counter() - begun
            forecasts[kind] = (first, compiled, notebook_loop, float(abs(ours - theirs).max()))
    return {
        "device": device,
        "whole_s": whole,
        "cpu_s": cpu,
        "peak_rss_mb": rss,
        "models": {
            k: {
                "train_s": m["seconds"],
                "epochs_per_s": m["epochs_per_second"],
                **dict(zip(FORECAST_KEYS, forecasts.get(k, ()), strict=False)),
                "loss": m["final_loss"],
                "val_loss": m["final_val_loss"],
                "rmse": m["forecast_rmse"],
            }
            for k, m in finished.metrics.items()
        },
    }


def measure_scaling(trainer: str, configs: list[dict[str, Any]]) -> Figures:
    """ms/epoch of one LSTM for each config (training only, first-call compile included)."""
    runtime.prepare_device("auto")
    from engine.train.trainers import trainer_for  # imports Keras: only once the device is chosen

    rows = []
    for changes in configs:
        config = dataclasses.replace(Config(models=("lstm",), trainer=trainer, forecast_every=0), **changes)
        model = build_model("lstm", config)
        outcome = trainer_for(trainer)("lstm", model, make_dataset(config), config, [], StopSignal())
        rows.append({**changes, "ms_per_epoch": 1000 * outcome.seconds / outcome.epochs_done})
    return {"rows": rows, "peak_rss_mb": peak_rss_mb()}


def scaling_configs(epochs_off_axis: int) -> list[dict[str, Any]]:
    """The settings changed for each row of the scaling table: one axis at a time, no row twice."""
    configs: list[dict[str, Any]] = []
    for axis, values in SCALING_AXES.items():
        for value in values:
            changes = {axis: value} if axis == "epochs" else {"epochs": epochs_off_axis, axis: value}
            if changes not in configs:
                configs.append(changes)
    return configs


def machine() -> str:
    """The machine in words: processor, cores, memory, Python and the operating system."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{_processor()}, {platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB, "
        f"Python {platform.python_version()}, {platform.system()}"
    )


def _processor() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            names = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    except OSError:  # not Linux
        names = []
    return names[0] if names else platform.processor() or "unknown processor"


PACKAGES = ("rnnlstm-tui", "tensorflow", "keras", "jax", "jaxlib", "numpy", "textual", "plotext")
"""The packages whose versions ``--results`` records: the installed ones (read from their metadata, not imported)."""


def versions() -> dict[str, str]:
    """Installed versions of :data:`PACKAGES` (one not installed is left out), without importing any."""
    found = {}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def when() -> str:
    """Now, local time with its offset to the second: the date the measured figures carry."""
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def measure_listing(folders: int, repeats: int = 5) -> Figures:
    """Seconds to list ``folders`` run folders with :func:`engine.runs.reader.list_runs` (median of ``repeats``).

    The folders hold a real run's ``config.json`` and ``metrics.json`` (and a history the listing must
    not read); made in a temporary folder and removed afterwards.
    """
    metrics = {
        "status": "finished",
        "models": {m: {"params": 1, "epochs_done": 1000, "best_val_loss": 1e-5} for m in DEFAULT.models},
    }
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        for n in range(folders):
            folder = root / f"20260101-{n:06d}"
            folder.mkdir()
            (folder / "config.json").write_text(json.dumps(DEFAULT.to_dict()))
            (folder / "metrics.json").write_text(json.dumps(metrics))
            (folder / "history.csv").write_text("model,epoch,loss,val_loss,seconds\n" + "rnn,1,0.1,0.01,0.1\n" * 2000)
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            listed = list_runs(root)
            times.append(time.perf_counter() - started)
        assert len(listed) == folders
    return {"folders": folders, "seconds": statistics.median(times), "repeats": repeats}


def run_seeds(config: Config) -> Figures:
    """One whole run of ``config`` (its ``--seeds``) into a temporary folder, as headless runs it."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as temp:
        finished = run_experiment(config, Path(temp) / "run", lambda event: None)
    figures = {
        k: {"final_val_loss": m["final_val_loss"], "n": m.get("finite_seeds", 1)} for k, m in finished.metrics.items()
    }
    return {"run_s": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb(), "models": figures}


def measure_seeds(config: Config, seeds: int, quick: bool = False, notebook: Figures | None = None) -> Figures:
    """The notebook's way once vs ours with ``seeds`` seeds per model, each a whole fresh process (TF import
    included); ``quick``: both in this process (a smoke test of the code path, not a measurement), and
    ``notebook``, the compare section's run of it, reused."""
    measure = measurer(quick)
    started = time.perf_counter()
    notebook = notebook if quick and notebook is not None else measure(measure_notebook, config)
    notebook_wall = notebook["whole_s"] if quick else time.perf_counter() - started
    started = time.perf_counter()
    ours = measure(run_seeds, config.replace(seeds=seeds))
    ours_wall = time.perf_counter() - started
    return {"seeds": seeds, "notebook_s": notebook_wall, "notebook": notebook, "ours_s": ours_wall, "ours": ours}
