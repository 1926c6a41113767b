"""The benchmark's startup section: ``rnnlstm-tui --headless`` as whole processes, watched from outside.

Everything is timed from just before the process is started: when each model's first epoch
reaches ``history.csv``, when the process ends, and how long it takes to end after SIGINT
sent at three moments (TensorFlow importing, the epochs compiling, training). The notebook's way
runs beside it as a whole process too, so the ratio includes every fixed cost on both sides.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from engine.bench.suite import Figures, in_child, measure_notebook
from engine.config.config import Config

COMPILE_OFFSET = 0.3
"""Seconds after "training" is printed when the signal is sent: inside the first epoch's compile (1-3 s);
sent at once it would find the threads not yet started, and stop them before they compile."""
POLL_SECONDS = 0.005
"""How often ``history.csv`` is looked at for a model's first epoch (the figures' resolution)."""


def command(config: Config, out: Path) -> list[str]:
    """The headless command line for ``config``'s epochs, models and series."""
    options = ["--epochs", str(config.epochs), "--models", ",".join(config.models), "--points", str(config.points)]
    options += ["--window", str(config.window), "--device", config.device, "--out", str(out)]
    return [sys.executable, "-m", "tui.cli", "--headless", *options]


def cache_env(cache: Path | None) -> dict[str, str] | None:
    """The environment of a run whose compile caches (TensorFlow's and JAX's) are in ``cache``; ``None``: as is."""
    if cache is None:
        return None
    env = {k: v for k, v in os.environ.items() if k not in ("TF_XLA_FLAGS", "JAX_COMPILATION_CACHE_DIR")}
    return {**env, "XDG_CACHE_HOME": str(cache)}


MILESTONES = {"built": "] training", "trained": "] forecasting"}
"""The headless lines that mark a run's phases: Keras loaded, data, models and previews made (the epochs are
traced and compiled next); every model done training."""


