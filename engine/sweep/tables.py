"""A sweep's tables: ``sweep.csv`` (a row per point, model and seed), the summary table and ``sweep.md``.

All are made from :func:`engine.sweep.reader.read_sweep`'s view of the folder, so they hold only points
whose run folders are complete, in grid order whatever order the points finished in: a resumed sweep
ends with the same rows as one that was never interrupted.
"""

from __future__ import annotations

import csv
import io
import math

from engine.config.choices import LAYER_NAMES
from engine.report.events import number
from engine.report.metrics import LOSS_FORMAT, aligned
from engine.sweep.grid import value_text
from engine.sweep.lesson import outcome, task_phrase
from engine.sweep.reader import PointInfo, SweepInfo

FIGURES = ("status", "epochs_done", "final_val_loss", "best_val_loss", "best_epoch", "solved_epoch")
"""The per-seed columns of ``sweep.csv`` after point, folder, the swept settings, model and seed."""


def last_column(task: str) -> str:
    """The last figure before the seconds: the text task's validation accuracy, else the forecast RMSE."""
    return "val_accuracy" if task == "text" else "forecast_rmse"


def _cell(value: object) -> str:
    """A figure exactly (``repr``), whole numbers as integers, and nothing where there is none."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    return "" if value is None else str(value)


def csv_text(info: SweepInfo) -> str:
    """``sweep.csv``: every finished point's rows, in grid order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    axes = [axis.name for axis in info.axes]
    writer.writerow(["point", "dir", *axes, "model", "seed", *FIGURES, last_column(info.task), "seconds"])
    for point in info.finished:
        for row in point.rows:
            figures = [row.status, row.epochs_done, row.final_val_loss, row.best_val_loss, row.best_epoch]
            writer.writerow(
                [
                    point.index + 1,
                    point.dir,
                    *(_cell(point.values.get(name)) for name in axes),
                    row.model,
                    _cell(row.seed),
                    *(_cell(v) for v in figures),
                    _cell(row.solved_epoch),
                    _cell(row.last),
                    _cell(row.seconds),
                ]
            )
    return buffer.getvalue()


def verdict_short(info: SweepInfo, point: PointInfo) -> str:
    """The point's verdict between the last-listed model and the first, in a few words."""
    if len(info.models) < 2 or point.status != "finished":
        return ""
    first, second = LAYER_NAMES.get(info.models[-1], info.models[-1]), LAYER_NAMES.get(info.models[0], info.models[0])
    said = outcome(point.verdicts, first, second)
    if said == "open":
        return "—" if info.seeds > 1 else "(1 seed)"
    return {"first": f"{first} lower", "second": f"{second} lower", "even": "no clear difference"}[said]


def summary_rows(info: SweepInfo) -> list[list[str]]:
    """The summary: a heading row, then per point its values, status, each model's median and solved count."""
    marked = any(p.solved_below is not None for p in info.finished)
    names = [LAYER_NAMES.get(m, m) for m in info.models]
    heading = ["point", *(axis.key for axis in info.axes), "status"]
    for name in names:
        heading += [f"{name} val loss", *(["solved"] if marked else [])]
    rows = [[*heading, "verdict", "seconds"]]
    for point in info.points:
        cells = [str(point.index + 1), *(value_text(point.values.get(a.name)) for a in info.axes)]
        cells.append(point.status if not point.error else f"{point.status}: {point.error}"[:60])
        for model in info.models:
            c = point.cells.get(model)
            cells.append(number(c.median, LOSS_FORMAT) if c else "")
            if marked:
                cells.append(f"{c.solved} of {c.of}" if c else "")
        cells += [verdict_short(info, point), number(point.seconds, "{:.1f}")]
        rows.append(cells)
    return rows


def summary_text(info: SweepInfo) -> str:
    """The summary as an aligned plain-text table (headless)."""
    return aligned(summary_rows(info))


def pack_note(info: SweepInfo) -> list[str]:
    """Which points trained together (a pack): their seconds are the pack's, not each one's."""
    if not info.packs:
        return []
    said = "; ".join(", ".join(str(i + 1) for i in pack) for pack in info.packs)
    return [
        f"Points {said} differ only in the learning rate and trained together, as replicas of one compiled call "
        "(a pack): the seconds of each are the whole pack's.",
    ]


def markdown(info: SweepInfo, lesson: list[str]) -> str:
    """``sweep.md``: what was swept, the summary table, each point's verdict and the lesson."""
    rows = summary_rows(info)
    what = " × ".join(f"{axis.label} ({axis.key})" for axis in info.axes)
    lines = [
        f"# Sweep of {what}: {task_phrase(info.task)}",
        "",
        f"Command: `rnnlstm-tui {' '.join(info.command)}`" if info.command else "",
        f"Status: {info.status}, {len(info.finished)} of {len(info.points)} points finished; "
        f"{info.seeds} seed{'s' if info.seeds > 1 else ''} × {len(info.models)} models per point. "
        "Each val loss is the final val loss, the median over the seeds.",
        "",
        "| " + " | ".join(rows[0]) + " |",
        "|" + "---|" * len(rows[0]),
        *("| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows[1:]),
    ]
    if info.packs:
        lines += ["", *pack_note(info)]
    verdicts = [(p, v.text) for p in info.finished for v in p.verdicts]
    if verdicts:
        labels = {
            p.index: ", ".join(f"{a.key}={value_text(p.values.get(a.name))}" for a in info.axes) for p, _ in verdicts
        }
        lines += ["", "## Verdicts", "", *(f"- {labels[p.index]}: {text}" for p, text in verdicts)]
    if lesson:
        lines += ["", "## Lesson", "", *lesson]
    return "\n".join(line for line in lines) + "\n"
