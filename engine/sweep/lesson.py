"""What a sweep's curve shows, in words computed from its numbers: each model's horizon, or its absence.

For a task with a "solved" mark (the adding problem) a model solves a point when more than half of its
seeds reached the mark there; along a numeric setting, the horizon is where it stops (or starts)::

    SimpleRNN solves the adding problem up to T = 25 (3 of 3 seeds) and fails from T = 50;
    LSTM solves every T up to 200.

A model that solves every point or none has no horizon in this range, and one that solves, fails and
solves again has no single one: both are said so. For a task without the mark, the verdicts of the
points (several seeds) say where one model's final val loss is lower than the other's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.config.choices import LAYER_NAMES
from engine.config.tasks import TASK_INFO
from engine.report.spread import Verdict
from engine.sweep.grid import value_text
from engine.sweep.reader import AxisInfo, PointInfo, SweepInfo


@dataclass(frozen=True)
class Mark:
    """One model at one point: the swept value and how many of its seeds solved the task there."""

    value: Any
    solved: int
    of: int

    @property
    def solves(self) -> bool:
        """More than half of the seeds solved it."""
        return 2 * self.solved > self.of


def task_phrase(task: str) -> str:
    """``the adding problem``: the task's title without its aside."""
    title = TASK_INFO[task].title if task in TASK_INFO else task
    return "the " + title.split(" (")[0]


def _values(symbol: str, marks: list[Mark]) -> str:
    return f"{symbol} = " + ", ".join(value_text(m.value) for m in marks)


def horizon(model: str, symbol: str, marks: list[Mark], task: str = "", *, numeric: bool = True) -> str:
    """One model's clause: where along ``symbol`` it solves the task (``task``: its phrase, or "" to leave out).

    One or two values are named (``at T = 10``, ``at T = 10 and 50``): a span of them would claim the values
    between, and one value has no range to find a horizon in."""
    if numeric:
        marks = sorted(marks, key=lambda m: m.value)
    what = f" {task}" if task else ""
    it = what or " it"
    at = "at" if numeric else "with"  # a choice is not a place on an axis
    solves = [m.solves for m in marks]
    first, last = marks[0], marks[-1]
    if len(marks) == 1:
        if first.solves:
            return f"{model} solves{it} {at} {_values(symbol, marks)} ({first.solved} of {first.of} seeds)"
        return f"{model} does not solve{it} {at} {_values(symbol, marks)}" + (
            f" ({first.solved} of {first.of} seeds do)" if first.solved else ""
        )
    both = f"{symbol} = {value_text(first.value)} and {value_text(last.value)}"
    partly = [m for m in marks if m.solved]
    some = f" (some seeds do {at} {_values(symbol, partly)})" if partly else ""
    if all(solves):
        # "every T" holds for most seeds: where some seeds did not solve it, the clause says so.
        short = [f"{m.solved} of {m.of} seeds {at} {symbol} = {value_text(m.value)}" for m in marks if m.solved < m.of]
        caveat = f" ({'; '.join(short)})" if short else ""
        if len(marks) == 2:
            return f"{model} solves{it} {at} {both}{caveat}"
        every = f"{what} at every" if task else " every"
        if numeric:
            return f"{model} solves{every} {symbol} up to {value_text(last.value)}{caveat}"
        return f"{model} solves{what} with every {symbol} tried{caveat}"
    if not any(solves):
        if not numeric:
            return f"{model} does not solve{it} with any {symbol} tried{some}"
        if len(marks) == 2:
            return f"{model} does not solve{it} at {both.replace(' and ', ' or ')}{some}: no horizon in this range"
        none = f"does not solve{what} at any" if task else "solves no"
        return f"{model} {none} {symbol} from {value_text(first.value)} to {value_text(last.value)}{some}: " + (
            "no horizon in this range"
        )
    if not numeric:
        good = [m for m in marks if m.solves]
        bad = [m for m in marks if not m.solves]
        others = ", ".join(value_text(m.value) for m in bad)
        return f"{model} solves{what} with {_values(symbol, good)}, not with {others}"
    cut = solves.index(not solves[0])
    if all(s == solves[0] for s in solves[:cut]) and all(s != solves[0] for s in solves[cut:]):
        before, after = marks[cut - 1], marks[cut]
        if solves[0]:
            still = f" ({after.solved} of {after.of} seeds solve it there)" if after.solved else ""
            return (
                f"{model} solves{what} up to {symbol} = {value_text(before.value)} ({before.solved} of {before.of} "
                f"seeds) and fails from {symbol} = {value_text(after.value)}{still}"
            )
        return (
            f"{model} fails{what} up to {symbol} = {value_text(before.value)} and solves{' it' if task else ''} from "
            f"{symbol} = {value_text(after.value)} ({after.solved} of {after.of} seeds)"
        )
    good = [m for m in marks if m.solves]
    bad = [m for m in marks if not m.solves]
    return (
        f"{model} solves{what} at {_values(symbol, good)} but not at {', '.join(value_text(m.value) for m in bad)}: "
        "no single horizon in this range"
    )


