"""Reading run folders back: one run's files, a listing of many, and what differs between them.

Nothing here imports TensorFlow: a saved run opens in a fraction of a second. Every file may
be missing, empty, truncated, garbage, from an older or newer version, or unreadable: each
problem becomes a short reason on the run, never an exception to the caller.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.config.config import SETTINGS
from engine.report.events import number as shown
from engine.runs.checked import check_config, check_data, check_metrics, summarised
from engine.runs.detached import gone_text
from engine.runs.safeio import NotRegular, open_regular
from engine.settings.declare import PATH_ECHO, shorten
from engine.settings.numbers import NOT_FINITE, NumberError, read_float

JSON_BYTES = 16 << 20
"""Largest ``config.json`` or ``metrics.json`` read: the engine writes a few kB (64 seeds of 3 models: ~200 kB)."""


@dataclass
class RunInfo:
    """What a listing shows of one run folder, read from ``config.json`` and ``metrics.json`` only."""

    path: Path
    config: dict[str, Any] = field(default_factory=dict)
    """The saved settings that fit their declarations (see :func:`engine.runs.checked.check_config`)."""
    metrics: dict[str, Any] = field(default_factory=dict)
    """``metrics.json`` in the shape the engine writes (see :func:`engine.runs.checked.check_metrics`)."""
    problem: str = ""
    """Why the folder cannot be read as a run, or what is wrong with it ("" when nothing is)."""
    refusal: str = ""
    """Why the run cannot be shown ("" when it can): its settings are missing, unreadable or do not fit."""
    bad: dict[str, str] = field(default_factory=dict)
    """Settings saved with a value that does not fit, and that value as the file holds it."""
    about: dict[str, Any] = field(default_factory=dict)
    """``config.json``'s ``data``: what a text or CSV run learned from (``{}`` for the others, or if damaged)."""
    sweep: str = ""
    """For a sweep folder listed beside the runs (:mod:`engine.sweep.listing`): what it varies and how far it
    got, e.g. ``length=10,25,50 · 4 of 5 points finished`` ("" for a run). It is not a run: ``refusal`` says
    how to open it, and :func:`compare_report` lists it apart."""

    gone: str = ""
    """``process gone at epoch N``: a detached run whose folder says ``running`` but whose process is no more
    (:mod:`engine.runs.detached`); it is then its status, everywhere a run is listed or shown ("" otherwise)."""

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def task(self) -> str:
        """The run's task; an older version wrote none and had only ``damped``; "—" if unknown or refused."""
        return str(self.config.get("task", "damped")) if self.config and "task" not in self.bad else "—"

    @property
    def models(self) -> list[str]:
        models = self.config.get("models") or list(self.metrics.get("models", {}))
        return [str(m) for m in models] if isinstance(models, list) else []

    @property
    def status(self) -> str:
        if self.gone:
            return self.gone
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
        with open_regular(path) as handle:
            if os.fstat(handle.fileno()).st_size > JSON_BYTES:  # read(n) would set n bytes aside first
                return {}, f"{path.name}: larger than {JSON_BYTES >> 20} MB, not one a run writes"
            text = handle.read().decode("utf-8")
    except FileNotFoundError:
        return {}, f"no {path.name}"
    except NotRegular as error:
        return {}, f"{error}, not one a run writes"
    except (OSError, UnicodeDecodeError) as error:
        return {}, f"{path.name}: cannot be read ({type(error).__name__})"
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}, f"{path.name}: not valid JSON (empty or cut short?)"
    except (ValueError, RecursionError):  # an integer of 5,000 digits, lists nested 100,000 deep
        return {}, f"{path.name}: not JSON a run writes"
    return (data, "") if isinstance(data, dict) else ({}, f"{path.name}: not a JSON object")


def read_run(path: Path) -> RunInfo:
    """What ``config.json`` and ``metrics.json`` of the folder at ``path`` say, and what is wrong with them.

    Every value is checked before it is kept (:mod:`engine.runs.checked`): a wrong one is named in
    ``problem`` and left out, and one in the settings is also the ``refusal`` to show the run.
    """
    if not path.is_dir():
        problem = "not a folder" if path.exists() else "no such folder"
        return RunInfo(path, problem=problem, refusal=problem)
    raw_config, config_problem = _read_json(path / "config.json")
    raw_metrics, metrics_problem = _read_json(path / "metrics.json")
    if config_problem == "no config.json" and not raw_metrics:
        problem = "not a run folder (no config.json)"
        return RunInfo(path, problem=problem, refusal=problem)
    config, bad, config_problems = check_config(raw_config)
    about, data_problems = check_data(raw_config.get("data"))
    metrics, metrics_problems = check_metrics(raw_metrics)
    config_problem = config_problem or summarised("config.json", config_problems)
    metrics_problem = metrics_problem or summarised("metrics.json", metrics_problems)
    about_problem = summarised("config.json", data_problems)  # a figure for the screen only: shown, not refused
    problem = "; ".join(p for p in (config_problem, about_problem, metrics_problem) if p)
    gone = gone_text(path, str(metrics.get("status", "")))
    return RunInfo(path, config, metrics, problem, config_problem, bad, about, gone=gone)


