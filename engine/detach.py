"""``--detach`` and ``--stop``: a run (or a sweep) trained by a background process of its own, and ending it.

The detached process is ``rnnlstm-tui --headless`` with the same options, started in a session of its own
(no terminal: a closed SSH connection sends it nothing), stdin from ``/dev/null``, its output in the run folder
(:data:`engine.runs.paths.DETACHED_LOG`) and its pid recorded there (:mod:`engine.runs.detached`). Any viewer
attaches by following the folder (``rnnlstm-tui DIR``, the runs screen, a browser tab with ``--serve``);
quitting a viewer never touches the process. ``--stop DIR`` asks it to stop and waits for the folder to end.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from engine.cli import RUN_ROOT, Invocation, fail
from engine.runs.detached import Detached, StopError, alive, describe, read_record, request_stop, write_record
from engine.runs.folder import RunFolderError, new_run_dir
from engine.runs.paths import DETACHED_LOG, DETACHED_RECORD, shown
from engine.runs.reader import read_run
from engine.sweep.folder import new_sweep_dir
from engine.sweep.reader import SWEEP_JSON, is_sweep, read_sweep

START_SECONDS = 600.0
"""How long ``--detach`` waits for the run to begin (TensorFlow loaded, ``config.json`` written) before it gives
the prompt back anyway; the run goes on either way."""
STOP_SECONDS = 600.0
"""How long ``--stop`` waits for the process to finish its epoch and write its folder."""
POLL_SECONDS = 0.2
LOG_LINES = 5
"""Lines of the detached log shown when its process ends before the run began (the error is among them)."""
DROPPED = {"--detach": 0, "--serve": 1}
"""Options of this command line that the detached process does not get, and how many values each takes."""


def child_command(invocation: Invocation, folder: Path) -> list[str]:
    """The detached process's command: this one, headless, less ``--detach`` and ``--serve``, into ``folder``."""
    args, skip = [], 0
    for arg in invocation.argv:
        if skip:
            skip -= 1
        elif arg.split("=", 1)[0] in DROPPED:
            skip = DROPPED[arg] if "=" not in arg and arg in DROPPED else 0
        else:
            args.append(arg)
    resuming = invocation.sweep is not None and invocation.sweep.resume is not None
    given = resuming or invocation.out is not None  # a resumed sweep keeps its folder (--resume DIR)
    where = [] if given else ["--out", str(folder)]
    return [sys.executable, "-m", "tui.cli", "--headless", *args, *where]


def claim_folder(invocation: Invocation) -> Path:
    """The folder the detached process writes: ``--out``, the sweep resumed, or a new one under ``runs/``."""
    sweep = invocation.sweep
    try:
        if sweep is not None and sweep.resume is not None:
            folder = sweep.resume
        elif invocation.out is not None:
            folder = invocation.out
            folder.mkdir(parents=True, exist_ok=True)
        else:
            folder = new_sweep_dir(RUN_ROOT) if sweep is not None else new_run_dir(RUN_ROOT)
    except (OSError, RunFolderError) as error:
        fail(str(error))
    if (process := read_record(folder)) is not None and alive(process) is not False:
        fail(f"{shown(folder)}: a detached process ({process.pid}) already trains there; allowed: a new folder")
    return folder


def detach(invocation: Invocation, quiet: bool = False) -> tuple[Path, Detached]:
    """Start the detached process and wait until its run has begun; returns its folder and process.

    Exits 2 with the end of its log if it ends before its run began (a device that is missing, say). Ctrl+C
    while waiting gives the prompt back and leaves the process running: it is in a session of its own.
    """
    folder = claim_folder(invocation)
    kind = "sweep" if invocation.sweep is not None else "run"
    with open(folder / DETACHED_LOG, "ab") as log:  # a resumed sweep's log goes on after the last session's
        child = subprocess.Popen(
            child_command(invocation, folder),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # no controlling terminal: a dropped connection's SIGHUP never reaches it
        )
    process = describe(child.pid, kind)
    write_record(folder, process)
    if not quiet:
        print(f"starting the {kind} in the background (pid {child.pid})…", flush=True)
    began = folder / (SWEEP_JSON if kind == "sweep" else "config.json")
    deadline = time.monotonic() + START_SECONDS
    try:
        while not began.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:  # the user stops waiting, not the run
        pass
    if child.poll() is not None and not began.exists():
        tail = " | ".join(_log_tail(folder / DETACHED_LOG)) or "no output"
        fail(f"the detached {kind} ended before it began (exit {child.returncode}): {tail}")
    return folder, process


def detach_main(invocation: Invocation) -> int:
    """``--detach``: start the process, then print the folder, its log and the commands that attach and stop."""
    folder, process = detach(invocation)
    where = shlex.quote(str(folder))
    print(f"{process.kind} folder: {folder}")
    print(f"training in the background, pid {process.pid}; its log: {folder / DETACHED_LOG}")
    print(f"attach: rnnlstm-tui {where}   (q leaves it training)")
    print(f"stop:   rnnlstm-tui --stop {where}", flush=True)
    return 0


def folder_status(folder: Path) -> str:
    """How the run or sweep in ``folder`` stands: ``running``, ``finished``, ``process gone at epoch 3``…"""
    return read_sweep(folder).status if is_sweep(folder) else read_run(folder).status


def stop_main(folder: Path) -> int:
    """``--stop DIR``: ask the detached process to stop, wait until it has written its folder, say how it ended."""
    process = read_record(folder)
    if not folder.is_dir():
        fail(f"--stop {shown(folder)}: no such folder; allowed: a run folder made with --detach")
    if process is None:
        fail(f"--stop {shown(folder)}: not a detached run (no {DETACHED_RECORD}); allowed: a folder made with --detach")
    status = folder_status(folder)
    started = time.monotonic()
    while status in ("unknown", "") and alive(process) and time.monotonic() - started < START_SECONDS:
        time.sleep(POLL_SECONDS)  # still loading TensorFlow: its stop handler is not set yet
        status = folder_status(folder)
    if status != "running":
        fail(f"--stop {shown(folder)}: nothing to stop, it has ended ({status})")
    try:
        request_stop(folder)
    except StopError as error:
        fail(f"--stop {shown(folder)}: {error}")
    print(f"stopping pid {process.pid} after its current epoch…", flush=True)
    deadline = time.monotonic() + STOP_SECONDS
    while alive(process) and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
    print(f"{folder_status(folder)}; {process.kind} folder: {folder}")
    return 0


def _log_tail(log: Path) -> list[str]:
    try:
        with open(log, "rb") as handle:
            handle.seek(max(0, os.fstat(handle.fileno()).st_size - 4096))
            lines = handle.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return []
    return [line.strip() for line in lines if line.strip()][-LOG_LINES:]
