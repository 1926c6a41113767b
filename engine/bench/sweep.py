"""``--only sweep``: a sweep as one command against its points as separate commands one after another.

Whole processes, side by side: the sweep (its driver and every worker) against each point run as its own
``rnnlstm-tui --headless`` (the backend loaded once per point), with the peak memory of each side — for the
sweep the largest sum over its process tree, sampled five times a second (its workers run at once).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

Figures = dict[str, Any]
ROWS: dict[str, tuple[list[str], str, list[str]]] = {
    "adding": (["--task", "adding", "--seeds", "3"], "length=10,25,50,100,200", ["--sequences", "100"]),
    "lr": (["--seeds", "3"], "lr=0.001,0.003,0.01,0.03,0.1", ["--points", "30", "--window", "5"]),
}
"""The benchmark rows: the settings every point shares, the sweep, and what ``--quick`` adds to make it tiny."""
REPLICA_BOUND = ("lr",)
"""Rows whose points keep every shape, so that they ride the replica axis (a pack): one run of all their seeds,
the floor a pack approaches, is measured beside them."""
QUICK = ["--epochs", "2", "--forecast-every", "0", "--no-inside"]
SAMPLE_SECONDS = 0.2


def _tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and every process below it, in MB (Linux ``/proc``; 0 elsewhere)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def timed(args: list[str], cwd: Path) -> Figures:
    """Run ``rnnlstm-tui --headless ARGS``: wall seconds, exit code and the peak memory of its process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "--headless", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, _tree_rss_mb(process.pid))
        time.sleep(SAMPLE_SECONDS)
    return {"seconds": time.perf_counter() - started, "peak_rss_mb": peak, "exit": process.returncode}


def measure_sweep(row: str, quick: bool, workers: int | None = None) -> Figures:
    """One benchmark row: the sweep as one command, then its points as separate commands, one after another."""
    shared, spec, tiny = ROWS[row]
    shared = [*shared, *([*QUICK, *tiny] if quick else [])]
    name, values = spec.split("=")
    flag = "--lr" if name == "lr" else f"--{name}"
    with tempfile.TemporaryDirectory(prefix="rnnlstm-bench-sweep-") as folder:
        cwd = Path(folder)
        extra = ["--workers", str(workers)] if workers else []
        sweep = timed([*shared, "--sweep", spec, *extra, "--out", "sweep"], cwd)
        points = [timed([*shared, flag, value, "--out", f"point-{value}"], cwd) for value in values.split(",")]
        figures = {"row": row, "sweep_args": [*shared, "--sweep", spec, *extra], "sweep": sweep, "points": points}
        if row in REPLICA_BOUND:
            # Every point's seeds as replicas of one run (one learning rate): what training the points on the
            # replica axis, one compiled call, can give at best — the sweep's pack does that, plus its points' files.
            seeds = int(shared[shared.index("--seeds") + 1]) * len(points)
            rest = [a for i, a in enumerate(shared) if a != "--seeds" and shared[i - 1 : i] != ["--seeds"]]
            figures["bound"] = timed([*rest, "--seeds", str(seeds), "--out", "replicas"], cwd)
    return figures


def sweep_table(rows: list[Figures]) -> list[str]:
    """Markdown rows: each benchmark row's sweep against its separate commands."""
    lines = [
        "Sweeps: one command against its points as separate commands, one after another (whole processes)",
        "",
        "| row | sweep (s) | separate (s) | speed-up | sweep peak (MB, all processes) | separate peak (MB) "
        "| replica-axis bound (s, speed-up) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for figures in rows:
        sweep, points = figures["sweep"], figures["points"]
        separate = sum(p["seconds"] for p in points)
        peak = max(p["peak_rss_mb"] for p in points)
        failed = [f["exit"] for f in (sweep, *points) if f["exit"] != 0]
        ratio = f"failed (exit {failed[0]})" if failed else f"{separate / sweep['seconds']:.2f}×"
        bound = figures.get("bound")
        reach = "—" if bound is None else f"{bound['seconds']:.1f} ({separate / bound['seconds']:.2f}×)"
        lines.append(
            f"| `{' '.join(figures['sweep_args'])}` | {sweep['seconds']:.1f} | {separate:.1f} | {ratio} "
            f"| {sweep['peak_rss_mb']:.0f} | {peak:.0f} | {reach} |"
        )
    return [
        *lines,
        "",
        "Replica-axis bound: all the row's seeds (points × seeds) as one run with one learning rate, one compiled",
        "call per epoch: the floor for a sweep whose points share every shape, which trains them as one pack.",
    ]