def list_runs(root: Path, read: Callable[[Path], RunInfo] = read_run) -> list[RunInfo]:
    """Every folder directly under ``root`` as ``read`` gives it (a run folder), newest first (by folder name:
    timestamps sort)."""
    try:
        folders = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:
        return []
    return [read(folder) for folder in sorted(folders, key=lambda p: p.name, reverse=True)]


def number(text: str | None) -> float:
    """A float from a CSV cell by the one rule for numbers (``1_000`` is no number here either); a diverged
    epoch's ``nan`` or ``inf`` as written; NaN for anything else (a damaged cell)."""
    if text is None:
        return math.nan
    try:
        return read_float(text)
    except NumberError as error:
        return float(text.strip()) if error.reason == NOT_FINITE else math.nan


# What differs between runs (``--compare``, the runs screen's diff). A setting a run did not record is
# shown as not recorded, never as today's default; one saved with a value its declaration refuses is
# shown as saved and flagged; two arguments naming one folder are said to be one run, compared once.
NOT_RECORDED = "(not recorded)"
"""A setting the run's ``config.json`` does not hold (an older version, or no readable file)."""
NOT_ALLOWED = "✗ not allowed"
"""After a value its setting's declaration refuses (the problems above the table say why)."""


def setting_text(run: RunInfo, name: str) -> str:
    """How a run's setting is shown: its value, the refused value as saved and flagged, or not recorded."""
    if name in run.bad:
        return f"{run.bad[name]} {NOT_ALLOWED}"
    if name not in run.config:
        return NOT_RECORDED
    value = run.config[name]
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def config_diff(runs: list[RunInfo]) -> dict[str, list[str]]:
    """The settings whose values differ between ``runs``, or that any of them saved with a refused value."""
    diff: dict[str, list[str]] = {}
    for spec in SETTINGS:
        texts = [setting_text(run, spec.name) for run in runs]
        if len(set(texts)) > 1 or any(spec.name in run.bad for run in runs):
            diff[spec.label] = texts
    return diff


def resolved(path: Path) -> Path:
    """``path`` with links and ``..`` resolved, to tell when two arguments name one folder."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return path.absolute()


def distinct(runs: list[RunInfo]) -> tuple[list[RunInfo], list[str]]:
    """``runs`` with each folder once, and a line for each argument that named a folder already given."""
    first: dict[Path, RunInfo] = {}
    notes = []
    for run in runs:
        where = resolved(run.path)
        if where in first:
            what, done = ("sweep", "listed") if run.sweep else ("run", "compared")  # a sweep is listed, not compared
            notes.append(f"{run.path} and {first[where].path} are the same {what} ({where}): {done} once.")
        else:
            first[where] = run
    return list(first.values()), notes


def cell(text: str) -> str:
    """``text`` fit for a Markdown table cell: one line, no column separator, not endless."""
    return shorten(text, PATH_ECHO).replace("|", "\\|")


def compare_report(runs: list[RunInfo]) -> str:
    """What differs between ``runs`` and how each model did, as Markdown tables; sweep folders among them
    (``sweep`` set) are listed apart, each on one line: they are not runs, and have no settings of one run."""
    sweeps, notes = distinct([run for run in runs if run.sweep])
    runs, more = distinct([run for run in runs if not run.sweep])
    names = [run.name for run in runs]
    labels = [cell(name if names.count(name) == 1 else str(run.path)) for name, run in zip(names, runs, strict=True)]
    lines = [f"Runs: {', '.join(str(run.path) for run in runs)}", *more, ""] if runs or not sweeps else []
    if sweeps:
        lines += ["Sweeps (not runs; `rnnlstm-tui DIR` opens one, `--headless --open DIR` prints its table):"]
        lines += [f"- {cell(sweep.name)}: sweep: {sweep.sweep}" for sweep in sweeps] + notes
        if not runs:
            return "\n".join(lines)
        lines.append("")
    problems = [f"- {label}: {run.problem}" for label, run in zip(labels, runs, strict=True) if run.problem]
    if problems:
        lines += ["Problems:", *problems, ""]
    diff = config_diff(runs)
    if len(runs) < 2 and not diff:
        lines.append("One run: nothing to compare its settings with.")
    elif diff:
        lines += ["| setting | " + " | ".join(labels) + " |", "|---" * (len(runs) + 1) + "|"]
        lines += [f"| {label} | " + " | ".join(cell(v) for v in values) + " |" for label, values in diff.items()]
    else:
        lines.append("The runs' settings are the same.")
    lines += [
        "",
        "| run | model | status | epochs | final val loss | best val loss (epoch) | forecast RMSE |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for label, run in zip(labels, runs, strict=True):
        for model in run.models:
            best = run.model_figure(model, "best_val_loss")
            epoch = run.model_figure(model, "best_epoch")
            status = run.metrics.get("models", {}).get(model, {}).get("status", run.status)
            done = run.model_figure(model, "epochs_done")
            lines.append(
                f"| {label} | {model} | {cell(str(status))} | {shown(done, '{:.0f}')} | "
                f"{shown(run.model_figure(model, 'final_val_loss'), '{:.3e}')} | "
                f"{shown(best, '{:.3e}')} ({shown(epoch, '{:.0f}')}) | "
                f"{shown(run.model_figure(model, 'forecast_rmse'), '{:.4f}')} |"
            )
    return "\n".join(lines)
