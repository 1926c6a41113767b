"""Writing a sweep folder so that a kill at any moment leaves one that never claims more than finished.

Only the driver writes here (workers write their own point's run folder). Every write is whole and
atomic (:mod:`engine.runs.safeio`): ``sweep.json`` first says a point is running, and says it finished
only once its run folder is complete; ``sweep.csv`` and ``sweep.md`` are then remade from the folder as
:func:`engine.sweep.reader.read_sweep` sees it, so they can lag behind ``sweep.json`` by one point but
never run ahead of it. A point's files that come back from another machine (Ray) are written under a
dot-name and renamed into place whole.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.config.config import SETTING, Config, ConfigError
from engine.runs.detached import alive, describe, read_record, record_from
from engine.runs.folder import RunFolderError, check_run_root, mark_interrupted, write_json_atomic
from engine.runs.paths import shown
from engine.runs.safeio import record_failure, release, write_atomic
from engine.sweep.grid import Axis, SweepError, value_text
from engine.sweep.lesson import lesson_lines
from engine.sweep.plan import Plan, make_points
from engine.sweep.reader import DONE_RUNS, FORMAT, SWEEP_CSV, SWEEP_JSON, SWEEP_MD, PointStatus, read_sweep
from engine.sweep.tables import csv_text, markdown


def new_sweep_dir(root: Path) -> Path:
    """Create and return a fresh ``root/<timestamp>-sweep`` (``-2``, ``-3``… if taken), claimed atomically."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    check_run_root(root)
    for n in range(1, 10_000):
        candidate = root / (f"{stamp}-sweep" if n == 1 else f"{stamp}-sweep-{n}")
        try:
            candidate.mkdir(parents=True)
        except FileExistsError:
            continue
        except OSError as error:
            raise RunFolderError(f"cannot create a sweep folder in {shown(root)}: {error.strerror}") from None
        return candidate
    raise RunFolderError(f"cannot create a sweep folder in {root}: too many named {stamp}-sweep")


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


