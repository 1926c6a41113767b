"""Reading a file a user names, safely: only a regular file, never more than a limit, every refusal in words.

Every reader of a user's file goes through :func:`read_regular`: a path that is a device (``/dev/zero``), a
pipe (``mkfifo``, ``/dev/stdin``), a socket or a folder is refused by ``stat`` before it is opened, ``~name``
of no user and a name longer than the system allows are refused rather than raised, and no more than the
limit is read, so a file can neither hang the caller nor eat its memory.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from engine.settings.declare import shorten

READ_CHUNK = 1024 * 1024
"""Bytes read at a time from a file bigger than ``stat`` said (one that grows, or one in ``/proc``)."""
NAME_MAX = 255
"""Bytes in one file name (Linux, macOS)."""


def file_identity(path_text: str) -> tuple[int, int]:
    """``(mtime_ns, size)`` of the regular file at ``path_text``, else ``(0, 0)``: a key for the readers' caches
    that never raises (a failed read is not cached, and :func:`read_regular` says what is wrong)."""
    try:
        info = Path(path_text).expanduser().stat()
    except (OSError, RuntimeError, ValueError):
        return 0, 0
    return (info.st_mtime_ns, info.st_size) if stat.S_ISREG(info.st_mode) else (0, 0)


class FileRefused(OSError):
    """A path that is no regular file, is too big or cannot be read; :attr:`reason` says why in a few words.

    An ``OSError``, so a reader that already catches those (a saved run's files) can use :func:`read_regular`.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_regular(path_text: str, max_bytes: int) -> bytes:
    """The regular file at ``path_text`` (``~`` expanded), at most ``max_bytes`` of it; else :class:`FileRefused`.

    The path is judged by ``stat`` before it is opened: ``/dev/zero`` would be read until memory runs out,
    a FIFO or a terminal would block forever; and what is read is bounded even if the file grows meanwhile.
    """
    try:
        path = Path(path_text).expanduser()
        info = path.stat()
    except RuntimeError:  # "~name" where no user is called name, or "~" without a home folder
        user = shorten(path_text.split("/", 1)[0][1:])
        said = f"no user is named {user} (~NAME means NAME's home folder)" if user else "no home folder for ~"
        raise FileRefused(said) from None
    except ValueError:  # a NUL character: no file system allows one in a name
        raise FileRefused("a NUL character in the name") from None
    except OSError as error:
        raise FileRefused(_os_problem(error, path_text)) from None
    if (other := _not_regular(info.st_mode)) is not None:
        raise FileRefused(other)
    if info.st_size > max_bytes:
        raise FileRefused(f"larger than {_size(max_bytes)}")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)  # no wait, even if swapped
    try:
        with os.fdopen(os.open(path, flags), "rb") as handle:
            if (other := _not_regular(os.fstat(handle.fileno()).st_mode)) is not None:  # replaced since stat
                raise FileRefused(other)
            data = handle.read(info.st_size + 1)  # one read, no copy, for a file as big as stat said
            if len(data) > info.st_size:  # it grows, or says size 0 (/proc): read on, but never past the limit
                parts, total = [data], len(data)
                while parts[-1] and total <= max_bytes:
                    parts.append(handle.read(READ_CHUNK))
                    total += len(parts[-1])
                data = b"".join(parts)
    except FileRefused:
        raise
    except OSError as error:
        raise FileRefused(_os_problem(error, path_text)) from None
    if len(data) > max_bytes:
        raise FileRefused(f"larger than {_size(max_bytes)}")
    return data


def _size(limit: int) -> str:
    """A limit in words: ``200 MB``, or bytes below one MB (a limit set small must not read "0 MB")."""
    return f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit:,} bytes"


def _not_regular(mode: int) -> str | None:
    """What a path is when it is not a regular file (a folder, device, pipe or socket), or ``None``."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder"
    for test, what in ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return f"is {what}, not a regular file"
    return "is a device, not a regular file"


def _os_problem(error: OSError, path_text: str) -> str:
    """What the operating system's refusal to stat or open a path means, in a few words."""
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return "no such file"
    if error.errno == errno.EACCES:
        return "not readable (permission denied)"
    if error.errno == errno.ENAMETOOLONG:
        longest = max((len(os.fsencode(part)) for part in Path(path_text).parts), default=0)
        if longest > NAME_MAX:
            return f"a name in it is {longest:,} bytes long (at most {NAME_MAX})"
        return f"the path is {len(os.fsencode(path_text)):,} bytes long, too long for the system"
    if error.errno == errno.ELOOP:
        return "a symbolic link that loops"
    return f"cannot be read ({(error.strerror or type(error).__name__).lower()})"
