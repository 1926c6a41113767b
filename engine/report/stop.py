"""Stop requests that cross threads, free of TensorFlow so any caller can hold one."""

from __future__ import annotations

import signal
import threading

from engine.report.events import Status

SIGNAL_EXIT_CODES: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}
"""Signals that interrupt a run (a closed SSH session sends SIGHUP), and the exit code for each: 128 + N."""


class StopSignal:
    """A thread-safe stop request that remembers why (``stopped`` by the user, ``interrupted`` by a signal)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self.reason = Status.STOPPED

    def request(self, reason: Status = Status.STOPPED) -> None:
        """Ask training to stop after the current epoch; the first reason given is the one kept."""
        with self._lock:
            if not self._event.is_set():
                self.reason = reason
                self._event.set()

    def is_set(self) -> bool:
        """Whether a stop has been requested."""
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a stop is requested (or ``timeout`` seconds pass); whether one was."""
        return self._event.wait(timeout)
