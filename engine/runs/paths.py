"""Can a run folder be made at this path? Asked before TensorFlow loads, answered in one line.

Everything the file system would refuse only later (a name too long, a broken symbolic link, a
pseudo file system such as ``/proc``, a folder that cannot be written) is found here, so the
user hears it at once with exit code 2 instead of a traceback after seconds of loading.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

NAME_MAX = 255
"""Bytes in one file name (Linux, macOS)."""
PATH_MAX = 4096
"""Bytes in a whole path, with its terminating NUL (Linux)."""
ROOM = 64
"""Bytes the run's own file names add under its folder (``/.metrics.json.k2x8r1q0.tmp`` and the like)."""
SYSTEM_FOLDERS = ("proc", "sys")
"""Top-level folders of kernel pseudo file systems: files there are not storage."""
SHOWN = 60
"""Characters of a path an error line shows (a 4,000-byte path would fill the screen)."""


DETACHED_RECORD = "detached.json"
"""In the folder of a run started with ``--detach``: the process training it (pid, start time, host), so that a
viewer can tell a run still training from one whose process is gone (see :mod:`engine.runs.detached`)."""
DETACHED_LOG = "detached.log"
"""In the folder of a run started with ``--detach``: what its process printed (its progress lines, any error)."""
DETACHED_FILES = (DETACHED_RECORD, DETACHED_LOG)
"""What ``--detach`` puts into a run folder before the run itself starts writing there."""


def shown(path: Path | str) -> str:
    """``path`` as an error line shows it: cut to ``SHOWN`` characters and ``…``."""
    text = str(path)
    return text if len(text) <= SHOWN else text[:SHOWN] + "…"


def path_problem(path: Path) -> tuple[str, str] | None:
    """Why a run folder cannot be made at ``path``, as ``(what is wrong, what is allowed)``; ``None`` if it can.

    A folder that exists already is not judged here (whether it is empty is the caller's rule).
    """
    longest = max((len(os.fsencode(part)) for part in path.parts), default=0)
    if longest > NAME_MAX:
        return f"a name in it is {longest:,} bytes long", f"names of at most {NAME_MAX} bytes"
    length = len(os.fsencode(os.path.abspath(path)))
    if length + ROOM >= PATH_MAX:
        return f"the full path is {length:,} bytes long", f"a path of at most {PATH_MAX - ROOM - 1:,} bytes"
    for step in (*reversed(path.parents), path):  # from the top down: the first broken link is the cause
        if str(step) in ("", ".") or not os.path.islink(step):
            continue
        try:
            os.stat(step)
        except OSError as error:
            if error.errno == errno.ELOOP:
                return f"{shown(step)} is a symbolic link that loops", "a path without broken links"
            target = os.readlink(step)
            return f"{shown(step)} is a symbolic link to {shown(target)}, which does not exist", "a path to a folder"
    parent = next((p for p in (path, *path.parents) if p.exists()), Path("."))
    if not parent.is_dir():
        return f"{shown(parent)} is a file", "a folder path"
    real = Path(os.path.realpath(parent))
    if len(real.parts) > 1 and real.parts[1] in SYSTEM_FOLDERS:
        return f"{shown(real)} is a system folder, not storage", "a folder on a disk"
    if not os.access(parent, os.W_OK):
        return f"{shown(parent)} is not writable", "a folder you can write"
    try:  # what access() cannot see: a read-only or full file system, a kernel that says no
        os.rmdir(tempfile.mkdtemp(dir=parent, prefix=".rnnlstm-probe-"))
    except OSError as error:
        return f"cannot create a folder in {shown(parent)}: {error.strerror or error}", "a folder you can write"
    return None
