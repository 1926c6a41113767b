"""A run trained by a process of its own (``--detach``): which process, whether it still lives, how to stop it.

The process is recorded in the run folder (:data:`engine.runs.paths.DETACHED_RECORD`) by its pid *and* its
start time (``/proc/PID/stat``) and the boot it started in: pids are reused, so a pid that answers is the same
process only if it started at the same moment of the same boot. A run whose ``metrics.json`` still says
``running`` while its process is gone (``kill -9``, a reboot, the OOM killer) is "process gone at epoch N",
never "running": every reader of run folders asks :func:`gone_text`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.runs.paths import DETACHED_RECORD
from engine.runs.safeio import open_regular, write_atomic

RECORD_BYTES = 64 << 10
"""Largest record read: ``--detach`` writes a few hundred bytes."""
TAIL_BYTES = 64 << 10
"""How much of the end of ``history.csv`` is read for the last epoch (rows are under 200 bytes)."""
STOP_SIGNALS: dict[str, int] = {"run": getattr(signal, "SIGUSR1", signal.SIGTERM), "sweep": signal.SIGTERM}
"""What ``--stop`` sends: a run's headless process stops after the epoch on SIGUSR1 (status ``stopped``, as the
stop key); a sweep stops its points on SIGTERM and can be resumed (``--resume``)."""


@dataclass(frozen=True)
class Detached:
    """The process that trains a detached run or sweep, as its folder records it."""

    pid: int
    started: int | None
    """Its start time in clock ticks after boot (``/proc/PID/stat``, field 22); ``None`` without ``/proc``."""
    boot: str | None
    """The boot it started in (``/proc/sys/kernel/random/boot_id``); ``None`` without ``/proc``."""
    host: str
    kind: str = "run"
    """``run`` or ``sweep``: what it trains, and so which signal stops it (:data:`STOP_SIGNALS`)."""

    def to_dict(self) -> dict[str, Any]:
        return {"pid": self.pid, "started": self.started, "boot": self.boot, "host": self.host, "kind": self.kind}


def _stat(pid: int) -> tuple[str, int] | None:
    """The state letter and start time of process ``pid`` (``None``: no such process, or no ``/proc``)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()  # the name, in parentheses, may hold spaces and parentheses
    try:
        return fields[0], int(fields[19])
    except (IndexError, ValueError):
        return None


def _boot() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def describe(pid: int, kind: str = "run") -> Detached:
    """The record of the running process ``pid`` (called by its parent right after starting it)."""
    stat = _stat(pid)
    return Detached(pid, stat[1] if stat else None, _boot(), socket.gethostname(), kind)


def write_record(folder: Path, process: Detached) -> None:
    """Record ``process`` in ``folder`` (atomically: a reader sees no record or the whole one)."""
    write_atomic(folder / DETACHED_RECORD, (json.dumps(process.to_dict(), indent=2) + "\n").encode("utf-8"))


def read_record(folder: Path) -> Detached | None:
    """The folder's record, or ``None`` when it has none (not a detached run) or one that is not a record."""
    try:
        with open_regular(folder / DETACHED_RECORD) as handle:
            raw = json.loads(handle.read(RECORD_BYTES).decode("utf-8"))
    except (OSError, ValueError, RecursionError):  # NotRegular is an OSError
        return None
    return record_from(raw)


def record_from(raw: object) -> Detached | None:
    """A record as :meth:`Detached.to_dict` wrote it, or ``None`` when ``raw`` is not one."""
    if not isinstance(raw, dict) or type(raw.get("pid")) is not int or raw["pid"] <= 0:
        return None
    started, boot, host, kind = raw.get("started"), raw.get("boot"), raw.get("host"), raw.get("kind", "run")
    return Detached(
        raw["pid"],
        started if type(started) is int else None,
        boot if isinstance(boot, str) else None,
        host if isinstance(host, str) else "",
        kind if kind in STOP_SIGNALS else "run",
    )


def alive(process: Detached) -> bool | None:
    """Whether the recorded process still runs: ``None`` when this machine cannot tell (another host's)."""
    if process.host and process.host != socket.gethostname():
        return None
    stat = _stat(process.pid)
    if stat is None:
        if Path("/proc/self/stat").exists():
            return False  # /proc works here and has no such process
        try:  # no /proc (macOS): whether the pid answers is all that can be asked
            os.kill(process.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    state, started = stat
    if state in ("Z", "X"):  # exited, not yet reaped by its parent: gone all the same
        return False
    same_boot = process.boot is None or process.boot == _boot()
    return same_boot and (process.started is None or process.started == started)


def last_epoch(folder: Path) -> int:
    """The highest epoch among the last rows of ``history.csv`` (0 when it has none): where a run got to."""
    try:
        with open_regular(folder / "history.csv") as handle:
            size = os.fstat(handle.fileno()).st_size
            handle.seek(max(0, size - TAIL_BYTES))
            lines = handle.read(TAIL_BYTES).decode("utf-8", "replace").split("\n")[1:-1]  # whole lines only
    except OSError:  # NotRegular included
        return 0
    epochs = [int(cells[1]) for line in lines if len(cells := line.split(",")) > 1 and cells[1].isdigit()]
    return max(epochs, default=0)


def gone_text(folder: Path, status: str) -> str:
    """``process gone at epoch N`` for a detached run whose folder says ``running`` but whose process is not
    alive; "" for any other folder (not detached, ended, alive, or on another machine)."""
    if status != "running" or (process := read_record(folder)) is None or alive(process) is not False:
        return ""
    return f"process gone at epoch {last_epoch(folder)}"


class StopError(ValueError):
    """The folder holds no detached run that can be stopped now: one line says why."""


def request_stop(folder: Path) -> Detached:
    """Ask the detached process of ``folder`` to stop (after its current epoch); returns the process asked.

    Raises :class:`StopError` for a folder with no detached process, or one whose process is gone.
    """
    process = read_record(folder)
    if process is None:
        raise StopError(f"no {DETACHED_RECORD}: not a detached run; allowed: a folder made with --detach")
    state = alive(process)
    if state is None:
        raise StopError(f"its process ({process.pid}) runs on {process.host}; allowed: --stop on that machine")
    if not state:
        raise StopError(f"its process ({process.pid}) is gone: nothing to stop")
    with contextlib.suppress(ProcessLookupError):  # it ended just now: nothing more to ask
        os.kill(process.pid, STOP_SIGNALS[process.kind])
    return process
