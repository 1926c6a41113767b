"""A sweep for the app: the engine's sweep on its own thread, and the sweep folder followed as it is written.

One data path for what the table, the chart and the lesson show: engine → sweep folder → view.
:class:`SweepFollower` reads the folder (:func:`engine.sweep.reader.read_sweep`) off the UI thread each
time ``sweep.json`` changes and posts it whole (:class:`SweepRead`), whoever writes the folder: this app
(:class:`SweepSession`), a ``--headless`` sweep in another terminal, or nobody (a finished sweep). The
live curves of the points being trained come as engine events: from the running session's sink (local
workers or Ray, whose points' folders only arrive when they end) or, for a sweep another process runs,
from following each running point's run folder with :func:`engine.runs.replay.replay_run`.

Threads here only call the engine and post messages (``post_message`` is thread-safe); the app's
handlers, on the UI thread, are the only code that changes a widget.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.message import Message

from engine.config.config import Config, ConfigError
from engine.report.events import EpochReport, Event, RunFinished, RunStarted
from engine.report.stop import StopSignal
from engine.runs.replay import replay_run
from engine.sweep.events import PointProgress, PointRetried, PointStarted, SweepEnded, SweepEvent
from engine.sweep.folder import SweepFolder
from engine.sweep.headless import Prepared
from engine.sweep.plan import longest_first
from engine.sweep.reader import DONE_RUNS, SWEEP_JSON, PointInfo, PointStatus, SweepInfo, read_sweep
from engine.sweep.runner import Executor, run_sweep

FOLLOW_SECONDS = 0.25
"""How often the follower looks at ``sweep.json`` (a ``stat``; the folder is read only when it changed)."""
BATCH_SECONDS = 0.05
"""A followed point's epochs closer together than this travel to the UI in one message."""

Post = Callable[[Message], object]
MakeExecutor = Callable[[Prepared, Path], Executor]
"""What runs the points: :func:`engine.sweep.headless.executor_for` (local workers or Ray), or a test's stand-in."""


@dataclass
class SweepRead(Message):
    """The sweep folder as it stands now (read on the follower's thread)."""

    info: SweepInfo


@dataclass
class PointBegan(Message):
    """A point started (or started again): its live curves start empty."""

    index: int


@dataclass
class PointEvents(Message):
    """A running point's engine events, in order: its ``RunStarted`` (baseline) and its epochs."""

    index: int
    events: tuple[Event, ...]


@dataclass
class SweepNotice(Message):
    """Something to tell the user once: a retried point, a sweep that could not run."""

    title: str
    text: str
    error: bool = False


@dataclass
class SweepOver(Message):
    """This app's sweep session ended: the folder says how (``finished``, ``incomplete``, ``interrupted``)."""

    status: str


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now, on the UI thread, with the real ``sys.stderr`` in place.

    Spawning the first worker process starts the tracker, handing it ``sys.stderr.fileno()``; while a
    Textual app runs, ``sys.stderr`` is Textual's print capture, whose descriptor is -1, and the spawn
    fails (``bad value(s) in fds_to_keep``). Started here once, later spawns only reuse it.
    """
    from multiprocessing import resource_tracker

    captured = sys.stderr
    sys.stderr = sys.__stderr__
    try:
        resource_tracker.ensure_running()
    finally:
        sys.stderr = captured


class SweepSession:
    """The engine's sweep (:func:`engine.sweep.runner.run_sweep`) on a daemon thread, for the app.

    A daemon for the reason :class:`tui.runner.Run` is one: quitting must not wait on it longer than
    the app chooses to. ``stop()`` is the engine's own stop: the loop sees it within 0.1 s, kills the
    workers and marks the points they held ``interrupted``, so ``--resume`` continues the sweep.
    """

    def __init__(
        self, prepared: Prepared, folder: SweepFolder, argv: list[str], post: Post, executor: MakeExecutor
    ) -> None:
        self.prepared = prepared
        self.make_executor = executor
        self.folder = folder
        self.argv = argv
        self.post = post
        self.stopping = threading.Event()
        self.status: str | None = None
        """How the session ended, once it has."""
        self.thread = threading.Thread(target=self._main, name="rnnlstm-sweep", daemon=True)

    @property
    def alive(self) -> bool:
        """Whether the engine is still running points or writing the folder."""
        return self.thread.is_alive()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Stop every point now; what they held is left to ``--resume``."""
        self.stopping.set()

    def _main(self) -> None:
        prepared, folder = self.prepared, self.folder
        runner = "local" if prepared.ray is None else prepared.ray
        try:
            executor = self.make_executor(prepared, folder.path)
        except Exception as error:  # Ray could not start or be reached
            folder.close(PointStatus.INTERRUPTED)
            self.status = str(PointStatus.INTERRUPTED)
            self.post(SweepNotice(f"--ray {prepared.ray}: cannot use Ray", f"{type(error).__name__}: {error}", True))
            self.post(SweepOver(self.status))
            return
        try:
            folder.begin(runner, executor.capacity, self.argv)
            todo = longest_first(prepared.plan, folder.to_do())  # as headless: no worker left alone at the end
            self.status = run_sweep(
                folder, prepared.plan, executor, self._sink, self.stopping, todo, remote=prepared.ray is not None
            )
        except Exception as error:  # the folder could not be written (a full disk): said, and the sweep ends
            self.status = "failed"
            self.post(SweepNotice("the sweep failed", f"{type(error).__name__}: {error}", True))
            self.post(SweepOver(self.status))

    def _sink(self, event: SweepEvent) -> None:
        """The engine's events: live curves and notices; the table and chart come from the folder."""
        if isinstance(event, PointStarted):
            self.post(PointBegan(event.index))
        elif isinstance(event, PointProgress):
            self.post(PointEvents(event.index, event.events))
        elif isinstance(event, PointRetried):
            self.post(SweepNotice(f"point {event.index + 1} runs again", f"{event.reason} (attempt {event.attempt})"))
        elif isinstance(event, SweepEnded):
            self.post(SweepOver(event.status))


