"""Standard streams that may be closed (``>&-``) or unable to encode what we print.

Printing is for the user; it must never decide what a run computes or writes. So before
anything else the command line calls :func:`mend_std_streams`: a closed stream gets
``/dev/null`` (and keeps its file descriptor from being handed to a run file, where
TensorFlow's C++ logging on fd 2 would write into it), and text streams replace what their
encoding cannot show (``PYTHONIOENCODING=ascii`` prints ``—`` as ``?``).
"""

from __future__ import annotations

import io
import os
import sys

STREAMS = ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w"))
"""File descriptor, ``sys`` attribute and mode of each standard stream, in descriptor order."""


def mend_std_streams() -> list[str]:
    """Make every standard stream usable; return the names of those that were closed.

    Descriptors are mended in order, so ``os.open`` hands out the lowest free one: the one
    that was closed.
    """
    closed = []
    for fd, name, mode in STREAMS:
        was_closed = getattr(sys, name) is None  # Python found the descriptor closed at start-up
        try:
            os.fstat(fd)
        except OSError:
            was_closed = True
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        if was_closed:
            closed.append(name)
            setattr(sys, name, open(os.devnull, mode, encoding="utf-8"))  # noqa: SIM115  # lives as long as sys
        stream = getattr(sys, name)
        if mode == "w" and isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    return closed
