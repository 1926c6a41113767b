"""A saved run, told again as the events the engine sent while it trained — without TensorFlow.

:func:`replay_run` has the engine's contract (config, run folder, sink, stop signal), so the TUI
shows a saved run through the same messages and widgets as a live one. A run that another
process is still writing is followed: new lines of ``history.csv`` are reported as they appear,
until ``metrics.json`` says the run has ended or the caller stops.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np

from engine.config.config import DEFAULT, Config
from engine.data.datasets import describe_text
from engine.report.events import (
    EpochReport,
    EventSink,
    Forecast,
    ForecastReport,
    ModelFinished,
    Phase,
    RunFinished,
    RunStarted,
    SampleReport,
    Stage,
    Status,
)
from engine.report.spread import band
from engine.report.stop import StopSignal
from engine.runs.reader import RunInfo, number, read_history, read_run

FOLLOW_SECONDS = 0.5
"""How often a run that is still being written is read again."""


def config_of(run: RunInfo, backend: str | None = None) -> Config:
    """The run's settings as a :class:`Config`, tolerating keys from other versions and moved data files.

    Not validated: the CSV or text file a run learned from may be gone; the view only needs
    the task, models, epochs and preview period. ``backend``: the one this process's Keras runs
    on, kept in place of the run's own, so that training these settings again (a restart in
    the app) runs here rather than asking for a backend this process cannot switch to.
    """
    known = {f.name for f in dataclasses.fields(Config)}
    values: dict[str, Any] = {k: v for k, v in run.config.items() if k in known}
    if backend is not None:
        values["backend"] = backend
    if isinstance(values.get("models"), list):
        values["models"] = tuple(values["models"])
    elif run.models:
        values["models"] = tuple(run.models)
    try:
        config = dataclasses.replace(DEFAULT, **values)
        if config.task not in {"damped", "sine", "csv", "adding", "text"} or not config.models:
            return dataclasses.replace(DEFAULT, models=tuple(run.models) or DEFAULT.models)
        return config
    except TypeError:
        return DEFAULT


def replay_run(config: Config, run_dir: Path, sink: EventSink, stop: StopSignal) -> RunFinished:
    """Report the saved run in ``run_dir`` to ``sink``; follow it while it is still being written."""
    sink(Phase(Stage.READING))
    run = read_run(run_dir)
    models = _models_of(run, config)
    sink(_started(run, models))
    sink(Phase(Stage.TRAINING))
    offset = 0
    pending: dict[tuple[str, int], list[dict[str, str]]] = {}
    """A run with several seeds writes one row per seed: an epoch is reported once all its seeds are in."""
    while True:
        # Read the history after the status: lines written just before a run ends are still reported.
        rows, offset = read_history(run_dir, offset)
        for row in rows:
            model, epoch = row["model"], number(row["epoch"])
            if model in models and math.isfinite(epoch):
                group = pending.setdefault((model, int(epoch)), [])
                group.append(row)
                if len(group) >= config.seeds:
                    sink(_report(pending.pop((model, int(epoch))), int(epoch), config.epochs))
        if run.status != Status.RUNNING or stop.wait(FOLLOW_SECONDS):
            break
        run = read_run(run_dir)
    for (_, epoch), group in sorted(pending.items(), key=lambda item: item[0][1]):  # a run cut short mid-epoch
        sink(_report(group, epoch, config.epochs))
    status = _status(run.status)
    for model in models:
        done = run.model_figure(model, "epochs_done")
        sink(
            ModelFinished(
                model,
                _status(str(run.metrics.get("models", {}).get(model, {}).get("status", status))),
                int(done) if math.isfinite(done) else 0,
            )
        )
    for report in _previews(run, models):
        sink(report)
    verdicts = tuple(str(v.get("text", "")) for v in run.metrics.get("verdicts") or [] if isinstance(v, dict))
    metrics = {m: v for m, v in run.metrics.get("models", {}).items() if m in models}
    finished = RunFinished(run_dir, status, metrics, verdicts=verdicts)
    sink(finished)
    return finished


def _models_of(run: RunInfo, config: Config) -> list[str]:
    return run.models or list(config.models)


def _status(text: str) -> Status:
    try:
        return Status(text)
    except ValueError:
        return Status.ERROR


def _started(run: RunInfo, models: list[str]) -> RunStarted:
    params = {m: int(p) for m in models if math.isfinite(p := run.model_figure(m, "params"))}
    baseline = run.metrics.get("baseline_val_loss")
    solved = run.metrics.get("solved_below")
    data = run.config.get("data")
    return RunStarted(
        run.path,
        f"saved run · {run.metrics.get('device', 'device unknown')}",
        read_summaries(run.path, models),
        params,
        float(baseline) if isinstance(baseline, (int, float)) else math.nan,
        float(solved) if isinstance(solved, (int, float)) else None,
        describe_text(data) if isinstance(data, dict) else "",
    )


def _report(rows: list[dict[str, str]], epoch: int, epochs: int) -> EpochReport:
    """One model's epoch from its history row, or from its rows, one per seed (then their medians, as live)."""

    def column(key: str) -> tuple[float, ...]:
        return tuple(number(row.get(key)) for row in rows)

    first = rows[0]
    if len(rows) == 1:
        loss, val_loss, seconds, accuracy, val_accuracy = (
            column(k)[0] for k in ("loss", "val_loss", "seconds", "accuracy", "val_accuracy")
        )
        return EpochReport(first["model"], epoch, epochs, loss, val_loss, seconds, accuracy, val_accuracy)
    classifier = "accuracy" in first
    seeds = {k: column(k) for k in ("loss", "val_loss", "accuracy", "val_accuracy")}
    return EpochReport(
        first["model"],
        epoch,
        epochs,
        band(seeds["loss"]).median,
        band(seeds["val_loss"]).median,
        max(column("seconds")),
        band(seeds["accuracy"]).median,
        band(seeds["val_accuracy"]).median,
        seed_loss=seeds["loss"],
        seed_val_loss=seeds["val_loss"],
        seed_accuracy=seeds["accuracy"] if classifier else (),
        seed_val_accuracy=seeds["val_accuracy"] if classifier else (),
    )


