"""Points in parallel worker processes on this machine (``--workers N``).

Each worker is a spawned process that lives for the whole sweep and runs one point after another, so
the backend's start-up (seconds, and most of a run's memory) is paid once per worker, not per point.
The driver talks to each worker over its own pipe (a worker killed mid-message breaks only its pipe)
and watches its process: a worker that dies while running a point is replaced and the point runs
again from the start, once; a second death marks it failed (as Ray's ``max_retries=1`` does). A worker
ends itself when the driver is gone, so a killed sweep leaves no process training into its folder.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from engine.sweep.events import Message, PointDone, PointRetried
from engine.sweep.worker import PointJob, Work, run_point

MAX_ATTEMPTS = 2
"""A point whose worker dies is run once more; then it is marked failed."""
JOIN_SECONDS = 2.0
"""How long a worker asked to stop gets before it is killed."""


def serve(conn: Connection, work: Work, log: str | None) -> None:
    """A worker process: run each job the driver sends, until it sends ``None`` or goes away."""
    # Ctrl+C and a closed terminal reach the whole process group: the driver decides, and stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    _quiet(log)
    parent = multiprocessing.parent_process()
    if parent is not None:  # the driver killed: stop at once rather than train into a folder nobody watches

        def orphaned() -> None:
            parent.join()
            os._exit(1)

        threading.Thread(target=orphaned, daemon=True).start()
    lock = threading.Lock()  # the run's models report from their own threads

    def send(message: Message) -> None:
        with lock:
            conn.send(message)

    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        send(work(job, send))


def _quiet(log: str | None) -> None:
    """Keras and TensorFlow may print: into ``log`` (or nowhere), never over the driver's lines."""
    target = os.open(log or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
    for fd in (1, 2):
        os.dup2(target, fd)
    os.close(target)
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115  # lives as long as the process


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    job: PointJob | None = None


class LocalPool:
    """Run points in up to ``workers`` processes; see the module's docstring."""

    def __init__(self, workers: int, work: Work = run_point, log: Path | None = None) -> None:
        self.capacity = workers
        self._work = work
        self._log = str(log) if log is not None else None
        self._context = multiprocessing.get_context("spawn")  # no fork of a process that may hold threads
        self._workers: list[_Worker] = []

    def submit(self, job: PointJob) -> None:
        """Give ``job`` to an idle worker, starting one if fewer than ``capacity`` run."""
        idle = next((w for w in self._workers if w.job is None), None)
        if idle is None:
            if len(self._workers) >= self.capacity:
                raise RuntimeError("every worker is busy")
            idle = self._start()
        idle.job = job
        idle.conn.send(job)

    def busy(self) -> int:
        """Points being run now."""
        return sum(1 for w in self._workers if w.job is not None)

    def poll(self, timeout: float) -> list[Message]:
        """What the workers said within ``timeout`` seconds; a dead worker's point is retried or failed."""
        watched: list[object] = [w.conn for w in self._workers]
        watched += [w.process.sentinel for w in self._workers if w.job is not None]
        if watched:
            wait(watched, timeout)  # type: ignore[arg-type]
        messages: list[Message] = []
        for worker in list(self._workers):
            messages += self._drain(worker)
            if worker.job is not None and not worker.process.is_alive():
                messages += self._died(worker)
        return messages

    def _drain(self, worker: _Worker) -> list[Message]:
        messages: list[Message] = []
        with contextlib.suppress(EOFError, OSError):  # a broken pipe: its process is dead, seen below
            while worker.conn.poll():
                message = worker.conn.recv()
                if isinstance(message, PointDone) and worker.job is not None and message.index == worker.job.index:
                    worker.job = None  # a pack's leading point is answered last
                messages.append(message)
        return messages

    def _died(self, worker: _Worker) -> list[Message]:
        job = worker.job
        assert job is not None
        worker.process.join(JOIN_SECONDS)
        code = worker.process.exitcode
        self._workers.remove(worker)
        worker.conn.close()
        reason = f"its worker process died (exit code {code})"
        if job.attempt < MAX_ATTEMPTS:
            retry = replace(job, attempt=job.attempt + 1)
            self.submit(retry)
            return [PointRetried(point.index, retry.attempt, reason) for point in job.written]
        return [PointDone(point.index, "error", f"{reason}, {job.attempt} times") for point in job.written]

    def _start(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=serve, args=(theirs, self._work, self._log), daemon=True)
        process.start()
        theirs.close()
        worker = _Worker(process, ours)
        self._workers.append(worker)
        return worker

    def cancel(self) -> None:
        """Kill every worker now (a stop: the points they held are left to ``--resume``)."""
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.process.kill()
        for worker in self._workers:
            worker.process.join(JOIN_SECONDS)
            worker.conn.close()
        self._workers.clear()

    def close(self) -> None:
        """Let idle workers end (busy ones are killed), and wait for them."""
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        for worker in self._workers:
            worker.process.join(JOIN_SECONDS)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(JOIN_SECONDS)
            worker.conn.close()
        self._workers.clear()
