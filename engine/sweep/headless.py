"""``rnnlstm-tui --headless --sweep …``: the plan, a line per finished point, then the table, verdicts and lesson.

:func:`prepare` checks every option and builds the plan before anything loads or is written (the TUI's
sweep view calls it too); :func:`run_sweep_headless` runs it. Exit codes as for a run: 0 when every point
finished, 1 when some failed, 2 for bad options, 128 + N when signal N stopped it (resumable).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from engine.cli import RUN_ROOT, Invocation, fail
from engine.config.choices import LAYER_NAMES
from engine.report.events import number
from engine.report.metrics import LOSS_FORMAT
from engine.report.stop import SIGNAL_EXIT_CODES
from engine.runs.folder import RunFolderError
from engine.sweep.events import PointEnded, PointRetried, SweepEvent
from engine.sweep.folder import SweepFolder, new_sweep_dir
from engine.sweep.grid import Axis, SweepError, check_axes, parse_axis
from engine.sweep.lesson import lesson_lines
from engine.sweep.plan import Plan, duration, longest_first, make_plan, workers_value
from engine.sweep.reader import PointStatus, SweepInfo, read_sweep
from engine.sweep.runner import Executor, run_sweep
from engine.sweep.tables import pack_note, summary_text

RAY_ADDRESS = re.compile(r"(ray://)?[A-Za-z0-9_.\-\[\]:]+:[0-9]{1,5}")
INSTALL_RAY = "pip install 'rnnlstm-tui[ray]'"
WORKERS_LOG = "workers.log"
"""What the local workers print (Keras, TensorFlow's C++ side), kept in the sweep folder, off the screen."""


@dataclass(frozen=True)
class Prepared:
    """A sweep ready to start: its plan, and the folder it resumes (``None``: a new one)."""

    plan: Plan
    ray: str | None
    """``auto`` or a Ray address; ``None``: local workers."""
    workers: int | None = None
    """``--workers`` as given (with Ray: at most this many points at once; else as many as its CPUs)."""
    resume: SweepFolder | None = None


def prepare(invocation: Invocation) -> Prepared:
    """Check the sweep's options and make its plan; a :class:`SweepError` says what is wrong, in one line."""
    request = invocation.sweep
    assert request is not None
    workers = workers_value(request.workers)
    ray = request.ray.strip() if request.ray is not None else None
    if ray is not None:
        if ray != "auto" and not RAY_ADDRESS.fullmatch(ray):
            raise SweepError(f"--ray {request.ray}: not an address; allowed: auto, or HOST:PORT of a Ray head")
        if importlib.util.find_spec("ray") is None:
            raise SweepError(f"--ray: ray is not installed; install with {INSTALL_RAY}")
    resume: SweepFolder | None = None
    if request.resume is not None:
        if request.specs or request.fixed or invocation.out is not None:
            raise SweepError(
                f"--resume {request.resume}: the sweep keeps its own settings; "
                "allowed: --resume DIR with --workers, --ray or --headless only"
            )
        resume, base, axes = SweepFolder.reopen(request.resume)
    else:
        base = invocation.config
        parsed: list[Axis] = []
        for text in request.specs:
            parsed.append(parse_axis(text, base, request.fixed))
            check_axes(parsed)
        axes = tuple(parsed)
    plan = make_plan(base, axes, workers, local=ray in (None, "auto"))
    return Prepared(plan, ray, workers, resume)


class SweepPrinter:
    """The headless lines: one per finished (or retried) point."""

    def __init__(self, stream: TextIO, plan: Plan, folder: Path) -> None:
        self.stream = stream
        self.plan = plan
        self.folder = folder
        self._started = time.perf_counter()

    def __call__(self, event: SweepEvent) -> None:
        if isinstance(event, PointRetried):
            self.line(f"{self._name(event.index)}: {event.reason}; running it again (attempt {event.attempt})")
        elif isinstance(event, PointEnded):
            said = f"{event.status} in {event.seconds:.1f} s" if event.status == PointStatus.FINISHED else event.status
            detail = self._figures(event.index) if event.status == PointStatus.FINISHED else event.error
            self.line(f"{self._name(event.index)} {said}" + (f": {detail}" if detail else ""))

    def _name(self, index: int) -> str:
        return f"point {index + 1}/{len(self.plan.points)} {self.plan.points[index].label(self.plan.axes)}"

    def _figures(self, index: int) -> str:
        point = next((p for p in read_sweep(self.folder).points if p.index == index), None)
        if point is None:
            return ""
        return ", ".join(
            f"{LAYER_NAMES.get(m, m)} {number(c.median, LOSS_FORMAT)}"
            + (f" (solved {c.solved} of {c.of})" if point.solved_below else "")
            for m, c in point.cells.items()
        )

    def line(self, text: str) -> None:
        self.write(f"[{time.perf_counter() - self._started:7.1f}s] {text}\n")

    def write(self, text: str) -> None:
        with contextlib.suppress(OSError, ValueError):  # a closed terminal loses lines, never the sweep
            self.stream.write(text)
            self.stream.flush()


def report_text(info: SweepInfo) -> str:
    """The end of the headless output (and of ``--headless --open SWEEP_DIR``): table, verdicts, lesson."""
    lines = [summary_text(info), *pack_note(info)]
    lines += [f"Verdict at {p.dir}: {v.text}" for p in info.finished for v in p.verdicts]
    lines += [f"Lesson: {sentence}" for sentence in lesson_lines(info)]
    return "\n".join(lines) + "\n"


def executor_for(prepared: Prepared, folder: Path) -> Executor:
    """Local worker processes, or Ray tasks (Ray is imported only here)."""
    plan = prepared.plan
    if prepared.ray is None:
        from engine.sweep.local import LocalPool

        return LocalPool(plan.workers, log=folder / WORKERS_LOG)
    from engine.sweep.ray_runner import RayPool

    return RayPool(prepared.ray, prepared.workers, gpu=plan.base.device == "gpu")


def run_sweep_headless(invocation: Invocation, stream: TextIO | None = None) -> int:
    """Run the sweep ``invocation`` asks for with log lines; return the exit code."""
    stream = stream if stream is not None else sys.stdout
    request = invocation.sweep
    assert request is not None
    try:
        prepared = prepare(invocation)
        if prepared.resume is not None:
            folder = prepared.resume
        else:
            path = invocation.out or new_sweep_dir(RUN_ROOT)
            folder = SweepFolder.create(path, prepared.plan, list(request.argv))
    except (SweepError, RunFolderError) as error:
        fail(str(error))
    plan, todo = prepared.plan, folder.to_do()
    printer = SweepPrinter(stream, plan, folder.path)
    runner = "local" if prepared.ray is None else prepared.ray
    for text in plan.lines(runner):
        printer.line(text)
    if prepared.resume is not None:
        printer.line(
            f"resuming: {len(plan.points) - len(todo)} of {len(plan.points)} points finished; {len(todo)} to run"
        )
    printer.line(f"sweep folder {folder.path}")
    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, frame: object) -> None:
        received.append(signum)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in SIGNAL_EXIT_CODES}
    started = time.perf_counter()
    try:
        try:
            executor = executor_for(prepared, folder.path)
        except Exception as error:  # Ray could not start or be reached
            folder.close(PointStatus.INTERRUPTED)
            said = f"{type(error).__name__}: {str(error).splitlines()[0][:160]}"
            hint = ""
            if prepared.ray != "auto" and "RAY_AUTH_MODE" not in os.environ:
                hint = (
                    "; a cluster with token authentication (Ray's default) needs RAY_AUTH_MODE=token and RAY_AUTH_TOKEN"
                )
            fail(f"--ray {prepared.ray}: cannot use Ray ({said}){hint}")
        folder.begin(runner, executor.capacity, list(request.argv))
        order = longest_first(plan, todo)
        status = run_sweep(folder, plan, executor, printer, stop, order, remote=prepared.ray is not None)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    printer.write(report_text(read_sweep(folder.path)))
    printer.line(f"{status} in {duration(time.perf_counter() - started)}; sweep folder {folder.path}")
    if received:
        printer.write(f"resume with: rnnlstm-tui --headless --resume {folder.path}\n")
        return SIGNAL_EXIT_CODES[received[0]]
    return 0 if status == "finished" else 1
