"""Stop requests that cross threads, free of TensorFlow so any caller can hold one."""

from __future__ import annotations

import threading

from engine.events import STOPPED


class StopSignal:
    """A thread-safe stop request that remembers why (``stopped`` by the user, ``interrupted`` by a signal)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = STOPPED

    def request(self, reason: str = STOPPED) -> None:
        if not self._event.is_set():
            self.reason = reason
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()