class SweepFolder:
    """The sweep folder and its ``sweep.json`` as the driver keeps it."""

    def __init__(self, path: Path, state: dict[str, Any]) -> None:
        self.path = path
        self.state = state

    @classmethod
    def create(cls, path: Path, plan: Plan, command: list[str]) -> SweepFolder:
        """A new sweep at ``path`` (an empty folder, made if missing), every point pending."""
        path.mkdir(parents=True, exist_ok=True)
        state: dict[str, Any] = {
            "format": FORMAT,
            "status": "running",
            "command": command,
            "base": plan.base.to_dict(),
            "axes": [
                {"name": a.name, "key": a.key, "symbol": a.symbol, "flag": a.setting.flag, "values": list(a.values)}
                for a in plan.axes
            ],
            "points": [
                {"index": p.index, "values": p.values, "dir": p.name, "status": PointStatus.PENDING, "attempts": 0}
                for p in plan.points
            ],
            "packs": [list(pack) for pack in plan.packs],
            "sessions": [],
        }
        folder = cls(path, state)
        folder.save()
        return folder

    @classmethod
    def reopen(cls, path: Path) -> tuple[SweepFolder, Config, tuple[Axis, ...]]:
        """A sweep to resume: its folder, its base config and its axes, as ``sweep.json`` keeps them."""
        info = read_sweep(path)
        if info.problem or not info.axes:
            raise SweepError(f"--resume {shown(path)}: {info.problem or 'no swept settings'}; allowed: a sweep folder")
        try:
            base = Config.from_dict(info.base)
            axes = tuple(
                Axis(SETTING[a.name], a.key, tuple(a.values), tuple(value_text(v) for v in a.values)) for a in info.axes
            )
        except (ConfigError, KeyError, TypeError) as error:
            raise SweepError(
                f"--resume {shown(path)}: sweep.json cannot be used ({error}); allowed: a sweep folder"
            ) from None
        state = json.loads((path / SWEEP_JSON).read_text(encoding="utf-8"))
        points = make_points(base, axes)
        if [p.name for p in points] != [str(p.get("dir")) for p in state["points"]]:
            raise SweepError(
                f"--resume {shown(path)}: sweep.json's points do not match its grid; allowed: a sweep folder"
            )
        if state.get("status") == "running":  # a second driver would train its points again, over the first's
            for process in (read_record(path), *(record_from(s.get("process")) for s in state["sessions"][-1:])):
                if process is not None and alive(process):
                    raise SweepError(
                        f"--resume {shown(path)}: the sweep is still running (process {process.pid}); "
                        "allowed: a stopped or interrupted sweep (--stop DIR stops a detached one)"
                    )
        return cls(path, state), base, axes

    def begin(self, runner: str, workers: int, command: list[str]) -> None:
        """A session starts (the first, or a resume): recorded, and the sweep says it is running."""
        process = describe(os.getpid(), "sweep").to_dict()  # so that --resume can tell a live sweep from a dead one
        session = {"started": _now(), "runner": runner, "workers": workers, "command": command, "process": process}
        self.state["sessions"].append(session)
        self.state["status"] = "running"
        self.save()

    def point(self, index: int) -> dict[str, Any]:
        return dict(self.state["points"][index])

    def point_path(self, index: int) -> Path:
        return self.path / str(self.state["points"][index]["dir"])

    def to_do(self) -> list[int]:
        """Points to run: every one whose run folder does not hold a finished run."""
        finished = {p.index for p in read_sweep(self.path).finished}
        return [p["index"] for p in self.state["points"] if p["index"] not in finished]

    def clear(self, index: int) -> None:
        """Remove what an earlier attempt left in a point's folder: it is run again from the start."""
        target = self.point_path(index)
        if target.parent == self.path and target.name and target.exists():
            shutil.rmtree(target)
        release(target)  # stopped earlier in this process (the view's stop, then resume): writable again

    def started(self, index: int, attempt: int) -> None:
        self._update(index, status=PointStatus.RUNNING, attempts=attempt, started=_now(), error="")

    def ended(self, index: int, run_status: str, error: str, seconds: float) -> str:
        """A point's run ended: finished when its run folder holds final figures, else failed. Returns which."""
        status = PointStatus.FINISHED if not error and run_status in DONE_RUNS else PointStatus.FAILED
        if run_status == PointStatus.INTERRUPTED:
            status = PointStatus.INTERRUPTED
        elif status == PointStatus.FAILED and self.point_path(index).is_dir():
            record_failure(self.point_path(index), error or f"the run ended {run_status}")
        self._update(index, status=status, error=error, seconds=round(seconds, 3), ended=_now())
        self.tables()
        return status

    def receive(self, index: int, files: dict[str, bytes]) -> None:
        """A point's run folder as it came back from another machine, put in place whole."""
        final = self.point_path(index)
        incoming = self.path / f".incoming-{final.name}-{os.getpid()}-{time.monotonic_ns()}"
        incoming.mkdir()
        try:
            for name, data in files.items():
                relative = Path(name)
                if relative.is_absolute() or ".." in relative.parts:
                    continue  # the files of one run folder, nothing outside it
                (incoming / relative).parent.mkdir(parents=True, exist_ok=True)
                write_atomic(incoming / relative, data)
            self.clear(index)
            os.replace(incoming, final)
        finally:
            with contextlib.suppress(OSError):
                shutil.rmtree(incoming)

    def interrupt(self, indexes: list[int]) -> None:
        """The sweep was stopped: its running points say so (and their run folders), ready for ``--resume``."""
        for index in indexes:
            if self.point_path(index).is_dir():
                with contextlib.suppress(OSError, ValueError):
                    config = Config.from_dict({**self.state["base"], **self.state["points"][index]["values"]})
                    mark_interrupted(self.point_path(index), config)
            self._update(index, status=PointStatus.INTERRUPTED, ended=_now())

    def close(self, status: str) -> None:
        """The session ended: the sweep's status, then the tables as they stand."""
        self.state["status"] = status
        self.save()
        self.tables()

    def save(self) -> None:
        write_json_atomic(self.path / SWEEP_JSON, self.state)

    def tables(self) -> None:
        """``sweep.csv`` and ``sweep.md``, remade from the folder as it stands."""
        info = read_sweep(self.path)
        write_atomic(self.path / SWEEP_CSV, csv_text(info).encode("utf-8"))
        write_atomic(self.path / SWEEP_MD, markdown(info, lesson_lines(info)).encode("utf-8"))

    def _update(self, index: int, **changes: Any) -> None:
        self.state["points"][index] = {**self.state["points"][index], **changes}
        self.save()
