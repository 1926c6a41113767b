"""Entry point of the ``rnnlstm-tui`` command."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from engine.cli import Invocation, UsageError, fail, parse_invocation
from engine.detach import detach_main, stop_main
from engine.headless import run_headless
from engine.runs.reader import compare_report, read_run
from engine.settings.declare import PATH_ECHO, shorten
from engine.streams import mend_std_streams
from engine.sweep.grid import SweepError
from engine.sweep.headless import prepare, report_text, run_sweep_headless
from engine.sweep.listing import list_folders, read_folder
from engine.sweep.reader import is_sweep, read_sweep
from tui.serve import serve_main
from tui.served import served


def exit_now(code: int) -> int:
    """End the process with ``code`` once the run is written, skipping the interpreter's teardown.

    With TensorFlow loaded the teardown takes about a second, waiting on nothing of ours (the
    engine's threads are daemons and the run folder is complete): it would only delay the exit
    after a signal or at the end of a run.
    """
    if "tensorflow" in sys.modules:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    return code


def main(argv: list[str] | None = None) -> int:
    """Parse options (before TensorFlow loads), then run headless or open the TUI."""
    closed = mend_std_streams()  # first: a closed or ASCII-only stream must not break anything below
    try:
        invocation = parse_invocation(argv)
    except UsageError as error:
        fail(str(error))
    if invocation.stop is not None:
        return stop_main(invocation.stop)
    if invocation.serve is not None:
        return serve_main(invocation)
    if invocation.detach:
        if invocation.sweep is not None:
            try:
                prepare(invocation)  # bad sweep options are named here, not in the detached process's log
            except SweepError as error:
                fail(str(error))
        return detach_main(invocation)
    if invocation.sweep is not None or (invocation.open is not None and is_sweep(invocation.open)):
        return sweep_main(invocation, closed)
    if invocation.open is not None and (refusal := read_run(invocation.open).refusal):
        # A saved run is shown only if its settings read back as they were saved: one line, exit 2.
        fail(f"{shorten(str(invocation.open), PATH_ECHO)}: cannot be shown: {refusal}")
    if invocation.compare or (invocation.headless and (invocation.open or invocation.runs)):
        named = [*invocation.compare, *([invocation.open] if invocation.open else [])]
        # read_folder/list_folders: a sweep folder among them is listed as a sweep, not as a broken run
        runs = [read_folder(path) for path in named] if named else list_folders(invocation.runs or Path("runs"))
        print(compare_report(runs))
        return 0
    if invocation.headless:
        return run_headless(invocation)
    return run_tui(invocation, closed)


def run_tui(invocation: Invocation, closed: list[str]) -> int:
    """Open the TUI in this terminal, or say in one line why it cannot run here (``closed``: streams found closed)."""
    # The screen is drawn on stderr, keys come from stdin, the run folder is printed on stdout.
    if closed:
        # The line goes where someone may read it: stderr, or stdout when stderr is the closed one.
        fail(
            f"{closed[0]} is closed, so the TUI cannot run; allowed: run it in a terminal, "
            "or add --headless for log output",
            sys.stdout if "stderr" in closed else sys.stderr,
        )
    redirected = [name for name in ("stdout", "stderr", "stdin") if not getattr(sys, name).isatty()]
    if redirected and not served():  # Textual's web driver talks over pipes
        fail(
            f"{redirected[0]} is not a terminal, so the TUI cannot run; allowed: run it in a terminal, "
            "or add --headless for log output"
        )
    # The one deferred import of the UI: Textual loads only for the TUI, never for --headless or --compare.
    from tui.terminal import run_in_terminal

    return run_in_terminal(invocation)


def sweep_main(invocation: Invocation, closed: list[str]) -> int:
    """A sweep to run (``--sweep``, ``--resume``) or a sweep folder to show: with log lines, or in the TUI's
    sweep view (tui/sweep_app.py), which loads no TensorFlow: the points train in worker processes."""
    if invocation.sweep is None:  # a sweep folder opened
        assert invocation.open is not None
        info = read_sweep(invocation.open)
        if info.problem and not info.points:  # nothing in it can be shown: one line, exit 2, as for a run folder
            fail(f"{shorten(str(invocation.open), PATH_ECHO)}: cannot be shown: {info.problem}")
        if not invocation.headless:
            return run_tui(invocation, closed)
        print(report_text(info), end="")
        return 0
    if invocation.headless:
        return run_sweep_headless(invocation)
    try:
        prepare(invocation)  # bad options are named first, as they would be with --headless
    except SweepError as error:
        fail(str(error))
    return run_tui(invocation, closed)


SIGPIPE_EXIT = 141
"""The exit code of a command whose reader went away (128 + SIGPIPE), as ``ls | head`` gives ``ls``."""


def entry() -> int:
    """The ``rnnlstm-tui`` command: :func:`main`, then the process ends at once (see :func:`exit_now`).

    A listing piped into ``head`` (or any reader that stops early) ends quietly: what was asked for was read.
    """
    try:
        return exit_now(main())
    except BrokenPipeError:
        # Python would print a traceback, and again at exit when it flushes stdout: point stdout at nothing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return exit_now(SIGPIPE_EXIT)


if __name__ == "__main__":
    sys.exit(entry())