def comparison(first: str, second: str, symbol: str, outcomes: list[tuple[Any, str]]) -> str:
    """Where ``first``'s final val loss is lower than ``second``'s: ``outcomes`` pairs each value with
    ``first``, ``second``, ``even`` (no clear difference) or ``open`` (too few seeds for a verdict)."""
    said = {
        "first": f"{first}'s final val loss is lower than {second}'s",
        "second": f"{second}'s final val loss is lower than {first}'s",
        "even": "no clear difference between them",
        "open": "too few seeds for a verdict",
    }
    parts = []
    for key, words in said.items():
        values = [value for value, o in outcomes if o == key]
        if values and len(values) == len(outcomes) > 1:  # one value tried is named below, not "every"
            return f"{words} at every {symbol} tried"
        if values:
            parts.append(f"{words} at {symbol} = {', '.join(value_text(v) for v in values)}")
    return "; ".join(parts)


def outcome(verdicts: list[Verdict], first: str, second: str) -> str:
    """One point's verdict between two models (display names) as ``first``, ``second``, ``even`` or ``open``."""
    for v in verdicts:
        if {v.first, v.second} != {first, second}:
            continue
        if v.interval is None:
            return "open"
        low, high = v.interval
        swapped = v.first != first
        if high < 1:
            return "second" if swapped else "first"
        if low > 1:
            return "first" if swapped else "second"
        return "even"
    return "open"


def _groups(info: SweepInfo) -> list[tuple[str, AxisInfo, list[PointInfo], Any]]:
    """Points along the first axis, once per value of the second (with its prefix, and that value)."""
    axis = info.axes[0]
    if len(info.axes) == 1:
        return [("", axis, info.finished, None)]
    other = info.axes[1]
    return [
        (
            f"With {other.symbol} = {value_text(v)}: ",
            axis,
            [p for p in info.finished if p.values.get(other.name) == v],
            v,
        )
        for v in other.values
    ]


def lesson_lines(info: SweepInfo, point: PointInfo | None = None) -> list[str]:
    """The lesson of a sweep folder as it stands: a sentence per curve (one per value of a second axis);
    with ``point``, only the sentence of the curve it is on."""
    if not info.axes:
        return []
    if not info.finished:
        return ["No point has finished yet: no lesson to draw."]
    marked = any(p.solved_below is not None for p in info.finished)
    lines = []
    for prefix, axis, points, value in _groups(info):
        if point is not None and len(info.axes) == 2 and point.values.get(info.axes[1].name) != value:
            continue  # another curve than the point's
        if not points:
            if point is not None:
                lines.append(f"{prefix}no point has finished yet: no lesson to draw.")
            continue
        if marked:
            clauses = [
                horizon(
                    LAYER_NAMES.get(model, model),
                    axis.symbol,
                    [Mark(p.values.get(axis.name), p.cells[model].solved, p.cells[model].of) for p in points],
                    task_phrase(info.task) if k == 0 else "",
                    numeric=axis.numeric,
                )
                for k, model in enumerate(m for m in info.models if all(m in p.cells for p in points))
            ]
            text = "; ".join(clauses)
        else:
            text = _compared(info, axis, points)
        if text:
            lines.append(prefix + text + ".")
    if len(info.finished) < len(info.points):
        lines.append(f"({len(info.finished)} of {len(info.points)} points finished: the lesson reads only those.)")
    return lines


def _compared(info: SweepInfo, axis: AxisInfo, points: list[PointInfo]) -> str:
    """Without a solved mark: where each pair of models differs, by the points' verdicts (or medians)."""
    names = [LAYER_NAMES.get(m, m) for m in info.models]
    if len(names) < 2:
        return ""
    first, second = names[-1], names[0]  # as the verdicts put them: the later-listed model first
    if info.seeds > 1:
        judged = [(p.values.get(axis.name), outcome(p.verdicts, first, second)) for p in points]
        return comparison(first, second, axis.symbol, judged)
    hints = []
    for p in points:
        a, b = p.cells[info.models[-1]].median, p.cells[info.models[0]].median
        hints.append((p.values.get(axis.name), "first" if a < b else "second" if b < a else "even"))
    if any(not math.isfinite(p.cells[m].median) for p in points for m in (info.models[0], info.models[-1])):
        hints = [(v, "open") for v, _ in hints]
    said = comparison(first, second, axis.symbol, hints)
    return f"{said} (one seed per point: a hint, not a verdict; --seeds 3 or more gives one)"


def point_note(info: SweepInfo, run_dir: Path) -> str:
    """What the Guide of a sweep's point says of its sweep (Markdown): which sweep, the point's values and the
    lesson of its curve; "" when ``run_dir`` is no point of ``info``."""
    point = next((p for p in info.points if p.path == run_dir), None)
    if point is None:
        return ""
    values = ", ".join(f"{axis.symbol} = {value_text(point.values.get(axis.name))}" for axis in info.axes)
    return (
        f"**Part of a sweep.** This run is point {point.index + 1} of {len(info.points)} of the sweep in "
        f"`{info.path}`, at {values}. The sweep's lesson: {' '.join(lesson_lines(info, point))}"
    )
