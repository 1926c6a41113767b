"""A sweep folder read back, without TensorFlow: for the view, ``--open`` and the tables written at the end.

``sweep.json`` says which points exist and which finished; each point's figures come from its own run
folder's ``metrics.json`` (read with :func:`engine.runs.reader.read_run`), so a point counts only once both
say so. As with run folders, every file may be missing, cut short or garbage: each problem becomes a
short reason (``SweepInfo.problem``, ``PointInfo.error``), never an exception. The format is described in
engine/sweep/README.md.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from engine.config.config import SETTING
from engine.report.spread import Verdict, band, verdict
from engine.report.verdicts import VERDICT_FIGURE, display_name
from engine.runs.detached import alive, read_record
from engine.runs.reader import RunInfo, read_run

SWEEP_JSON = "sweep.json"
SWEEP_CSV = "sweep.csv"
SWEEP_MD = "sweep.md"
FORMAT = 1
"""``sweep.json``'s ``format``: raised when a reader of the old format would misread the new."""
DONE_RUNS = ("finished", "diverged", "stopped")
"""Run statuses whose ``metrics.json`` holds final figures: a point whose run ended so has finished."""


class PointStatus(StrEnum):
    """Where a point stands; the value is what ``sweep.json`` says."""

    PENDING = "pending"
    RUNNING = "running"
    FINISHED = "finished"
    """Its run folder is complete (a diverged model included: that is a result)."""
    FAILED = "failed"
    """Its run raised an error, or its worker died twice; ``error`` says which."""
    INTERRUPTED = "interrupted"
    """The sweep was stopped while it ran; ``--resume`` runs it again."""


@dataclass(frozen=True)
class AxisInfo:
    """One swept setting as ``sweep.json`` keeps it."""

    name: str
    """The ``Config`` field."""
    key: str
    """The name as typed (``lr``)."""
    symbol: str
    """How the lesson names it (``T``)."""
    values: list[Any]

    @property
    def numeric(self) -> bool:
        """Numbers (a curve; a log x when they span a decade or more), not choices."""
        return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.values)

    @property
    def label(self) -> str:
        """What the settings form calls it (``length T``)."""
        spec = SETTING.get(self.name)
        return spec.label if spec is not None else self.key


@dataclass(frozen=True)
class SeedRow:
    """One model and seed at one point: a row of ``sweep.csv``."""

    model: str
    seed: int | None
    status: str
    epochs_done: float
    final_val_loss: float
    best_val_loss: float
    best_epoch: float
    solved_epoch: float
    last: float
    """Forecast RMSE, or the validation accuracy for the text task."""
    seconds: float


@dataclass(frozen=True)
class ModelCell:
    """One model at one point: what the table, the chart and the lesson show."""

    model: str
    median: float
    """Median over the seeds of the final val loss (NaN where none is finite)."""
    low: float
    high: float
    solved: int
    """Seeds whose val loss reached the task's solved mark."""
    of: int
    finite: int


@dataclass
class PointInfo:
    """One point: what ``sweep.json`` says of it and, once finished, what its run folder says."""

    index: int
    values: dict[str, Any]
    dir: str
    status: str
    path: Path
    attempts: int = 0
    error: str = ""
    seconds: float = math.nan
    run: RunInfo | None = None
    rows: list[SeedRow] = field(default_factory=list)
    cells: dict[str, ModelCell] = field(default_factory=dict)
    verdicts: list[Verdict] = field(default_factory=list)
    """With several seeds: each pair of models compared as the run compared them (the later-listed first)."""
    baseline: float = math.nan
    solved_below: float | None = None


@dataclass
class SweepInfo:
    """A whole sweep folder."""

    path: Path
    status: str = "unknown"
    task: str = "damped"
    command: list[str] = field(default_factory=list)
    base: dict[str, Any] = field(default_factory=dict)
    axes: list[AxisInfo] = field(default_factory=list)
    points: list[PointInfo] = field(default_factory=list)
    packs: list[list[int]] = field(default_factory=list)
    """The points (indexes) that trained together as replicas of one compiled call, where more than one did."""
    gone: bool = False
    """A detached sweep (``--detach``) whose process died while ``sweep.json`` said running: read as interrupted."""
    problem: str = ""

    @property
    def models(self) -> list[str]:
        models = self.base.get("models", [])
        return [str(m) for m in models] if isinstance(models, list) else []

    @property
    def seeds(self) -> int:
        seeds = self.base.get("seeds", 1)
        return seeds if isinstance(seeds, int) else 1

    @property
    def finished(self) -> list[PointInfo]:
        """The points whose results count, in grid order."""
        return [p for p in self.points if p.status == PointStatus.FINISHED]


def is_sweep(path: Path) -> bool:
    """Whether ``path`` is a sweep folder (it holds ``sweep.json``)."""
    return (path / SWEEP_JSON).is_file()


