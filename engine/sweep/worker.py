"""One point, run where a worker is (a local worker process or a Ray task): a normal run of the engine.

:func:`run_point` is the whole job: the point's config, :func:`engine.experiment.run_experiment` into
its run folder, and the run's events passed back in batches (epochs, phases; not the previews, whose
arrays the view reads from the run folder). An error in the point's own run is an answer
(``PointDone`` with ``error``), never an exception: it is not the worker's death, and is not retried.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.config.config import Config
from engine.experiment import run_pack_experiment
from engine.report.events import EpochReport, Event, EventSink, ModelFinished, Phase, RunStarted
from engine.sweep.events import Message, PointDone, PointProgress, PointStarted
from engine.sweep.reader import SWEEP_JSON

BATCH_SECONDS = 0.5
"""Epochs are sent at most this often (a Ray queue put is a remote call): live, yet not a flood."""
PASSED = (EpochReport, Phase, RunStarted, ModelFinished)
"""Engine events that travel back; forecasts, samples and looks inside stay in the run folder."""


@dataclass(frozen=True)
class PointJob:
    """What a worker needs to run a point: everything plain, so it pickles for any process or machine."""

    index: int
    name: str
    """The point's folder name."""
    config: dict[str, Any]
    """``Config.to_dict()`` of the point."""
    run_dir: str
    """Where the run folder is written: the sweep's own point folder, or (Ray) a folder on the worker's machine."""
    attempt: int = 1
    riders: tuple[PointJob, ...] = ()
    """Points that train with this one as replicas of one compiled call (a pack: :func:`engine.sweep.plan.make_packs`),
    each answered as a point of its own. A rider whose ``run_dir`` is empty has finished before: it trains again,
    as the pack's numbers depend on its size, but nothing of it is written or reported."""

    @property
    def written(self) -> tuple[PointJob, ...]:
        """This point and the riders whose run folders are written (and whose ends are reported)."""
        return (self, *(rider for rider in self.riders if rider.run_dir))


Send = Callable[[Message], None]
Work = Callable[[PointJob, Send], PointDone]
"""What runs a point: :func:`run_point`, or (in tests) a stand-in with the same contract."""


class Batcher:
    """The engine's event sink in a worker: passes :data:`PASSED` events back in batches."""

    def __init__(self, index: int, send: Send) -> None:
        self.index = index
        self.send = send
        self._pending: list[Event] = []
        self._lock = threading.Lock()  # each model reports from its own thread
        self._last = 0.0

    def __call__(self, event: Event) -> None:
        if not isinstance(event, PASSED):
            return
        with self._lock:
            self._pending.append(event)
            now = time.monotonic()
            if not isinstance(event, EpochReport) or now - self._last >= BATCH_SECONDS:
                self._flush(now)

    def flush(self) -> None:
        """Send what is pending (the run ended)."""
        with self._lock:
            self._flush(time.monotonic())

    def _flush(self, now: float) -> None:
        if self._pending:
            batch, self._pending = tuple(self._pending), []
            self._last = now
            self.send(PointProgress(self.index, batch))


def run_point(job: PointJob, send: Send) -> PointDone:
    """Run the point (with its riders, a pack) into ``job.run_dir`` (what an earlier attempt left there is
    removed first). The riders' ends are sent; this point's is returned, last."""
    for point in job.written:
        run_dir = Path(point.run_dir)
        if run_dir.is_dir() and (run_dir.parent / SWEEP_JSON).is_file():  # a point folder of a sweep, nothing else
            shutil.rmtree(run_dir)
        send(PointStarted(point.index, job.attempt))
    points = sorted((job, *job.riders), key=lambda point: point.index)  # the grid's order: the pack's replicas
    scratch = Path(tempfile.mkdtemp(prefix="rnnlstm-rider-")) if len(job.written) < len(points) else None
    dirs = [Path(p.run_dir) if p.run_dir else Path(str(scratch)) / p.name for p in points]
    batchers = [Batcher(p.index, send) for p in points]
    sinks: list[EventSink] = [batcher if p.run_dir else ignore for p, batcher in zip(points, batchers, strict=True)]
    started = time.perf_counter()
    try:
        ends = run_pack_experiment([Config.from_dict(p.config) for p in points], dirs, sinks)
        statuses, error = [str(end.status) for end in ends], ""
    except Exception as failure:  # the point's own failure: reported, not retried
        statuses, error = ["error"] * len(points), f"{type(failure).__name__}: {failure}"
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    seconds = time.perf_counter() - started
    answers = {}
    for point, batcher, status in zip(points, batchers, statuses, strict=True):
        batcher.flush()
        answers[point.index] = PointDone(point.index, status, error, seconds)
    for rider in job.written[1:]:
        send(answers[rider.index])
    return answers[job.index]


def ignore(event: Event) -> None:
    """The sink of a rider that is not written: its events go nowhere."""
