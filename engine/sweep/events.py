"""What a sweep reports while it runs: plain frozen dataclasses that cross processes (pickled) and threads.

Workers send :class:`PointStarted`, :class:`PointProgress` and :class:`PointDone`; the runners add
:class:`PointRetried`; the driver (:func:`engine.sweep.runner.run_sweep`) hands every one but
``PointDone`` to its sink, then :class:`PointEnded` once the folder says how the point ended and
:class:`SweepEnded` last. The headless lines and the sweep view are such sinks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.report.events import Event


@dataclass(frozen=True)
class PointStarted:
    """A worker began a point (``attempt`` 2: after its first worker died)."""

    index: int
    attempt: int = 1


@dataclass(frozen=True)
class PointProgress:
    """Engine events of a point's run, in order, batched (epochs, phases, models finishing)."""

    index: int
    events: tuple[Event, ...]


@dataclass(frozen=True)
class PointRetried:
    """A point's worker died; the point runs again from the start (once)."""

    index: int
    attempt: int
    reason: str


@dataclass(frozen=True)
class PointDone:
    """A worker's answer for a point: the run's status, or ``error`` and why; Ray adds the folder's files."""

    index: int
    status: str
    error: str = ""
    seconds: float = math.nan
    """Wall time of the run (NaN: it never ran to an end)."""
    files: dict[str, bytes] | None = None


@dataclass(frozen=True)
class PointEnded:
    """The sweep folder says how a point ended: ``finished``, ``failed`` or ``interrupted``."""

    index: int
    status: str
    error: str
    seconds: float


@dataclass(frozen=True)
class SweepEnded:
    """The session is over; the folder is written."""

    path: Path
    status: str


SweepEvent = PointStarted | PointProgress | PointRetried | PointEnded | SweepEnded
SweepSink = Callable[[SweepEvent], None]
Message = PointStarted | PointProgress | PointRetried | PointDone
"""What an executor's ``poll`` returns to the driver."""
