"""Reading run folders back: one run's files, a listing of many, and what differs between them.

Nothing here imports TensorFlow: a saved run opens in a fraction of a second. Every file may
be missing, empty, truncated, garbage, from an older or newer version, or unreadable: each
problem becomes a short reason on the run, never an exception to the caller.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.config.config import DEFAULT, SETTINGS
from engine.report.events import number as shown
from engine.report.spread import band
from engine.settings.numbers import NOT_FINITE, NumberError, read_float


@dataclass
class RunInfo:
    """What a listing shows of one run folder, read from ``config.json`` and ``metrics.json`` only."""

    path: Path
    config: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    problem: str = ""
    """Why the folder cannot be read as a run, or what is wrong with it ("" when nothing is)."""

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def task(self) -> str:
        return str(self.config.get("task", "damped")) if self.config else "—"

    @property
    def models(self) -> list[str]:
        models = self.config.get("models") or list(self.metrics.get("models", {}))
        return [str(m) for m in models] if isinstance(models, list) else []

    @property
    def status(self) -> str:
        return str(self.metrics.get("status", "unknown")) if self.metrics else "unknown"

    @property
    def epochs_total(self) -> int | None:
        value = self.config.get("epochs")
        return value if isinstance(value, int) else None

    def model_figure(self, model: str, key: str) -> float:
        """A number from ``metrics.json`` for ``model`` (NaN where it is missing or not a number)."""
        value = _models(self.metrics).get(model, {}).get(key)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan

    @property
    def epochs_done(self) -> int | None:
        done = [self.model_figure(m, "epochs_done") for m in self.models]
        finite = [int(d) for d in done if math.isfinite(d)]
        return max(finite) if finite else None


def _models(metrics: dict[str, Any]) -> dict[str, dict[str, Any]]:
    models = metrics.get("models")
    return {k: v for k, v in models.items() if isinstance(v, dict)} if isinstance(models, dict) else {}


def _read_json(path: Path) -> tuple[dict[str, Any], str]:
    """A JSON object from ``path``, or ``{}`` and why not."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, f"no {path.name}"
    except (OSError, UnicodeDecodeError) as error:
        return {}, f"{path.name}: cannot be read ({type(error).__name__})"
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}, f"{path.name}: not valid JSON (empty or cut short?)"
    return (data, "") if isinstance(data, dict) else ({}, f"{path.name}: not a JSON object")


def read_run(path: Path) -> RunInfo:
    """What ``config.json`` and ``metrics.json`` of the folder at ``path`` say, and what is wrong with them."""
    if not path.is_dir():
        return RunInfo(path, problem="not a folder" if path.exists() else "no such folder")
    config, config_problem = _read_json(path / "config.json")
    metrics, metrics_problem = _read_json(path / "metrics.json")
    if config_problem == "no config.json" and not metrics:
        return RunInfo(path, problem="not a run folder (no config.json)")
    return RunInfo(path, config, metrics, "; ".join(p for p in (config_problem, metrics_problem) if p))


def list_runs(root: Path) -> list[RunInfo]:
    """Every run folder directly under ``root``, newest first (by folder name: timestamps sort)."""
    try:
        folders = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:
        return []
    return [read_run(folder) for folder in sorted(folders, key=lambda p: p.name, reverse=True)]


@dataclass
class Curves:
    """One model's losses from ``history.csv``."""

    epochs: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)


def read_history(path: Path, start: int = 0) -> tuple[list[dict[str, str]], int]:
    """The whole rows of ``history.csv`` from byte ``start`` on, and where the next read should start.

    A last line without its newline is being written right now (or was cut off): it is left
    for the next read, so a run that is still training can be followed as its file grows.
    """
    try:
        with open(path / "history.csv", "rb") as handle:
            header = handle.readline()
            handle.seek(max(start, len(header)))
            data = handle.read()
    except OSError:
        return [], start
    whole = data[: data.rfind(b"\n") + 1]
    text = header.decode("utf-8", "replace") + whole.decode("utf-8", "replace")
    rows = [row for row in csv.DictReader(io.StringIO(text)) if row.get("model") and row.get("epoch")]
    return rows, max(start, len(header)) + len(whole)


def number(text: str | None) -> float:
    """A float from a CSV cell by the one rule for numbers (``1_000`` is no number here either); a diverged
    epoch's ``nan`` or ``inf`` as written; NaN for anything else (a damaged cell)."""
    if text is None:
        return math.nan
    try:
        return read_float(text)
    except NumberError as error:
        return float(text.strip()) if error.reason == NOT_FINITE else math.nan


def val_curves(path: Path) -> dict[str, Curves]:
    """Every model's curves in the run at ``path`` (empty where ``history.csv`` is missing or unreadable).

    A run with several seeds has a row per seed and epoch: its curve is the median over the seeds.
    """
    by_epoch: dict[str, dict[int, list[tuple[float, float]]]] = {}
    for row in read_history(path)[0]:
        epoch = number(row["epoch"])
        if math.isfinite(epoch):
            seeds = by_epoch.setdefault(row["model"], {}).setdefault(int(epoch), [])
            seeds.append((number(row.get("loss")), number(row.get("val_loss"))))
    curves: dict[str, Curves] = {}
    for model, epochs in by_epoch.items():
        curve = curves[model] = Curves()
        for epoch, values in epochs.items():
            curve.epochs.append(epoch)
            curve.loss.append(values[0][0] if len(values) == 1 else band([v[0] for v in values]).median)
            curve.val_loss.append(values[0][1] if len(values) == 1 else band([v[1] for v in values]).median)
    return curves


def config_diff(runs: list[RunInfo]) -> dict[str, list[str]]:
    """The settings whose values differ between ``runs`` (a missing one counts as its default)."""
    diff: dict[str, list[str]] = {}
    for spec in SETTINGS:
        shown = []
        for run in runs:
            value = run.config.get(spec.name, getattr(DEFAULT, spec.name))
            shown.append(",".join(map(str, value)) if isinstance(value, list) else str(value))
        if len(set(shown)) > 1:
            diff[spec.label] = shown
    return diff


def compare_report(runs: list[RunInfo]) -> str:
    """What differs between ``runs`` and how each model did, as Markdown tables."""
    lines = [f"Runs: {', '.join(str(run.path) for run in runs)}", ""]
    problems = [f"- {run.name}: {run.problem}" for run in runs if run.problem]
    if problems:
        lines += ["Problems:", *problems, ""]
    diff = config_diff(runs)
    if diff:
        lines += ["| setting | " + " | ".join(run.name for run in runs) + " |", "|---" * (len(runs) + 1) + "|"]
        lines += [f"| {label} | " + " | ".join(values) + " |" for label, values in diff.items()]
    else:
        lines.append("The runs' settings are the same.")
    lines += [
        "",
        "| run | model | status | epochs | final val loss | best val loss (epoch) | forecast RMSE |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for run in runs:
        for model in run.models:
            best = run.model_figure(model, "best_val_loss")
            epoch = run.model_figure(model, "best_epoch")
            status = _models(run.metrics).get(model, {}).get("status", run.status)
            done = run.model_figure(model, "epochs_done")
            lines.append(
                f"| {run.name} | {model} | {status} | {shown(done, '{:.0f}')} | "
                f"{shown(run.model_figure(model, 'final_val_loss'), '{:.3e}')} | "
                f"{shown(best, '{:.3e}')} ({shown(epoch, '{:.0f}')}) | "
                f"{shown(run.model_figure(model, 'forecast_rmse'), '{:.4f}')} |"
            )
    return "\n".join(lines)
