"""Sweep folders among run folders: what a listing (the runs screen, ``--runs``, ``--compare``) says of one.

A sweep folder (``sweep.json`` and a run folder per point) is not a run: listed as one, it would read as a
broken run ("not a run folder"). Here it is a :class:`engine.runs.reader.RunInfo` whose ``sweep`` says what
it varies and how far it got (``length=10,25,50 · 4 of 5 points finished``) and whose ``refusal`` says how to
open it. Read with :func:`engine.sweep.reader.read_sweep`, so a point counts as finished only when its run
folder agrees; no TensorFlow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.runs.checked import check_config
from engine.runs.reader import RunInfo, list_runs, read_run
from engine.settings.declare import PATH_ECHO, shorten
from engine.sweep.grid import value_text
from engine.sweep.reader import PointStatus, SweepInfo, is_sweep, read_sweep

NAMED_VALUES = 6
"""A swept setting with more values than this is listed by its first two and last one, and how many."""


def values_text(values: list[Any]) -> str:
    """``10,25,50``; many values shortened: ``0.0001,0.0002154,…,0.1 (10 values)``."""
    texts = [value_text(v) for v in values]
    if len(texts) <= NAMED_VALUES:
        return ",".join(texts)
    return f"{texts[0]},{texts[1]},…,{texts[-1]} ({len(texts)} values)"


def sweep_line(info: SweepInfo) -> str:
    """One line: what the sweep varies and how far it got, e.g. ``length=10,25,50 · 2 of 3 points finished,
    1 failed · interrupted`` (its status is named unless it finished)."""
    if info.problem and not info.points:
        return info.problem
    varies = " × ".join(f"{axis.key}={values_text(axis.values)}" for axis in info.axes) or "no setting"
    failed = sum(1 for p in info.points if p.status == PointStatus.FAILED)
    done = f"{len(info.finished)} of {len(info.points)} point{'s' if len(info.points) != 1 else ''} finished"
    status = f" · {info.status}" if info.status != PointStatus.FINISHED else ""
    return f"{varies} · {done}{f', {failed} failed' if failed else ''}{status}"


def read_folder(path: Path) -> RunInfo:
    """The folder at ``path`` as a listing shows it: a run (:func:`engine.runs.reader.read_run`) or a sweep."""
    if not is_sweep(path):
        return read_run(path)
    info = read_sweep(path)
    if info.problem and not info.points:  # nothing in it can be shown (as `rnnlstm-tui DIR` refuses it)
        return RunInfo(path, problem=info.problem, refusal=info.problem, sweep=sweep_line(info))
    # The task and the models are the same at every point (neither can be swept): the listing may show them.
    config, _, _ = check_config({k: info.base[k] for k in ("task", "models") if k in info.base})
    shown = shorten(str(path), PATH_ECHO)
    refusal = f"a sweep folder, not a run; open it with: rnnlstm-tui {shown}"
    return RunInfo(path, config=config, refusal=refusal, sweep=sweep_line(info))


def list_folders(root: Path) -> list[RunInfo]:
    """Every run folder and sweep folder directly under ``root``, newest first (by name: timestamps sort)."""
    return list_runs(root, read_folder)
