"""Detached runs without TensorFlow: a run folder that says ``running``, and a small process that stands in for
the one training it (it stops as the real one does on ``--stop``'s signal: its folder then says ``stopped``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from engine.runs.detached import describe, write_record
from helpers.saved_runs import make_run

STAND_IN = """
import json, signal, sys
from pathlib import Path
folder = Path(sys.argv[1])
def stop(signum, frame):
    (folder / "metrics.json").write_text(json.dumps({"status": "stopped", "models": {}}))
    sys.exit(0)
signal.signal(signal.SIGUSR1, stop)
print("ready", flush=True)
while True:
    signal.pause()
"""
"""The stand-in's program: says ``ready`` once its stop handler is set, then waits for the signal."""


def running_folder(folder: Path) -> Path:
    """A run folder as a run still training leaves it: config, three epochs of history, ``metrics.json`` running."""
    make_run(folder)
    (folder / "metrics.json").write_text(json.dumps({"status": "running", "models": {}}))
    return folder


def stand_in(folder: Path) -> subprocess.Popen[str]:
    """Start the stand-in for ``folder``'s detached process and record it there, as ``--detach`` does."""
    process = subprocess.Popen([sys.executable, "-c", STAND_IN, str(folder)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    write_record(folder, describe(process.pid))
    return process


def dead_record(folder: Path) -> None:
    """Record a process in ``folder`` and end it: the folder still says ``running``, its process is gone."""
    process = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    write_record(folder, describe(process.pid))
    process.kill()
    process.wait()
