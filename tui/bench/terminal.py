"""The TUI's cost to training as a user meets it: ``rnnlstm-tui`` in a pseudo-terminal against
``rnnlstm-tui --headless``, both whole processes with the same options, watched the same way.

Why not ``App.run_test``: its ``Pilot`` polls every widget at each ``pause()``, work the real app never
does, and it shares the benchmark's process; here the app runs as the command a user types, draws to a
terminal (read and discarded, as a fast terminal would), and is given a few keys while it trains.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import pty
import select
import signal
import struct
import subprocess
import tempfile
import termios
import time
from pathlib import Path

from engine.bench.startup import command
from engine.bench.suite import Figures
from engine.config.config import Config

SIZE = (100, 30)
"""Columns and rows of the pseudo-terminal."""
KEYS = "2141"
"""Pressed in turn while training, one every :data:`KEY_SECONDS`: tab switches, each drawing a tab afresh."""
KEY_SECONDS = 2.0
POLL_SECONDS = 0.02
"""How often ``metrics.json`` is read for the run's end: the resolution of ``whole_s``."""
LIMIT_SECONDS = 1800.0
"""A run still going after this is killed (and reported with its exit code)."""
ENDED = ("finished", "stopped", "diverged", "error")


def run_process(config: Config, in_terminal: bool) -> Figures:
    """One whole run of ``config``: headless, or the TUI in a pseudo-terminal (quit with ``q`` once it ends).

    Returns seconds from launch until ``metrics.json`` reports the end, each model's training seconds
    (as ``metrics.json`` records them: start-up left out), the process's CPU seconds and peak RSS.
    """
    with tempfile.TemporaryDirectory() as temp:
        out = Path(temp) / "run"
        argv = command(config, out)
        leader = None
        if in_terminal:
            argv.remove("--headless")
            leader, follower = pty.openpty()
            fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
            env = {**os.environ, "TERM": "xterm-256color"}
            process = subprocess.Popen(argv, stdin=follower, stdout=follower, stderr=follower, env=env)
            os.close(follower)
        else:
            process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started = time.perf_counter()
        whole: float | None = None  # set once metrics.json says the run ended
        keys_sent, next_key = 0, started + KEY_SECONDS
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)  # reaped here: its own CPU and peak RSS
            if pid:
                break
            now = time.perf_counter()
            if leader is not None and select.select([leader], [], [], POLL_SECONDS)[0]:
                _drain(leader)
            elif leader is None:
                time.sleep(POLL_SECONDS)
            run_status = _status(out) if whole is None else ""
            if run_status in ENDED:
                whole = now - started
                if leader is not None:
                    os.write(leader, b"q")
            elif leader is not None and now >= next_key and run_status == "running":
                os.write(leader, KEYS[keys_sent % len(KEYS)].encode())
                keys_sent, next_key = keys_sent + 1, now + KEY_SECONDS
            if now - started > LIMIT_SECONDS:
                process.send_signal(signal.SIGKILL)
        process.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait for it again
        if leader is not None:
            os.close(leader)
        models = (
            json.loads((out / "metrics.json").read_text()).get("models", {}) if (out / "metrics.json").exists() else {}
        )
        return {
            "whole_s": math.nan if whole is None else whole,
            "train_s": {model: figures["seconds"] for model, figures in models.items()},
            "first_epoch_s": {model: figures["first_epoch_seconds"] for model, figures in models.items()},
            "epochs_per_s": {model: figures["epochs_per_second"] for model, figures in models.items()},
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": usage.ru_maxrss / 1024,
            "keys": keys_sent,
            "code": process.returncode,
        }


def _drain(leader: int) -> None:
    with contextlib.suppress(OSError):  # the terminal's other end has closed: the process is ending
        os.read(leader, 1 << 16)


def _status(out: Path) -> str:
    try:
        return str(json.loads((out / "metrics.json").read_text()).get("status", ""))
    except (OSError, ValueError):  # not written yet, or being replaced
        return ""
