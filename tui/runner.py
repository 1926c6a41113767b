"""One training run on its own daemon thread, and the run folders a TUI session hands out.

Why a daemon thread inside the Textual thread worker: Textual runs thread workers in
asyncio's default executor, whose (non-daemon) threads are joined when the app's event loop
closes (Textual issue #3966). ``run_experiment`` cannot be interrupted while TensorFlow
imports or XLA compiles (seconds), so calling it directly in the worker could hold up quit.
The worker therefore only supervises: it starts :class:`Run`'s daemon thread, watches for
cancellation, and returns at once when cancelled, after asking the engine to stop. The
engine's own per-model threads inherit the daemon flag, so nothing can keep the process alive.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

from textual.message import Message

from engine.config.config import Config
from engine.experiment import Experiment
from engine.report.events import EpochReport, Event, RunFinished
from engine.report.stop import StopSignal
from engine.runs.folder import RunFolderError, check_out_dir, new_run_dir
from engine.runs.safeio import abandon, release
from tui.messages import EpochsDone, to_message

POLL_SECONDS = 0.05
"""How often the supervising worker looks for cancellation."""
BATCH_SECONDS = 0.05
"""Epoch reports closer together than this travel to the UI in one message."""


class Run:
    """One experiment run: its id, config, folder, stop signal and the daemon thread running it.

    ``post`` is the app's ``post_message`` (thread-safe): every engine event is wrapped with
    :func:`tui.messages.to_message` and posted, nothing else crosses to the UI thread.
    ``experiment`` is the engine's entry point (a scripted one in the UI's tests).
    """

    def __init__(
        self,
        run_id: int,
        config: Config,
        run_dir: Path,
        post: Callable[[Message], object],
        experiment: Experiment,
        *,
        owns_folder: bool = True,
    ) -> None:
        self.run_id = run_id
        self.experiment = experiment
        self.owns_folder = owns_folder
        """False for a saved run being shown: its folder is someone else's to write (or already complete)."""
        self.config = config
        self.run_dir = run_dir
        self.stop = StopSignal()
        self.result: RunFinished | None = None
        self.error: BaseException | None = None
        self._post = post
        self._lock = threading.Lock()  # each model reports from its own thread
        self._epochs: list[EpochReport] = []
        self._last_post = 0.0
        self.epochs_seen = 0
        """Epoch reports the engine has made: 0 means the run has no result yet."""
        self.superseded = False
        """Replaced by a restart before its first epoch: its folder, holding no result, is removed."""
        self.thread = threading.Thread(target=self._main, name=f"rnnlstm-run-{run_id}", daemon=True)

    @property
    def alive(self) -> bool:
        """Whether the engine is still working on this run (training or writing its folder)."""
        return self.thread.is_alive()

    def supervise(self, cancelled: Callable[[], bool]) -> RunFinished | None:
        """The body of the app's thread worker: run, and re-raise the engine's error here.

        Returns ``None`` at once if ``cancelled()`` turns true (the engine is asked to stop and
        finishes writing the folder in the background); raising makes the worker's state
        ERROR, which the app reports in its one worker-state handler.
        """
        self.thread.start()
        while self.thread.is_alive():
            if cancelled():
                self.stop.request()
                return None
            self.thread.join(POLL_SECONDS)
        if self.error is not None:
            raise self.error
        return self.result

    def _main(self) -> None:
        try:
            self.result = self.experiment(self.config, self.run_dir, self._sink, self.stop)
        except BaseException as error:  # handed to the worker, which reports it
            self.error = error
        finally:
            if self.superseded and self.epochs_seen == 0:
                self.discard(engine_done=True)

    def discard(self, *, engine_done: bool = False) -> None:
        """Remove the folder of a run replaced before it trained an epoch (a burst of restarts leaves one).

        While the engine may still be writing (``engine_done`` false: the app is exiting), the
        folder stays given up on, so nothing lands in it after it is removed.
        """
        if self.owns_folder:
            abandon(self.run_dir)
            shutil.rmtree(self.run_dir, ignore_errors=True)
            if engine_done:  # a later run may be handed the same timestamped name
                release(self.run_dir)

    def _sink(self, event: Event) -> None:
        """Post ``event`` to the UI; epoch reports at most every ``BATCH_SECONDS``, in order.

        A held-back report goes out with the next report (at most one epoch later) or ahead of
        the next other event (a model's last epochs always precede its ModelFinished).
        """
        with self._lock:  # posting inside the lock keeps the order the engine reported in
            now = time.monotonic()
            if isinstance(event, EpochReport):
                self.epochs_seen += 1
                self._epochs.append(event)
                if now - self._last_post < BATCH_SECONDS:
                    return
            if self._epochs:
                self._post(EpochsDone(self.run_id, tuple(self._epochs)))
                self._epochs, self._last_post = [], now
            if not isinstance(event, EpochReport):
                self._post(to_message(self.run_id, event))


class RunFolders:
    """Hands out a fresh run folder for every run of a session (start, restart, new settings).

    Without ``--out``: ``root/<timestamp>`` from :func:`engine.runs.folder.new_run_dir`.
    With ``--out DIR``: the first run uses ``DIR``, later ones ``DIR-2``, ``DIR-3``, … beside it
    (skipping any that already hold a run). Each folder is created as it is handed out, so the
    next one differs even when the engine has not written anything yet.
    """

    def __init__(self, root: Path, out: Path | None = None) -> None:
        self.root = root
        self.out = out
        self.given: list[Path] = []

    def next(self) -> Path:
        """A new, empty folder for the next run."""
        if self.out is None:
            path = new_run_dir(self.root)
        else:
            path, n = self.out, 1
            while path in self.given or not _usable(path):
                n += 1
                path = self.out.with_name(f"{self.out.name}-{n}")
        path.mkdir(parents=True, exist_ok=True)
        self.given.append(path)
        return path


def _usable(path: Path) -> bool:
    try:
        check_out_dir(path)
    except RunFolderError:
        return False
    return True


def free_name(folder: Path, stem: str, suffix: str) -> str:
    """``stem + suffix``, or ``stem-2 + suffix``, … : the first name not taken in ``folder``."""
    name, n = f"{stem}{suffix}", 1
    while (folder / name).exists():
        n += 1
        name = f"{stem}-{n}{suffix}"
    return name