def read_summaries(run_dir: Path, models: list[str]) -> dict[str, str]:
    """Each model's Keras summary from ``summaries.txt`` (split at each ``Model: "name"`` line)."""
    try:
        text = (run_dir / "summaries.txt").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    parts: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith('Model: "') and (name := line.split('"')[1]) in models:
            current = name
            parts[current] = []
        if current is not None:
            parts[current].append(line)
    return {m: "\n".join(lines).rstrip() for m, lines in parts.items()}


def _previews(run: RunInfo, models: list[str]) -> list[ForecastReport | SampleReport]:
    """The final forecasts from ``forecast.csv`` (or the last text samples from ``samples.txt``)."""
    reports: list[ForecastReport | SampleReport] = []
    rows, _ = _csv_rows(run.path / "forecast.csv")
    for model in models:
        done = run.model_figure(model, "epochs_done")
        epoch = int(done) if math.isfinite(done) else 0
        if rows and any(r.get(model) for r in rows):  # an empty column: the model diverged, nothing to show

            def column(name: str) -> np.ndarray:
                return np.array([number(r.get(name)) for r in rows])

            seeds = run.metrics.get("models", {}).get(model, {}).get("seeds") or []
            banded = f"{model} min" in rows[0]  # several seeds: the median with its band
            forecast = Forecast(
                index=column("index"),
                x=column("x"),
                truth=column("truth"),
                predicted=column(model),
                rmse=run.model_figure(model, "forecast_rmse"),
                low=column(f"{model} min") if banded else None,
                high=column(f"{model} max") if banded else None,
                seed_rmse=tuple(number(str(s.get("forecast_rmse"))) for s in seeds),
            )
            reports.append(ForecastReport(model, epoch, forecast, final=True))
    return reports + _samples(run, models)


def _csv_rows(path: Path) -> tuple[list[dict[str, str]], str]:
    import csv

    try:
        with open(path, newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle)), ""
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        return [], type(error).__name__


def _samples(run: RunInfo, models: list[str]) -> list[SampleReport]:
    """The last sample of each model in ``samples.txt`` (entries ``=== model, epoch N (kind) ===``)."""
    try:
        text = (run.path / "samples.txt").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    latest: dict[str, SampleReport] = {}
    for entry in text.split("=== ")[1:]:
        head, _, body = entry.partition(" ===\n")
        model, _, rest = head.partition(", epoch ")
        epoch = number(rest.split(" ")[0])
        prompt, _, written = body.rstrip("\n").partition("|")
        if model in models and math.isfinite(epoch):
            grammatical = run.model_figure(model, "grammatical")
            latest[model] = SampleReport(model, int(epoch), prompt, written, grammatical, "(final)" in rest)
    return list(latest.values())