class SweepFollower:
    """Reads the sweep folder at ``path`` whenever ``sweep.json`` changes, and posts it (:class:`SweepRead`).

    ``follow_points``: also follow each running point's run folder for its live curves (a sweep that
    another process runs; this app's own session sends them as events instead).
    """

    def __init__(self, path: Path, post: Post, *, follow_points: bool) -> None:
        self.path = path
        self.post = post
        self.follow_points = follow_points
        self.stopping = threading.Event()
        self.points: dict[int, PointFollower] = {}
        self.running: dict[int, PointInfo] = {}
        """The points ``sweep.json`` last said were running."""
        self.base: dict[str, Any] = {}
        self.thread = threading.Thread(target=self._main, name="rnnlstm-sweep-follower", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for point in self.points.values():
            point.stop.request()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = (self.path / SWEEP_JSON).stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def _main(self) -> None:
        seen: tuple[int, int] | None = (-1, -1)
        while True:
            stamp = self._stamp()
            if stamp != seen:
                seen = stamp
                info = read_sweep(self.path)
                self.post(SweepRead(info))
                if self.follow_points:
                    self._follow(info)
            elif self.follow_points and self.points:
                self._follow(None)
            if self.stopping.wait(FOLLOW_SECONDS):
                return

    def _follow(self, info: SweepInfo | None) -> None:
        """Start following each running point not yet followed; follow again one whose folder was not ready."""
        if info is not None:
            self.running = {p.index: p for p in info.points if p.status == PointStatus.RUNNING}
            self.base = info.base
        for index, point in self.running.items():
            follower = self.points.get(index)
            if follower is not None and (follower.alive or follower.done):
                continue
            try:
                config = Config.from_dict({**self.base, **point.values})
            except (ConfigError, ValueError, TypeError, KeyError):
                continue  # settings this version cannot read: the table still shows the point
            self.points[index] = PointFollower(index, config, point.path, self.post)


class PointFollower:
    """One running point's run folder, followed with :func:`engine.runs.replay.replay_run` on a daemon thread."""

    def __init__(self, index: int, config: Config, run_dir: Path, post: Post) -> None:
        self.index = index
        self.post = post
        self.stop = StopSignal()
        self.done = False
        """The run ended (its folder says so): nothing more to follow."""
        self._pending: list[Event] = []
        self._last = 0.0
        self.post(PointBegan(index))  # a follow that starts again tells every epoch again: start empty
        self.thread = threading.Thread(
            target=self._main, args=(config, run_dir), name=f"rnnlstm-follow-{index}", daemon=True
        )
        self.thread.start()

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def _main(self, config: Config, run_dir: Path) -> None:
        with contextlib.suppress(Exception):  # a folder cut short or removed (a retry): followed again next time
            finished = replay_run(config, run_dir, self._sink, self.stop)
            self.done = str(finished.status) in DONE_RUNS
        self._flush()

    def _sink(self, event: Event) -> None:
        if isinstance(event, (EpochReport, RunStarted)):
            self._pending.append(event)
        now = time.monotonic()
        if self._pending and (not isinstance(event, EpochReport) or now - self._last >= BATCH_SECONDS):
            self._flush()
            self._last = now
        if isinstance(event, RunFinished):
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            events, self._pending = tuple(self._pending), []
            self.post(PointEvents(self.index, events))
