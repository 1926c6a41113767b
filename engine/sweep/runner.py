"""The driver's loop: hand points to an executor (local workers or Ray), record how each ends.

Whatever runs the points, the loop is the same: at most ``capacity`` points are out at once; each
message is recorded in the folder (:class:`engine.sweep.folder.SweepFolder`) before it is passed to the
sink; a stop (a signal, ``q``) cancels everything in flight at once and leaves the points it held
marked ``interrupted`` for ``--resume``.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import deque
from typing import Protocol

from engine.report.events import RunStarted
from engine.sweep.events import (
    Message,
    PointDone,
    PointEnded,
    PointProgress,
    PointRetried,
    PointStarted,
    SweepEnded,
    SweepSink,
)
from engine.sweep.folder import SweepFolder
from engine.sweep.plan import Plan, pack_jobs
from engine.sweep.reader import PointStatus
from engine.sweep.worker import PointJob

POLL_SECONDS = 0.1
"""How often the loop looks at a stop request while nothing arrives: a stop is acted on within this."""


class Executor(Protocol):
    """Runs points somewhere: :class:`engine.sweep.local.LocalPool` or :class:`engine.sweep.ray_runner.RayPool`."""

    capacity: int

    def submit(self, job: PointJob) -> None: ...
    def busy(self) -> int: ...
    def poll(self, timeout: float) -> list[Message]: ...
    def cancel(self) -> None: ...
    def close(self) -> None: ...


def run_sweep(
    folder: SweepFolder,
    plan: Plan,
    executor: Executor,
    sink: SweepSink,
    stop: threading.Event,
    todo: list[int],
    *,
    remote: bool = False,
) -> str:
    """Run the points ``todo`` (indexes into ``plan.points``) and return the sweep's status.

    ``finished`` when every point of the grid has finished, ``incomplete`` when some failed,
    ``interrupted`` when ``stop`` was set. ``remote``: the points' files come back in ``PointDone``
    (Ray), rather than being written into the folder by the workers themselves.
    """
    pending = deque(pack_jobs(plan, todo))
    wanted = set(todo)
    running: set[int] = set()
    try:
        while (pending or running) and not stop.is_set():
            while pending and executor.busy() < executor.capacity:
                pack = pending.popleft()
                written = [index for index in pack if index in wanted]
                for index in written:
                    folder.clear(index)
                    folder.started(index, 1)
                    running.add(index)
                executor.submit(job_for(folder, plan, written[0], pack, wanted, remote))
            for message in executor.poll(POLL_SECONDS):
                _handle(folder, message, sink, running, remote)
    except BaseException:
        executor.cancel()
        folder.interrupt(sorted(running))
        folder.close(PointStatus.INTERRUPTED)
        raise
    if stop.is_set():
        executor.cancel()
        folder.interrupt(sorted(running))
        status = str(PointStatus.INTERRUPTED)
    else:
        executor.close()
        ended = [p["status"] for p in folder.state["points"]]
        status = "finished" if all(s == PointStatus.FINISHED for s in ended) else "incomplete"
    folder.close(status)
    sink(SweepEnded(folder.path, status))
    return status


def job_for(
    folder: SweepFolder, plan: Plan, lead: int, pack: tuple[int, ...], wanted: set[int], remote: bool
) -> PointJob:
    """The job of a pack, led by ``lead``: the other points ride, written if ``wanted`` (else an empty ``run_dir``)."""

    def job(index: int) -> PointJob:
        point = plan.points[index]
        run_dir = (point.name if remote else str(folder.point_path(index))) if index in wanted else ""
        return PointJob(index, point.name, point.config.to_dict(), run_dir)

    return dataclasses.replace(job(lead), riders=tuple(job(index) for index in pack if index != lead))


def _handle(folder: SweepFolder, message: Message, sink: SweepSink, running: set[int], remote: bool) -> None:
    """Record one message in the folder, then pass it on."""
    if isinstance(message, PointDone):
        if message.files is not None:
            folder.receive(message.index, message.files)
        status = folder.ended(message.index, message.status, message.error, message.seconds)
        running.discard(message.index)
        sink(PointEnded(message.index, status, message.error, message.seconds))
        return
    if isinstance(message, PointRetried):
        folder.started(message.index, message.attempt)
    if isinstance(message, PointStarted) and message.attempt > 1:
        folder.started(message.index, message.attempt)
    if isinstance(message, PointProgress) and remote:  # the run folder the view should open is ours
        here = folder.point_path(message.index)
        events = tuple(dataclasses.replace(e, run_dir=here) if isinstance(e, RunStarted) else e for e in message.events)
        message = PointProgress(message.index, events)
    sink(message)
