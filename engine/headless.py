"""``rnnlstm-tui --headless``: the same engine and artifacts, reported as log lines."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from engine.cli import Invocation
from engine.config.estimate import memory_verdict
from engine.experiment import run_experiment
from engine.report.events import (
    EpochReport,
    Event,
    ModelFinished,
    Phase,
    RunFinished,
    RunStarted,
    Status,
)
from engine.report.metrics import baseline_text, metrics_table
from engine.report.stop import SIGNAL_EXIT_CODES, StopSignal
from engine.report.verdicts import seeds_text
from engine.runs.detached import STOP_SIGNALS
from engine.runs.folder import RunFolderError, mark_interrupted, new_run_dir
from engine.runs.safeio import failure_note
from engine.train.runtime import DeviceError

GIVE_UP_SECONDS = 1.5
"""After a signal, how long the engine gets to finish the run folder before the process ends without it."""
PROGRESS_INTERVAL = 1.0
"""Seconds between progress lines: readable in a log file, yet visibly alive."""


class ProgressPrinter:
    """Turns engine events into at most one progress line per second, then a metrics table."""

    def __init__(self, stream: TextIO, epochs: int, task: str = "damped", seeds: int = 1) -> None:
        self.stream = stream
        self.seeds = seeds
        self.epochs = epochs
        self.task = task
        self.latest: dict[str, EpochReport] = {}
        self._lock = threading.Lock()  # events come from one thread per model
        self._last_print = 0.0
        self._started = time.perf_counter()

    def __call__(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, EpochReport):
                self.latest[event.model] = event
                now = time.perf_counter()
                if now - self._last_print >= PROGRESS_INTERVAL or event.epoch == event.epochs:
                    self._last_print = now
                    self._line(self._progress())
            elif isinstance(event, Phase):
                self._line(event.stage)
            elif isinstance(event, RunStarted):
                self._line(f"device {event.device}; run folder {event.run_dir}")
                self._line("params " + ", ".join(f"{k} {v:,}" for k, v in event.params.items()))
                if event.data:
                    self._line(f"data {event.data}")
                self._line(baseline_text(self.task, event.baseline, event.solved_below))
                if self.seeds > 1:
                    self._line(f"{self.seeds} seeds per model: each figure below is the median over the seeds")
            elif isinstance(event, ModelFinished):
                self._line(f"{event.model} {event.status} at epoch {event.epoch}")
            elif isinstance(event, RunFinished):
                self._write(metrics_table(event.metrics, self.task) + "\n")
                self._write(seeds_text(event.metrics, self.task, event.verdicts))
                if event.observations:
                    self._write("\n".join(f"- {sentence}" for sentence in event.observations) + "\n")
                self._line(f"{event.status}; artifacts in {event.run_dir}")

    def _progress(self) -> str:
        parts = [
            f"{r.model} {r.epoch:>{len(str(self.epochs))}}/{self.epochs} loss {r.loss:.3e} val {r.val_loss:.3e}"
            for r in self.latest.values()
        ]
        return " | ".join(parts)

    def _line(self, text: str) -> None:
        self._write(f"[{time.perf_counter() - self._started:7.1f}s] {text}\n")

    def _write(self, text: str) -> None:
        # After SIGHUP the terminal may be gone, a stream may not encode "—": losing (part of) the
        # log must not lose the run, whose files are written whatever happens here.
        try:
            self.stream.write(text)
            self.stream.flush()
        except UnicodeEncodeError:
            encoding = getattr(self.stream, "encoding", None) or "ascii"
            with contextlib.suppress(OSError, ValueError):
                self.stream.write(text.encode(encoding, "replace").decode(encoding))
                self.stream.flush()
        except (OSError, ValueError):  # ValueError: the stream was closed
            pass


def run_headless(invocation: Invocation, stream: TextIO | None = None) -> int:
    """Run the experiment with no UI; return the exit code.

    0 when the run completes (diverged models included: their status says so), 2 for a
    device or folder that cannot be used, 1 for any other failure (one line, details in
    ``metrics.json``, or that even that could not be written), 128 + N when signal N interrupted
    training. SIGINT, SIGTERM and SIGHUP (an SSH connection that drops) stop training after the
    current epoch and the run folder is still completed, with status ``interrupted`` — unless the
    engine is still busy :data:`GIVE_UP_SECONDS` later (importing TensorFlow or compiling, which
    cannot be interrupted): then the folder is marked ``interrupted`` as it stands and the process
    ends. A second signal ends it at once. SIGUSR1 (``--stop`` on a detached run) stops it as the stop key does:
    after the current epoch, status ``stopped``, exit code 0. Printing never fails the run (see :mod:`engine.streams`).
    """
    config = invocation.config
    stream = stream if stream is not None else sys.stdout  # read now: the CLI may have mended a closed stdout
    verdict, said = memory_verdict(config)
    if verdict == "warn":
        print(f"rnnlstm-tui: warning: this run {said}", file=sys.stderr)
    stop = StopSignal()
    received: list[int] = []
    run_dir: Path | None = None

    def give_up() -> None:
        if run_dir is not None and run_dir.is_dir():
            mark_interrupted(run_dir, config)
        with contextlib.suppress(OSError, ValueError):
            note = f"; the run folder holds what was written by then: {run_dir}" if run_dir else ""
            print(f"rnnlstm-tui: interrupted while the engine was busy{note}", file=sys.stderr, flush=True)
            stream.flush()
        os._exit(SIGNAL_EXIT_CODES[received[0]])

    watchdog = threading.Timer(GIVE_UP_SECONDS, give_up)
    watchdog.daemon = True

    def on_signal(signum: int, frame: object) -> None:
        if received:  # asked twice: the user does not want to wait for the folder to be written
            os._exit(SIGNAL_EXIT_CODES[signum])
        received.append(signum)
        stop.request(Status.INTERRUPTED)
        watchdog.start()

    def on_stop(signum: int, frame: object) -> None:  # --stop (a detached run): as the stop key, not a signal
        stop.request(Status.STOPPED)

    previous = {sig: signal.signal(sig, on_signal) for sig in SIGNAL_EXIT_CODES}
    previous[STOP_SIGNALS["run"]] = signal.signal(STOP_SIGNALS["run"], on_stop)
    try:
        run_dir = invocation.out or new_run_dir(Path("runs"))
        finished = run_experiment(
            invocation.config, run_dir, ProgressPrinter(stream, config.epochs, config.task, config.seeds), stop
        )
    except (DeviceError, RunFolderError) as error:
        _remove_if_empty(run_dir)
        print(f"rnnlstm-tui: error: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        print(f"rnnlstm-tui: error: {type(error).__name__}: {error}{failure_note(run_dir)}", file=sys.stderr)
        return 1
    finally:
        watchdog.cancel()  # the engine finished in time: the folder is complete
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return SIGNAL_EXIT_CODES[received[0]] if received and finished.status == Status.INTERRUPTED else 0


def _remove_if_empty(folder: Path | None) -> None:
    """A run that failed before writing anything leaves no folder behind."""
    if folder is not None:
        with contextlib.suppress(OSError):
            folder.rmdir()
