"""Points as Ray tasks (``--ray auto`` or ``--ray HOST:6379``): one machine's workers, or a cluster's.

Each point is a task that declares what it needs (:data:`CPUS_PER_POINT`, and a GPU with ``--device gpu``).
It runs :func:`engine.sweep.worker.run_point` into a scratch folder on whatever machine Ray chose and
returns the run folder's files as bytes (a pack of points: each point's answer and files), which the driver
puts into the sweep folder: no shared file system. Epoch events travel through a small actor,
:class:`Mailbox`, that tasks post batches to and the driver drains. ``max_retries=1``: a task whose worker
process died (a lost machine, the OOM killer) runs once more, then the point is failed; an error in the
point's own run is an answer, not retried.

Imported only when ``--ray`` is given (Ray is the optional extra ``[ray]``).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import ray
from ray.exceptions import RayError, WorkerCrashedError

from engine.sweep.events import Message, PointDone, PointRetried, PointStarted
from engine.sweep.worker import PointJob, Work, run_point

CPUS_PER_POINT = 1
"""CPUs a point's task asks Ray for. A run trains its models in threads, but mostly one is busy: one CPU
per point keeps a 2-core machine at two points at once, as ``--workers`` does by default there."""
INSTALL_RAY = "pip install 'rnnlstm-tui[ray]'"


class Mailbox:
    """An actor that holds the messages tasks post until the driver drains them (in the order posted)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def post(self, messages: list[Message]) -> None:
        self.messages.extend(messages)

    def drain(self) -> list[Message]:
        drained, self.messages = self.messages, []
        return drained


def run_remote(job: PointJob, mailbox: Any, work: Work) -> list[PointDone]:
    """The task: run the point (a pack: every point of it) in a scratch folder here, return each one's answer
    with its files; every message is posted first."""
    # Posted and waited for: if this worker dies, the driver has heard that the point started (a second
    # start is how it learns that Ray retried it), which a message still on its way would not tell.
    ray.get(mailbox.post.remote([PointStarted(point.index) for point in job.written]))
    scratch = Path(tempfile.mkdtemp(prefix="rnnlstm-sweep-"))

    def here(point: PointJob) -> PointJob:
        return replace(point, run_dir=str(scratch / point.name)) if point.run_dir else point

    answers: list[PointDone] = []

    def send(message: Message) -> None:
        if isinstance(message, PointDone):  # a rider's answer: returned below, with its files
            answers.append(message)
        elif not isinstance(message, PointStarted):  # said above
            mailbox.post.remote([message])

    try:
        answers.append(work(replace(here(job), riders=tuple(here(rider) for rider in job.riders)), send))
        ray.get(mailbox.post.remote([]))  # every message posted before is in the mailbox before the answer
        names = {point.index: point.name for point in job.written}
        return [replace(done, files=files_in(scratch / names[done.index])) for done in answers]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def files_in(run_dir: Path) -> dict[str, bytes]:
    """A run folder's files by their path inside it (not the temporary files of a write that failed)."""
    files = {}
    if run_dir.is_dir():
        for path in sorted(run_dir.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                files[path.relative_to(run_dir).as_posix()] = path.read_bytes()
    return files


def connect(address: str) -> bool:
    """Join ``address`` (``auto``: a Ray already started on this machine, or a new local one); whether we started it."""
    if ray.is_initialized():
        return False
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    ray.init(address=None if address == "auto" else address, **options)
    return True


class RayPool:
    """Run points as Ray tasks; see the module's docstring. ``workers``: at most this many at once
    (``None``: as many as the cluster has CPUs for)."""

    def __init__(self, address: str, workers: int | None = None, *, gpu: bool = False, work: Work = run_point) -> None:
        self._owned = connect(address)
        cpus = int(ray.cluster_resources().get("CPU", 1))  # type: ignore[no-untyped-call]
        self.capacity = workers or max(1, cpus // CPUS_PER_POINT)
        self._mailbox: Any = ray.remote(Mailbox).options(num_cpus=0).remote()
        task = ray.remote(run_remote)
        self._task = task.options(
            num_cpus=CPUS_PER_POINT, num_gpus=1 if gpu else 0, max_retries=1, retry_exceptions=False
        )
        self._work = work
        self._refs: dict[Any, PointJob] = {}
        self._starts: dict[int, int] = {}

    def submit(self, job: PointJob) -> None:
        self._refs[self._task.remote(job, self._mailbox, self._work)] = job

    def busy(self) -> int:
        return len(self._refs)

    def poll(self, timeout: float) -> list[Message]:
        """Drained messages, then the answers of points that ended; a second start is reported as a retry."""
        ready: list[Any] = []
        if self._refs:
            ready, rest = ray.wait(list(self._refs), num_returns=1, timeout=timeout)
            if ready and rest:  # others that ended meanwhile, without waiting for them
                ready += ray.wait(rest, num_returns=len(rest), timeout=0)[0]
        messages: list[Message] = []
        for message in ray.get(self._mailbox.drain.remote()):
            if isinstance(message, PointStarted):
                count = self._starts[message.index] = self._starts.get(message.index, 0) + 1
                if count > 1:  # Ray ran the task again: its first worker died
                    message = PointRetried(message.index, count, "its worker process died")
            messages.append(message)
        for ref in ready:
            messages += self._answers(ref, self._refs.pop(ref))
        return messages

    def _answers(self, ref: Any, job: PointJob) -> list[PointDone]:
        """The answer of every point the task ran; if the task itself failed, that failure for each."""
        try:
            answers = ray.get(ref)
        except WorkerCrashedError:
            return [PointDone(point.index, "error", "its worker process died, 2 times") for point in job.written]
        except RayError as error:
            said = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
            return [PointDone(point.index, "error", said) for point in job.written]
        assert isinstance(answers, list) and all(isinstance(done, PointDone) for done in answers)
        return answers

    def cancel(self) -> None:
        """Cancel every task in flight (their workers are killed), then leave Ray if we started it."""
        for ref in self._refs:
            ray.cancel(ref, force=True)
        self._refs.clear()
        self.close()

    def close(self) -> None:
        ray.kill(self._mailbox)
        if self._owned:
            ray.shutdown()
            self._owned = False
