"""Detached runs as a person uses them: ``--detach``, a viewer in a pseudo-terminal whose connection drops
(the terminal hangs up: SIGHUP), a second viewer, ``--stop``, and a ``kill -9`` of the training process."""

from __future__ import annotations

import csv
import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from engine.runs.detached import alive, read_record

pytestmark = pytest.mark.heavy

TINY = ("--models", "rnn", "--units", "8", "--no-inside", "--no-xla", "--forecast-every", "0")
APP = (sys.executable, "-m", "tui.cli")


def detach(cwd: Path, epochs: int) -> Path:
    """``rnnlstm-tui --detach``: returns once the run has begun, saying how to attach."""
    done = subprocess.run(
        [*APP, "--detach", "--epochs", str(epochs), *TINY, "--out", "run"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "attach: rnnlstm-tui run" in done.stdout and "stop:   rnnlstm-tui --stop run" in done.stdout
    return cwd / "run"


def epochs(folder: Path) -> list[int]:
    with open(folder / "history.csv", newline="") as handle:
        return [int(row["epoch"]) for row in csv.DictReader(handle)]


def until(check: object, seconds: float, what: str) -> None:
    """Poll ``check()`` until it is true, at most ``seconds``: a deadline, not a sleep to synchronise on."""
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.1)


class Viewer:
    """``rnnlstm-tui DIR`` in a pseudo-terminal of its own (its controlling terminal, as an SSH session's)."""

    def __init__(self, folder: Path) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the app, attached to the run
            os.chdir(folder.parent)
            os.execve(sys.executable, [*APP, folder.name], {**os.environ, "TERM": "xterm-256color"})
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.seen = b""

    def wait_for(self, text: bytes, seconds: float) -> None:
        """Read the screen until ``text`` has been drawn."""
        deadline = time.monotonic() + seconds
        while text not in self.seen:
            assert time.monotonic() < deadline, f"{text!r} not drawn within {seconds} s: {self.seen[-300:]!r}"
            if select.select([self.fd], [], [], 0.2)[0]:
                self.seen += os.read(self.fd, 1 << 16)

    def exit_code(self, seconds: float) -> int:
        """Wait for the app to end, reading its screen meanwhile (a full pty would block it)."""
        deadline = time.monotonic() + seconds
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            assert time.monotonic() < deadline, "the viewer did not end"
            try:
                if select.select([self.fd], [], [], 0.1)[0]:
                    self.seen += os.read(self.fd, 1 << 16)
            except OSError:  # the terminal hung up
                time.sleep(0.05)  # nothing to read: wait for the process to end, bounded by the deadline


def test_a_detached_run_outlives_a_dropped_connection_and_a_new_viewer_attaches(tmp_path: Path) -> None:
    folder = detach(tmp_path, epochs=300)
    process = read_record(folder)
    assert process is not None and alive(process)
    first = Viewer(folder)
    first.wait_for(b"End run", 60)  # the key that stops a detached run: this viewer is attached to a live one
    first.wait_for(b"training", 60)
    at_drop = len(epochs(folder))
    os.close(first.fd)  # the connection drops: the terminal hangs up, the viewer gets SIGHUP
    assert first.exit_code(30) == 128 + signal.SIGHUP
    assert alive(process), "the training ended with its viewer"
    until(lambda: len(epochs(folder)) > at_drop, 60, "the history grows after the viewer went")
    second = Viewer(folder)
    second.wait_for(b"finished", 300)  # followed to the end: the header says so
    assert json.loads((folder / "metrics.json").read_text())["status"] == "finished"
    assert epochs(folder) == list(range(1, 301))
    os.write(second.fd, b"q")
    assert second.exit_code(30) == 0
    os.close(second.fd)


def test_stop_ends_a_real_detached_run_stopped_with_every_epoch_kept(tmp_path: Path) -> None:
    folder = detach(tmp_path, epochs=100000)
    until(lambda: len(epochs(folder)) >= 3, 120, "three epochs")
    done = subprocess.run([*APP, "--stop", "run"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "stopped; run folder: run"
    metrics = json.loads((folder / "metrics.json").read_text())
    reached = metrics["models"]["rnn"]["epochs_done"]
    assert metrics["status"] == "stopped" and epochs(folder) == list(range(1, reached + 1)) and reached >= 3
    assert "stopped at epoch" in (folder / "detached.log").read_text()  # its own log, in the run folder


def test_a_killed_detached_process_reads_process_gone_never_running(tmp_path: Path) -> None:
    folder = detach(tmp_path, epochs=100000)
    until(lambda: len(epochs(folder)) >= 3, 120, "three epochs")
    process = read_record(folder)
    assert process is not None
    os.kill(process.pid, signal.SIGKILL)
    until(lambda: not alive(process), 30, "the process is gone")
    last = max(epochs(folder))
    for argv in (["--headless", "--open", "run"], ["--headless", "--runs", "."]):
        said = subprocess.run([*APP, *argv], cwd=tmp_path, capture_output=True, text=True, timeout=120).stdout
        assert f"| rnn | process gone at epoch {last} |" in said and "running" not in said, said
    done = subprocess.run([*APP, "--stop", "run"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and f"it has ended (process gone at epoch {last})" in done.stderr
