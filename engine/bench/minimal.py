"""``--only minimal``: minGRU and minLSTM against the LSTM (and the SimpleRNN and GRU), per epoch and whole runs.

1. **Per epoch**: the fast trainer's compiled epoch (:func:`engine.train.replicas.make_replica_epoch`, one replica)
   of each model on the adding task at T = 100 and T = 1,000 and on the default task; minGRU and minLSTM both ways,
   every step at once by the parallel scan and one step after another by the loop. The first epoch (XLA's compile
   included) is shown on its own; the rest give the median. Each task in one fresh child process.
2. **Whole runs**: ``rnnlstm-tui --headless --models M`` with each model alone, whole processes (start and
   TensorFlow's import included), with the peak memory of the process tree (:func:`engine.bench.sweep.timed`);
   the min models there train the way the trainer picks on this machine (:func:`engine.train.minimal.scan_helps`).

Ratios are to the LSTM in the same table: a shared machine drifts too much between runs to compare seconds across them.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from engine.bench import suite
from engine.bench.sweep import timed
from engine.config.choices import MIN_KINDS, MODEL_KINDS
from engine.config.config import Config
from engine.config.tasks import for_task
from engine.data.datasets import make_dataset
from engine.train import runtime

Figures = dict[str, Any]

EPOCHS = 5
"""Epochs timed per model and way: the first compiles, the median of the other four is the figure."""
TASKS: dict[str, dict[str, Any]] = {"adding, T = 100": {"length": 100}, "adding, T = 1000": {"length": 1000}}
"""The adding task's rows (its own defaults otherwise); the default task's row is the benchmark's config."""
DEFAULT_ROW = "default task"
WHOLE_RUNS: dict[str, list[str]] = {"default task": [], "adding, T = 100": ["--task", "adding", "--length", "100"]}
"""The whole runs' settings, each run with one model and the benchmark's ``--epochs``."""
QUICK_TASKS: dict[str, dict[str, Any]] = {"adding, T = 10": {"length": 10, "sequences": 40}}
QUICK_WHOLE = {"adding, T = 10": ["--task", "adding", "--length", "10", "--sequences", "40"]}
QUICK_ARGS = ["--forecast-every", "0", "--no-inside"]


def ways(kind: str) -> list[tuple[str, bool]]:
    """How ``kind`` can train: the min models by the scan or the loop, the others by their cell's loop."""
    return [("scan", True), ("loop", False)] if kind in MIN_KINDS else [("loop", False)]


def measure_epochs(config: Config, epochs: int) -> Figures:
    """Seconds of each of ``epochs`` compiled epochs for every model and way on ``config``'s task (one replica)."""
    device = runtime.prepare_device(config.device)
    # Keras and the modules that import it load only now, on the device just chosen.
    from engine.train.minimal import scan_helps
    from engine.train.models import build_for
    from engine.train.replicas import ReplicaWeights, make_replica_epoch

    dataset, rows = make_dataset(config), []
    for kind in MODEL_KINDS:
        for way, scan in ways(kind):
            weights = ReplicaWeights([build_for(kind, config, dataset)])
            epoch = make_replica_epoch(weights, dataset, config, scan=scan)
            rng = np.random.default_rng(config.seed)
            wall, cpu = [], []
            for _ in range(epochs):
                order = rng.permutation(dataset.n_train)[None, :]
                started, cpu_started = time.perf_counter(), suite.cpu_seconds()
                logs = epoch(order)  # returns NumPy: the epoch has finished on the device
                wall.append(time.perf_counter() - started)
                cpu.append(suite.cpu_seconds() - cpu_started)
            loss = float(logs["val_loss"][0])
            rows.append({"model": kind, "way": way, "seconds": wall, "cpu_seconds": cpu, "val_loss": loss})
    return {"device": device, "scan_default": scan_helps(), "rows": rows, "peak_rss_mb": suite.peak_rss_mb()}


def task_configs(config: Config, quick: bool) -> dict[str, Config]:
    """The per-epoch rows' configs: the adding task at each length, then the benchmark's own (default) task."""
    shared = {"device": config.device, "xla": config.xla, "seed": config.seed}
    configs = {
        name: for_task("adding", **shared, **changes) for name, changes in (QUICK_TASKS if quick else TASKS).items()
    }
    return {**configs, DEFAULT_ROW: config}


