"""Sweep folders for the sweep view's tests, written by the engine's own writers with made-up points (no
TensorFlow): :func:`made_sweep`, a point that writes its ``history.csv`` (:func:`with_history`), and an
executor whose points train until the sweep is stopped (:class:`Held`)."""

from __future__ import annotations

import threading
from pathlib import Path

from engine.cli import parse_invocation
from engine.config.config import Config
from engine.report.events import EpochReport
from engine.runs.folder import RunFolder
from engine.sweep.events import Message, PointDone, PointProgress, PointStarted
from engine.sweep.folder import SweepFolder
from engine.sweep.headless import prepare
from engine.sweep.runner import run_sweep
from engine.sweep.worker import PointJob, Send, Work
from helpers.sweep_helpers import Inline, each_point, fake_one, made_up_loss


def epochs_of(config: Config, model: str) -> list[EpochReport]:
    """Falling val losses that end at the point's made-up final ones, a value per seed."""
    reports = []
    for epoch in range(1, config.epochs + 1):
        seeds = tuple(made_up_loss(config, model, config.seed + k) * config.epochs / epoch for k in range(config.seeds))
        median = sorted(seeds)[len(seeds) // 2]
        reports.append(
            EpochReport(model, epoch, config.epochs, median, median, epoch * 0.01, seed_loss=seeds, seed_val_loss=seeds)
        )
    return reports


def with_history(job: PointJob, send: Send) -> PointDone:
    """A made-up point (config.json, metrics.json) with its epochs in ``history.csv``, as a run writes them."""
    return each_point(job, send, history_one)


def history_one(job: PointJob, send: Send) -> PointDone:
    """:func:`with_history` for one point."""
    config = Config.from_dict(job.config)
    folder = RunFolder(Path(job.run_dir), first_seed=config.seed)
    for model in config.models:
        for report in epochs_of(config, model):
            folder.append_epoch(report)
    folder.close()
    return fake_one(job, send)


def made_sweep(path: Path, args: list[str], work: Work | None = with_history) -> SweepFolder:
    """A sweep folder for ``args``, its points run to the end by ``work`` (``None``: every point pending)."""
    invocation = parse_invocation([*args, "--out", str(path)])
    assert invocation.sweep is not None
    plan = prepare(invocation).plan
    folder = SweepFolder.create(path, plan, list(invocation.sweep.argv))
    if work is not None:
        run_sweep(folder, plan, Inline(work), lambda event: None, threading.Event(), folder.to_do())
    return folder


class Held:
    """An executor whose points start, report two epochs and train until the sweep is stopped."""

    def __init__(self) -> None:
        self.capacity = 2
        self.jobs: list[PointJob] = []
        self.messages: list[Message] = []
        self.cancelled = threading.Event()

    def submit(self, job: PointJob) -> None:
        self.jobs.append(job)
        for point in job.written:  # a pack's points all start at once
            Path(point.run_dir).mkdir(parents=True)  # as the worker's run does first
            config = Config.from_dict(point.config)
            epochs = tuple(r for m in config.models for r in epochs_of(config, m)[:2])
            self.messages += [PointStarted(point.index), PointProgress(point.index, epochs)]

    def busy(self) -> int:
        return len(self.jobs)

    def poll(self, timeout: float) -> list[Message]:
        if not self.messages:
            self.cancelled.wait(timeout)  # the engine's loop waits here, as on its workers' pipes
        messages, self.messages = self.messages, []
        return messages

    def cancel(self) -> None:
        self.cancelled.set()

    def close(self) -> None:
        pass