def first_epochs(config: Config, extra: tuple[str, ...] = (), cache: Path | None = None) -> Figures:
    """One whole run (``extra``: more options; ``cache``: its compile caches' folder): seconds from launch to each
    model's first epoch on disk, to each of :data:`MILESTONES` and to the process's end, its exit code and its own
    peak RSS."""
    with tempfile.TemporaryDirectory() as temp:
        out = Path(temp) / "run"
        started = time.perf_counter()
        process = subprocess.Popen(
            [*command(config, out), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=cache_env(cache),
            text=True,
            errors="replace",  # a stray byte must not end the reader, which keeps the pipe from filling
        )
        milestones: dict[str, float] = {}
        reader = threading.Thread(target=_milestones, args=(process, started, milestones), daemon=True)
        reader.start()
        firsts: dict[str, float] = {}
        while True:  # reaped here, not by Popen.poll(), so the child's own peak RSS comes with it
            pid, status, usage = os.wait4(process.pid, os.WNOHANG if len(firsts) < len(config.models) else 0)
            if pid:
                break
            for model in config.models:
                if model not in firsts and _has_epoch(out / "history.csv", model):
                    firsts[model] = time.perf_counter() - started
            time.sleep(POLL_SECONDS)
        whole = time.perf_counter() - started
        reader.join(timeout=10)  # the pipe closed with the process; a grandchild holding it must not hang the benchmark
        process.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait for it again
        return {
            "first_epoch_s": firsts,
            "milestones_s": milestones,
            "whole_s": whole,
            "peak_rss_mb": usage.ru_maxrss / 1024,
            "code": process.returncode,
        }


def _milestones(process: subprocess.Popen[str], started: float, seen: dict[str, float]) -> None:
    """Seconds from ``started`` to each milestone line of the run's output, as the lines arrive (they are flushed)."""
    assert process.stdout is not None
    for line in process.stdout:
        for name, mark in MILESTONES.items():
            if name not in seen and mark in line:
                seen[name] = time.perf_counter() - started


def phases_text(run: Figures) -> str:
    """Where a run's seconds went, from its milestones: ``loading Python, Keras and its backend, … 3.2 · …``."""
    marks, firsts = run.get("milestones_s", {}), run["first_epoch_s"]
    if not set(MILESTONES) <= set(marks) or not firsts:
        return "—"
    first = max(firsts.values())
    steps = [
        ("loading Python, Keras and its backend, data and models", marks["built"]),
        ("tracing, compiling and every model's first epoch", first - marks["built"]),
        ("the other epochs", marks["trained"] - first),
        ("forecasts, files, exit", run["whole_s"] - marks["trained"]),
    ]
    return " · ".join(f"{label} {seconds:.2f}" for label, seconds in steps)


def _has_epoch(history: Path, model: str) -> bool:
    try:
        return f"\n{model},1," in history.read_text()
    except OSError:
        return False


def signal_to_exit(config: Config, moment: str) -> Figures:
    """SIGINT at ``moment`` (``import``, ``compile`` or ``training``): seconds until the process is gone."""
    with tempfile.TemporaryDirectory() as temp:
        out = Path(temp) / "run"
        long_run = config.replace(epochs=1_000_000)
        process = subprocess.Popen(command(long_run, out), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert process.stdout is not None
        if moment == "import":
            time.sleep(0.5)  # the process is started and importing TensorFlow (1.5-4 s)
        elif moment == "compile":
            for line in process.stdout:
                if line.rstrip().endswith("] training"):  # built; the epoch functions compile next
                    break
            time.sleep(COMPILE_OFFSET)
        else:
            while process.poll() is None and not _has_epoch(out / "history.csv", config.models[-1]):
                time.sleep(POLL_SECONDS)
        sent = time.perf_counter()
        process.send_signal(signal.SIGINT)
        process.communicate()
        return {"moment": moment, "exit_s": time.perf_counter() - sent, "code": process.returncode}


MOMENTS = {"import": "TensorFlow imports", "compile": "the epochs compile", "training": "training"}
"""When :func:`signal_to_exit` sends its signal, as the table says it."""


def bare_import_s(backend: str = "tensorflow", repeats: int = 3) -> float:
    """A process that only imports Keras on ``backend``: seconds from launch to its end, the median of ``repeats``."""
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import keras"], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure_startup(config: Config) -> Figures:
    """First epochs and whole-process time of ours (with an empty compile cache, then with the programs it left),
    a bare ``import keras`` beside them, the notebook's way whole, and signal-to-exit times."""
    bare = bare_import_s()
    with tempfile.TemporaryDirectory() as cache:
        cold = first_epochs(config, cache=Path(cache))
        warm = first_epochs(config, cache=Path(cache))
    started = time.perf_counter()
    in_child(measure_notebook, config)
    notebook_whole = time.perf_counter() - started
    signals = [signal_to_exit(config, moment) for moment in MOMENTS]
    return {"ours": warm, "cold": cold, "bare_import_s": bare, "notebook_whole_s": notebook_whole, "signals": signals}


def startup_table(data: Figures, config: Config) -> list[str]:
    """Markdown rows of :func:`measure_startup`."""
    ours, notebook = data["ours"], data["notebook_whole_s"]
    lines = [
        f"Startup and stopping — `rnnlstm-tui --headless`, epochs {config.epochs}, whole processes",
        "",
        "| figure | seconds |",
        "|---|---:|",
    ]
    bare, cold = data.get("bare_import_s"), data.get("cold")
    if bare is not None:
        lines.append(f"| a bare `import keras` process (TensorFlow), median of 3 | {bare:.2f} |")
    for label, run in (("empty compile cache", cold), ("the cache the first run left", ours)):
        if run is None:
            continue
        for model, s in run["first_epoch_s"].items():
            over = f" (import + {s - bare:.2f})" if bare is not None else ""
            lines.append(f"| first epoch of {model} on disk, after launch, {label} | {s:.2f}{over} |")
    for label, run in (("empty compile cache", cold), ("the cache the first run left", ours)):
        if run is not None:
            lines.append(f"| where the seconds went, {label} | {phases_text(run)} |")
    if cold is not None:
        peak = cold["peak_rss_mb"]
        lines.append(f"| whole run, ours, empty compile cache (peak RSS {peak:.0f} MB) | {cold['whole_s']:.1f} |")
    lines += [
        f"| whole run, ours (peak RSS {ours['peak_rss_mb']:.0f} MB) | {ours['whole_s']:.1f} |",
        f"| whole run, the notebook's way | {notebook:.1f} |",
        f"| speed-up, whole process | {notebook / ours['whole_s']:.1f}× |",
    ]
    for row in data["signals"]:
        while_ = MOMENTS[row["moment"]]
        lines.append(f"| SIGINT while {while_} → process gone (exit {row['code']}) | {row['exit_s']:.2f} |")
    return lines