def measure_minimal(config: Config, quick: bool) -> Figures:
    """Both halves: per-epoch figures of every task (a child process each), then the whole runs."""
    measure, epochs = suite.measurer(quick), 2 if quick else EPOCHS
    per_epoch = {
        name: measure(measure_epochs, task_config, epochs) for name, task_config in task_configs(config, quick).items()
    }
    extra = [*QUICK_ARGS, "--epochs", "2"] if quick else ["--epochs", str(config.epochs)]
    whole: dict[str, list[Figures]] = {}
    with tempfile.TemporaryDirectory(prefix="rnnlstm-bench-minimal-") as folder:
        for name, args in (QUICK_WHOLE if quick else WHOLE_RUNS).items():
            whole[name] = []
            for kind in MODEL_KINDS:
                shared = [*args, *extra, *([] if config.device == "auto" else ["--device", config.device])]
                figures = timed(["--models", kind, *shared, "--out", f"{len(whole)}-{kind}"], Path(folder))
                whole[name].append({"model": kind, "args": shared, **figures})
    return {"epochs": epochs, "per_epoch": per_epoch, "whole": whole}


def _times(row: Figures, key: str = "seconds") -> tuple[float, float]:
    """The first epoch's seconds and the median of the rest (the first again if there is no rest)."""
    values = row[key]
    return values[0], statistics.median(values[1:] or values)


def _per(value: float, lstm: float | None) -> str:
    return f"{value / lstm:.2f}" if lstm else "—"


def minimal_table(figures: Figures) -> list[str]:
    """Markdown rows: each model's and way's seconds per epoch and per whole run, and their ratio to the LSTM's."""
    per_epoch = figures["per_epoch"]
    any_task = next(iter(per_epoch.values()), {"device": "?", "scan_default": False})
    default = "the scan" if any_task["scan_default"] else "the loop"
    lines = [
        f"minGRU and minLSTM against the LSTM, per epoch — the fast trainer, one replica, on {any_task['device']}: "
        f"the first epoch (XLA's compile included), then the median of the next {figures['epochs'] - 1} "
        f"(wall and CPU); ÷ LSTM is the epoch's time over the LSTM's (below 1: faster). The trainer runs the min "
        f"models by {default} here.",
        "",
        "| task | model | way | first epoch (s) | per epoch (ms) | ÷ LSTM | CPU per epoch (ms) | val loss after |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for task, measured in per_epoch.items():
        lstm = next((_times(r)[1] for r in measured["rows"] if r["model"] == "lstm"), None)
        for row in measured["rows"]:
            first, median = _times(row)
            way = row["way"] if row["model"] in MIN_KINDS else "loop (its cell)"
            lines.append(
                f"| {task} | {row['model']} | {way} | {first:.2f} | {1000 * median:.1f} | {_per(median, lstm)} "
                f"| {1000 * _times(row, 'cpu_seconds')[1]:.1f} | {row['val_loss']:.3g} |"
            )
    lines += [
        "",
        "Whole runs, each model alone: `rnnlstm-tui --headless --models M ARGS` as a whole process "
        "(start, TensorFlow's import and the previews included); peak RSS of the process tree. ARGS:",
        "",
        *(f"- {name}: `{' '.join(runs[0]['args'])}`" for name, runs in figures["whole"].items() if runs),
        "",
        "| run | model | seconds | ÷ LSTM | peak RSS (MB) |",
        "|---|---|---:|---:|---:|",
    ]
    for name, runs in figures["whole"].items():
        lstm = next((r["seconds"] for r in runs if r["model"] == "lstm" and r["exit"] == 0), None)
        for run in runs:
            ratio = _per(run["seconds"], lstm) if run["exit"] == 0 else f"failed (exit {run['exit']})"
            lines.append(f"| {name} | {run['model']} | {run['seconds']:.1f} | {ratio} | {run['peak_rss_mb']:.0f} |")
    return lines
