"""Running the app in a real terminal: keep TensorFlow's stderr off the screen, exit cleanly.

TensorFlow's C++ side writes straight to file descriptor 2, and Textual draws on
``sys.__stderr__`` (also fd 2). So for the app's lifetime fd 2 points at a log file, and
Textual's driver gets its own duplicate of the terminal to draw on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from textual.driver import Driver

from engine.cli import Invocation
from engine.report.events import Status
from engine.report.stop import SIGNAL_EXIT_CODES
from engine.runs.folder import mark_interrupted
from engine.runs.safeio import failure_note, file_mode
from engine.train.runtime import quiet_stderr
from tui.app import RnnLstmApp
from tui.served import served

LOG_NAME = "tui-stderr.log"
"""What TensorFlow wrote on stderr during the session, kept in the last run folder if anything."""


def driver_drawing_on(terminal: TextIO) -> type[Driver] | None:
    """A Linux/macOS driver class that draws on ``terminal`` instead of ``sys.__stderr__``.

    ``None`` elsewhere (Windows): there Textual's default driver is used and fd 2 is left alone.
    """
    if os.name != "posix":
        return None
    from textual.drivers.linux_driver import LinuxDriver

    class TerminalDriver(LinuxDriver):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self._file = terminal  # type: ignore[assignment]  # what LinuxDriver's writer thread writes to

    return TerminalDriver


TUI_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
"""Signals that end the app like ``q`` does (a closed terminal sends SIGHUP); Textual handles ctrl+c itself."""


class TerminalApp(RnnLstmApp):
    """The app as run from a terminal: SIGTERM and SIGHUP quit it like ``q``, runs end "interrupted"."""

    signalled: int | None = None
    """The signal that ended the app, if one did."""

    def on_mount(self) -> None:  # Textual calls this and the base class's on_mount
        loop = asyncio.get_running_loop()
        for signum in TUI_SIGNALS:
            loop.add_signal_handler(signum, self.interrupt, signum)

    def interrupt(self, signum: int) -> None:
        self.signalled = signum
        for run in self.runs:
            run.stop.request(Status.INTERRUPTED)
        self.call_later(self.action_quit)


def run_in_terminal(invocation: Invocation, run_root: Path = Path("runs")) -> int:
    """Run the TUI for ``invocation``; afterwards print one line, the run folder, and return the exit code.

    Once TensorFlow is loaded the process ends here with ``os._exit``: the app's quit has
    already given the engine its grace to write the run folder, and if it is still busy
    (quit while TensorFlow imports or compiles, which cannot be interrupted) nothing more
    is owed; the engine's threads are daemons either way.
    """
    handle, log_name = tempfile.mkstemp(prefix="rnnlstm-tui-", suffix=".log")
    os.fchmod(handle, file_mode())  # it may end in the run folder, whose files follow the umask
    os.close(handle)
    log = Path(log_name)
    encoding = getattr(sys.__stderr__, "encoding", None) or "utf-8"
    terminal = os.fdopen(os.dup(2), "w", encoding=encoding, errors="replace")
    # Served in a browser (textual serve, textual-serve), Textual's web driver named in the environment draws over
    # stdout; our driver would override it. TensorFlow's stderr is kept off the stream all the same.
    web = served()
    driver = None if web else driver_drawing_on(terminal)
    app = TerminalApp(invocation, run_root, driver_class=driver)
    try:
        if driver is None and not web:  # Windows: Textual's own driver, fd 2 left alone
            app.run()
        else:
            with quiet_stderr(str(log)):
                app.run()
    finally:
        with contextlib.suppress(OSError):  # flushing to a terminal that was closed (SIGHUP)
            terminal.close()
    run_dir = app.current.run_dir if app.current is not None else None
    kept = _keep_log(log, run_dir if app.current is not None and app.current.owns_folder else None)
    # The run on screen failed (a full disk, say): the exit code and one line say so, as headless does.
    failed = app.current.error if app.current is not None and app.current.owns_folder else None
    with contextlib.suppress(OSError, ValueError):  # after SIGHUP the terminal may be gone
        owned = app.current is not None and app.current.owns_folder  # a sweep's point shown is not this run's
        if run_dir is not None and (app.sweep_path is None or owned):
            print(f"run folder: {run_dir}", flush=True)
        if app.attached is not None and run_dir is not None:  # q left a detached run training
            print(f"it goes on training in the background; to stop it: rnnlstm-tui --stop {run_dir}", flush=True)
        for line in app.farewell():  # a sweep: its folder, and how to resume it if it was stopped
            print(line, flush=True)
        if failed is not None:
            print(f"rnnlstm-tui: error: {type(failed).__name__}: {failed}{failure_note(run_dir)}", file=sys.stderr)
        elif app.return_code and kept is not None:
            print(f"rnnlstm-tui: the app failed; details in {kept}", file=sys.stderr)
    code = SIGNAL_EXIT_CODES[app.signalled] if app.signalled else app.return_code or 0
    for run in app.runs:
        if run.alive and run.superseded and run.epochs_seen == 0:
            run.discard()
        elif run.alive and run.owns_folder:  # still importing TensorFlow or compiling past the quit grace: say so
            mark_interrupted(run.run_dir, run.config)
    if "tensorflow" in sys.modules:
        # Everything is written (or, past the quit grace, given up on): skip the interpreter's
        # teardown, which with TensorFlow loaded takes about a second, and which would wait
        # on no thread of ours (they are daemons) but may trip over them mid-import.
        with contextlib.suppress(OSError):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    return code


def _keep_log(log: Path, run_dir: Path | None) -> Path | None:
    """Drop an empty log; move a non-empty one into the run folder. Returns where it is kept."""
    if log.stat().st_size == 0:
        log.unlink()
        return None
    if run_dir is None or not run_dir.is_dir():
        return log
    with contextlib.suppress(OSError):
        return Path(shutil.move(str(log), str(run_dir / LOG_NAME)))
    return log
