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

from engine.config.config import DEFAULT, SETTING, Config, ConfigError, phrase
from engine.data.datasets import describe_text, make_dataset
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
from engine.runs.history import epoch_of, read_history
from engine.runs.previews import read_forecast, read_samples, read_summaries
from engine.runs.reader import RunInfo, number, read_run

FOLLOW_SECONDS = 0.5
"""How often a run that is still being written is read again."""


def config_of(run: RunInfo, backend: str | None = None) -> Config:
    """The run's settings as a :class:`Config`: the saved values that fit their declarations, the
    defaults for settings an older version did not write.

    Not validated as a whole: the CSV or text file a run learned from may be gone; the view only
    needs the task, models, epochs and preview period. Open a run only if ``run.refusal`` is empty
    (then every saved value was checked by its declaration when read). ``backend``: the one this
    process's Keras runs on, kept in place of the run's own, so that training these settings again
    (a restart in the app) runs here rather than asking for a backend this process cannot switch to.
    """
    values: dict[str, Any] = dict(run.config)
    if backend is not None:
        values["backend"] = backend
    if isinstance(values.get("models"), list):
        values["models"] = tuple(values["models"])
    elif run.models:
        values["models"] = tuple(run.models)
    return dataclasses.replace(DEFAULT, **values)


def opened(run: RunInfo, backend: str | None = None) -> tuple[Config | None, str]:
    """The config to show ``run`` with (see :func:`config_of`), or ``None`` and why it cannot be shown: its
    settings do not read back as saved, or the data it learned from (a CSV, a text) is gone; the screen
    draws the truth from it. Reading the data here, before anything changes, is what keeps a run that
    cannot be shown from stopping the one on screen."""
    if run.refusal:
        return None, run.refusal
    config = config_of(run, backend)
    try:
        make_dataset(config)
    except ConfigError as error:
        return None, phrase(error, SETTING[error.field_name].label)
    return config, ""


def replay_run(config: Config, run_dir: Path, sink: EventSink, stop: StopSignal) -> RunFinished:
    """Report the saved run in ``run_dir`` to ``sink``; follow it while it is still being written.

    The phase stays "reading the run folder" while the history is read; only a run that another
    process is still training, once caught up with, is reported as training. ``history.csv`` is
    read a chunk at a time, and each model's epoch is reported once, from 1 to ``config.epochs``:
    memory stays bounded by the run's settings, not by the file's size.
    """
    sink(Phase(Stage.READING))
    run = read_run(run_dir)
    models = _models_of(run, config)
    sink(_started(run, models))
    offset, following = 0, False
    told = {model: bytearray(config.epochs + 1) for model in models}
    """Epochs already reported, per model: a row repeated (damage) is not told twice."""
    pending: dict[tuple[str, int], list[dict[str, str]]] = {}
    """A run with several seeds writes one row per seed: an epoch is reported once all its seeds are in."""
    while True:
        # Read the history after the status: lines written just before a run ends are still reported.
        rows, end = read_history(run_dir, offset)
        moved, offset = end != offset, end
        for row in rows:
            model, epoch = row["model"], epoch_of(row["epoch"], config.epochs)
            if model in told and epoch is not None and not told[model][epoch]:
                group = pending.setdefault((model, epoch), [])
                group.append(row)
                if len(group) >= config.seeds:
                    told[model][epoch] = 1
                    sink(_report(pending.pop((model, epoch)), epoch, config.epochs))
        if moved:  # more may be there already: read on before waiting
            if stop.is_set():
                break
            continue
        if run.status != Status.RUNNING:
            break
        if not following:  # caught up with a run another process is training: from here on it is live
            sink(Phase(Stage.TRAINING))
            following = True
        if stop.wait(FOLLOW_SECONDS):
            break
        run = read_run(run_dir)
    for (_, epoch), group in sorted(pending.items(), key=lambda item: item[0][1]):  # a run cut short mid-epoch
        sink(_report(group, epoch, config.epochs))
    # A detached run whose process died says "running" for ever: it ended there, cut short (the app says how).
    status = Status.INTERRUPTED if run.gone else _status(run.status)
    entries = run.metrics.get("models", {})
    for model in models:
        done = run.model_figure(model, "epochs_done")
        own = entries.get(model, {}).get("status", "unknown")  # a model whose own status is unknown: the run's
        own_status = status if own == "unknown" else _status(own)
        reached = max(told[model].rfind(1), 0)  # no figures (a run cut short): the last epoch its history holds
        sink(ModelFinished(model, own_status, int(done) if math.isfinite(done) else reached))
    for report in _previews(run, models):
        sink(report)
    verdicts = tuple(str(v["text"]) for v in run.metrics.get("verdicts", []))
    metrics = {m: v for m, v in entries.items() if m in models}
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
    return RunStarted(
        run.path,
        f"saved run · {run.metrics.get('device', 'device unknown')}",
        read_summaries(run.path, models),
        params,
        baseline if isinstance(baseline, float) else math.nan,
        solved if isinstance(solved, float) else None,
        describe_text(run.about) if run.about else "",
    )


def _report(rows: list[dict[str, str]], epoch: int, epochs: int) -> EpochReport:
    """One model's epoch from its history row, or from its rows, one per seed (then their medians, as live)."""

    def column(key: str) -> tuple[float, ...]:
        return tuple(number(row.get(key)) for row in rows)

    first = rows[0]
    if len(rows) == 1:  # a run of a million epochs has a million of these: straight to the figures
        loss, val_loss, seconds, accuracy, val_accuracy = (
            number(first.get(k)) for k in ("loss", "val_loss", "seconds", "accuracy", "val_accuracy")
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


def _previews(run: RunInfo, models: list[str]) -> list[ForecastReport | SampleReport]:
    """The final forecasts from ``forecast.csv`` (or the last text samples from ``samples.txt``)."""
    reports: list[ForecastReport | SampleReport] = []
    columns = read_forecast(run.path / "forecast.csv")
    entries = run.metrics.get("models", {})
    for model in models:
        done = run.model_figure(model, "epochs_done")
        epoch = int(done) if math.isfinite(done) else 0
        empty = np.zeros(0)
        if all(k in columns for k in ("index", "x", "truth", model)) and np.isfinite(columns[model]).any():
            banded = f"{model} min" in columns and f"{model} max" in columns  # several seeds: a median and its band
            forecast = Forecast(
                index=columns["index"],
                x=columns["x"],
                truth=columns["truth"],
                predicted=columns[model],
                rmse=run.model_figure(model, "forecast_rmse"),
                low=columns.get(f"{model} min", empty) if banded else None,
                high=columns.get(f"{model} max", empty) if banded else None,
                seed_rmse=tuple(float(s["forecast_rmse"]) for s in entries.get(model, {}).get("seeds", [])),
            )
            reports.append(ForecastReport(model, epoch, forecast, final=True))
        # An empty column: the model diverged, nothing to show.
    for model, (epoch, prompt, written, final) in read_samples(run.path, models).items():
        grammatical = run.model_figure(model, "grammatical")
        reports.append(SampleReport(model, epoch, prompt, written, grammatical, final))
    return reports
