"""Writing run files so that a failed write (a full disk, above all) never leaves a lie behind.

The rules every writer here keeps:

- a whole file is written under a temporary name in the same folder and renamed into place, so
  its final name holds the old file or the new one, never half of one; on failure the temporary
  file is removed (:func:`write_atomic`, :func:`save_atomic`);
- an appended file only ever ends in a whole line: a failed append is cut back to where it began
  (:class:`LineFile`);
- files get the mode the user's umask asks for (``mkstemp`` alone would make them 0600);
- when a run fails, :func:`record_failure` says so in ``metrics.json``, keeping what it already
  held, and reports whether it could.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

_os_write = os.write
"""The one call :class:`LineFile` writes with (tests put a full disk behind it)."""


def _umask() -> int:
    """The process's umask, read without changing it (``os.umask`` can only be read by setting it,
    which would race with other threads creating files)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)  # no /proc (macOS): the classic read-by-setting, restored at once
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a new file gets from ``open()`` under the current umask (0644 under 022)."""
    return 0o666 & ~_umask()


_abandoned: set[Path] = set()
_rename_lock = threading.Lock()
"""Held around each rename into place and around :func:`abandon`, so neither sees the other half-done."""


class AbandonedError(OSError):
    """The process gave up on this run folder (see :func:`abandon`): nothing more is written into it."""


def abandon(folder: Path) -> None:
    """From now on, no write of this process lands in ``folder`` (a watchdog is about to end the process).

    Called before the folder is marked ``interrupted`` and its temporary files removed, so the
    engine, still running in another thread, can neither rename a file in after the clean-up nor
    overwrite the mark with its own.
    """
    with _rename_lock:
        _abandoned.add(folder.resolve())


def release(folder: Path) -> None:
    """Undo :func:`abandon` once ``folder`` is gone and nothing writes there: a new run may get its name."""
    with _rename_lock:
        _abandoned.discard(folder.resolve())


def _replace(source: str | Path, path: Path, *, forced: bool = False) -> None:
    with _rename_lock:
        if not forced and path.parent.resolve() in _abandoned:
            raise AbandonedError(f"{path.parent}: the run was given up on; {path.name} is not written")
        os.replace(source, path)


def write_atomic(path: Path, data: bytes, *, forced: bool = False) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never half of one.

    On any failure (``ENOSPC`` included) the temporary file is removed and the old file, if any,
    is left as it was; the error is raised. ``forced`` writes into an abandoned folder (the mark
    that it was abandoned).
    """
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
            os.fchmod(temp.fileno(), file_mode())
        _replace(temp_name, path, forced=forced)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise


def save_atomic(path: Path, save: Callable[[Path], object]) -> None:
    """Let ``save`` write a file by name (Keras's ``model.save``, NumPy), then rename it to ``path``.

    The temporary name keeps ``path``'s suffix (Keras insists on ``.keras``) and starts with a dot,
    so a failed save never leaves a half-written file under the final name, nor any file at all.
    """
    temp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp{path.suffix}")
    try:
        save(temp)
        os.chmod(temp, file_mode())
        _replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


class LineFile:
    """An append-only UTF-8 text file that only ever ends in a whole line.

    Each :meth:`write` is one or more whole lines; if the disk fills up part-way, the file is cut
    back to where that write began, so a reader never sees a torn last line. It quacks enough
    like a line-buffered text file (``write``, ``flush``, ``tell``, ``close``, ``closed``).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)  # umask applies

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._fd is None

    def tell(self) -> int:
        """The file's length in bytes."""
        assert self._fd is not None
        return os.fstat(self._fd).st_size

    def write(self, text: str) -> int:
        """Append ``text`` (whole lines) at once, or nothing at all if the write fails."""
        assert self._fd is not None
        data = memoryview(text.encode("utf-8"))
        start = self.tell()
        try:
            while data:
                data = data[_os_write(self._fd, data) :]
        except OSError:
            with contextlib.suppress(OSError):  # shrinking needs no space, so this works on a full disk
                os.ftruncate(self._fd, start)
            raise
        return len(text)

    def flush(self) -> None:
        """Nothing to do: every write goes straight to the file."""

    def close(self) -> None:
        """Close the file (again: no-op)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def append_lines(path: Path, text: str) -> None:
    """Append whole lines to ``path`` (created if missing) with :class:`LineFile`'s guarantee."""
    lines = LineFile(path)
    try:
        lines.write(text)
    finally:
        lines.close()


def run_files(folder: Path) -> list[str]:
    """The files a run folder holds, by name, leaving out temporary (dot) files and ``metrics.json``."""
    with contextlib.suppress(OSError):
        return sorted(
            p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and p.name != "metrics.json"
        )
    return []


def record_failure(folder: Path, reason: str) -> bool:
    """Say in ``folder/metrics.json`` that the run failed and why; return whether that could be written.

    Whatever the file already held (per-model figures of finished training) is kept: a failure to
    save a model file must not erase what training found. On a full disk there is no room for a
    temporary file; then the old file is overwritten in place, but only when the new text fits in
    the blocks it already has, so that write cannot run out of space half-way.
    """
    path = folder / "metrics.json"
    if folder.resolve() in _abandoned:  # the folder is marked interrupted; that mark stays
        return False
    old: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        loaded = json.loads(path.read_text(encoding="utf-8"))
        old = loaded if isinstance(loaded, dict) else {}
    record = {**old, "status": "error", "error": reason, "models": old.get("models", {})}
    record["files"] = run_files(folder)
    data = (json.dumps(record, indent=2) + "\n").encode("utf-8")
    try:
        write_atomic(path, data)
        return True
    except OSError:
        pass
    try:
        with open(path, "r+b") as handle:
            if len(data) > os.fstat(handle.fileno()).st_blocks * 512:
                return False
            handle.write(data)
            handle.truncate()
            handle.flush()
            os.fsync(handle.fileno())
        return True
    except OSError:
        return False


def failure_note(folder: Path | None) -> str:
    """What an error line adds about the run folder: where the details are, and only files that exist."""
    if folder is None or not folder.is_dir():
        return ""
    with contextlib.suppress(OSError, ValueError):
        said = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        if isinstance(said, dict) and said.get("status") == "error":
            return f" (see {folder / 'metrics.json'})"
    return f" (nor could it be recorded in the run folder {folder})"


class NotRegular(OSError):
    """A name in a run folder that is no regular file (a FIFO, a device, a folder): not opened for reading."""


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading in binary, if it is a regular file; else :class:`NotRegular`.

    A plain ``open`` of a FIFO waits for a writer forever, and a device may never end: a damaged or hostile
    run folder must be refused in one line, not hang the app. The check is on the opened file itself.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # O_NONBLOCK: opening a FIFO returns at once
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular(f"{path.name}: not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