def read_sweep(path: Path) -> SweepInfo:
    """The sweep folder at ``path`` as it stands now (a running sweep included)."""
    info = SweepInfo(path)
    try:
        data = json.loads((path / SWEEP_JSON).read_text(encoding="utf-8"))
    except FileNotFoundError:
        info.problem = f"not a sweep folder (no {SWEEP_JSON})"
        return info
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        info.problem = f"{SWEEP_JSON}: cannot be read ({type(error).__name__})"
        return info
    if not isinstance(data, dict) or not isinstance(data.get("points"), list):
        info.problem = f"{SWEEP_JSON}: not a sweep (no list of points)"
        return info
    if isinstance(data.get("format"), int) and data["format"] > FORMAT:
        info.problem = f"{SWEEP_JSON}: format {data['format']} is newer than this version reads ({FORMAT})"
    info.status = str(data.get("status", "unknown"))
    info.base = data["base"] if isinstance(data.get("base"), dict) else {}
    info.task = str(info.base.get("task", "damped"))
    info.command = [str(a) for a in data.get("command", [])] if isinstance(data.get("command"), list) else []
    axes = data.get("axes")
    info.axes = [_axis(a) for a in axes if isinstance(a, dict)] if isinstance(axes, list) else []
    info.points = [_point(path, p, info.task) for p in data["points"] if isinstance(p, dict)]
    packs = data.get("packs")
    if isinstance(packs, list):  # a hand-edited or damaged list is read as no packs, not as an error
        info.packs = [
            [int(i) for i in pack]
            for pack in packs
            if isinstance(pack, list) and len(pack) > 1 and all(isinstance(i, int) for i in pack)
        ]
    if info.status == "running" and (process := read_record(path)) is not None and alive(process) is False:
        # Killed (kill -9, a reboot) before it could say so: what it held was cut short, as by a stop, and resumes.
        info.gone, info.status = True, PointStatus.INTERRUPTED
        for point in info.points:
            if point.status == PointStatus.RUNNING:
                point.status = PointStatus.INTERRUPTED
    return info


def _axis(data: dict[str, Any]) -> AxisInfo:
    name = str(data.get("name", "?"))
    values = data.get("values")
    return AxisInfo(name, str(data.get("key", name)), str(data.get("symbol", name)), list(values or []))


def _point(root: Path, data: dict[str, Any], task: str) -> PointInfo:
    folder = str(data.get("dir", ""))
    values = data.get("values")
    point = PointInfo(
        index=int(data.get("index", 0)) if isinstance(data.get("index"), int) else 0,
        values=dict(values) if isinstance(values, dict) else {},
        dir=folder,
        status=str(data.get("status", PointStatus.PENDING)),
        path=root / folder,
        attempts=int(data["attempts"]) if isinstance(data.get("attempts"), int) else 0,
        error=str(data.get("error", "")),
        seconds=_num(data.get("seconds")),
    )
    if point.status == PointStatus.FINISHED and folder and "/" not in folder and folder not in (".", ".."):
        run = read_run(point.path)
        point.run = run
        if run.problem or run.status not in DONE_RUNS:
            # sweep.json says finished but the run folder does not: believe the smaller claim
            point.status = PointStatus.FAILED
            point.error = run.problem or f"its run folder says {run.status}"
            return point
        point.rows = point_rows(run, task)
        point.cells = {m: cell(m, [r for r in point.rows if r.model == m]) for m in run.models}
        point.verdicts = pair_verdicts(point.rows, run.models)
        point.baseline = _num(run.metrics.get("baseline_val_loss"))
        solved = run.metrics.get("solved_below")
        point.solved_below = float(solved) if isinstance(solved, (int, float)) else None
    return point


def point_rows(run: RunInfo, task: str) -> list[SeedRow]:
    """A row per model and seed from a finished run's ``metrics.json`` (one seed: the model's own figures)."""
    models = run.metrics.get("models")
    if not isinstance(models, dict):
        return []
    last = "final_val_accuracy" if task == "text" else "forecast_rmse"
    first_seed = run.config.get("seed") if isinstance(run.config.get("seed"), int) else None
    rows = []
    for model in run.models:
        entry = models.get(model)
        if not isinstance(entry, dict):
            continue
        seeds = entry.get("seeds")
        per_seed = [s for s in seeds if isinstance(s, dict)] if isinstance(seeds, list) and seeds else [entry]
        for figures in per_seed:
            seed = figures.get("seed", first_seed)
            rows.append(
                SeedRow(
                    model=model,
                    seed=seed if isinstance(seed, int) else None,
                    status=str(figures.get("status", entry.get("status", "unknown"))),
                    epochs_done=_num(figures.get("epochs_done")),
                    final_val_loss=_num(figures.get("final_val_loss")),
                    best_val_loss=_num(figures.get("best_val_loss")),
                    best_epoch=_num(figures.get("best_epoch")),
                    solved_epoch=_num(figures.get("solved_epoch")),
                    last=_num(figures.get(last)),
                    seconds=_num(figures.get("seconds")),
                )
            )
    return rows


def pair_verdicts(rows: list[SeedRow], models: list[str]) -> list[Verdict]:
    """The run's verdicts, worked out again from its seeds' figures (:func:`engine.report.spread.verdict`, as
    :func:`engine.report.verdicts.pair_verdicts` does): the same numbers give the same verdict, whatever
    ``metrics.json`` kept of its words."""
    values = {m: [r.final_val_loss for r in rows if r.model == m] for m in models}
    several = [m for m in models if len(values[m]) > 1]
    return [
        verdict(display_name(newer), values[newer], display_name(older), values[older], VERDICT_FIGURE[1])
        for i, older in enumerate(several)
        for newer in several[i + 1 :]
    ]


def cell(model: str, rows: list[SeedRow]) -> ModelCell:
    """One model's figures at one point, from its seeds' rows."""
    spread = band([r.final_val_loss for r in rows])
    solved = sum(1 for r in rows if math.isfinite(r.solved_epoch))
    return ModelCell(model, spread.median, spread.low, spread.high, solved, len(rows), spread.n)


def _num(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan
