"""``--seeds N``: train N replicas of a model at once and report them as one model with a spread.

The training loop mirrors ``--trainer keras``'s (:func:`engine.train.trainer.train_fast`) — the same
callbacks, once per epoch — but each epoch trains every replica (:mod:`engine.train.replicas`) and the logs it hands
the callbacks carry each seed's figures next to their median. Previews run each seed's
weights through one compiled preview (a probe model), then merge into a median with a band.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import keras
import numpy as np

from engine.config.config import Config
from engine.data.datasets import Dataset
from engine.report.events import Forecast, ForecastReport, InsideReport, SampleReport
from engine.report.metrics import LossTrack
from engine.report.spread import band
from engine.report.stop import StopSignal
from engine.report.verdicts import model_summary, seed_metrics
from engine.train.forecast import Preview
from engine.train.models import build_for
from engine.train.replicas import ReplicaEpoch, Replicas, ReplicaWeights, make_replica_epoch
from engine.train.trainer import Outcome, run_epochs

LOSS_KEYS = ("loss", "val_loss")
"""A seed whose loss or val loss is not finite has diverged."""


def seed_values(config: Config) -> list[int]:
    """The seeds of a run: ``seed … seed+N−1``."""
    return [config.seed + k for k in range(config.seeds)]


def build_replicas(kind: str, config: Config, dataset: Dataset) -> ReplicaWeights:
    """One Keras model per seed, each initialised exactly as a run with that seed alone, stacked."""
    return ReplicaWeights([build_for(kind, config.replace(seed=seed), dataset) for seed in seed_values(config)])


def headline_logs(logs: dict[str, np.ndarray], diverged_at: list[int | None], epoch: int) -> dict[str, object]:
    """Mark seeds that diverged this epoch, blank every diverged seed, and add the medians.

    Returns the logs the callbacks see: ``loss`` etc. are the median over the seeds still
    running (NaN when none is: the model has diverged), ``seed_loss`` etc. each seed's value.
    """
    count = len(diverged_at)
    for k in range(count):
        if diverged_at[k] is None and not all(math.isfinite(float(logs[key][k])) for key in LOSS_KEYS):
            diverged_at[k] = epoch
    alive = np.array([at is None for at in diverged_at])
    result: dict[str, object] = {}
    for key, values in logs.items():
        values = np.where(alive, values.astype(float), math.nan)
        result[key] = band(values).median
        if count > 1:  # one seed is a plain run: no band
            result[f"seed_{key}"] = tuple(float(v) for v in values)
    return result


def train_seeds(
    name: str,
    weights: ReplicaWeights,
    dataset: Dataset,
    config: Config,
    callbacks: list[keras.callbacks.Callback],
    stop: StopSignal,
    epoch_function: ReplicaEpoch | None = None,
) -> Outcome:
    """Train every replica of ``name`` for ``config.epochs``; stop when asked or when all diverged.

    ``epoch_function``: the replicas' compiled epoch, made beforehand (a run makes every model's in turn,
    before their threads start: see :func:`engine.train.compiled.compile_function`); made here if not given.
    """
    epoch_function = epoch_function or make_replica_epoch(weights, dataset, config)
    # Each seed's own stream of permutations: the one a run with that seed alone would draw.
    rngs = [np.random.default_rng(seed) for seed in seed_values(config)]
    n = dataset.n_train

    def one_epoch(epoch: int) -> dict[str, object]:
        orders = np.stack([rng.permutation(n) if config.shuffle else np.arange(n) for rng in rngs])
        return headline_logs(epoch_function(orders), weights.diverged_at, epoch + 1)

    # The first seed's model is the one the callbacks see; stop_training is read from it.
    outcome = run_epochs(name, weights.models[0], config, callbacks, stop, one_epoch)
    return replace(outcome, diverged_at=tuple(weights.diverged_at))


def train_model(
    name: str,
    model: keras.Model,
    dataset: Dataset,
    config: Config,
    callbacks: list[keras.callbacks.Callback],
    stop: StopSignal,
) -> Outcome:
    """``--trainer fast`` for one Keras model: trained as a single replica, its weights copied back after."""
    weights = ReplicaWeights([model])
    try:
        return train_seeds(name, weights, dataset, config.replace(seeds=1), callbacks, stop)
    finally:
        weights.copy_back()


def seed_preview(weights: Replicas, probe: keras.Model, preview: Preview) -> Preview:
    """``preview`` of every seed still running (each one's weights copied into ``probe``), merged."""

    def run(epoch: int, final: bool) -> ForecastReport | SampleReport:
        if weights.count == 1:  # one seed: its own report, no band
            weights.copy_to(0, probe)
            return preview(epoch, final)
        reports = []
        for k in range(weights.count):
            weights.copy_to(k, probe)
            reports.append(None if weights.diverged_at[k] is not None else preview(epoch, final))
        return merge_reports(reports)

    return run


def seed_inside(
    weights: Replicas, probe: keras.Model, inside: Callable[[int, bool], InsideReport]
) -> Callable[[int, bool], InsideReport]:
    """A look inside the first seed (gates and gradients of one model; a median of gates would be no model)."""

    def run(epoch: int, final: bool) -> InsideReport:
        weights.copy_to(0, probe)
        return inside(epoch, final)

    return run


def merge_reports(reports: list[ForecastReport | SampleReport | None]) -> ForecastReport | SampleReport:
    """One report for all seeds: the median forecast with its min–max band, or the first seed's text."""
    present = [r for r in reports if r is not None]
    first = present[0]
    if isinstance(first, SampleReport):
        scores = tuple(r.grammatical if isinstance(r, SampleReport) else math.nan for r in reports)
        return replace(first, grammatical=band(scores).median, seed_grammatical=scores)
    forecasts = [r.forecast if isinstance(r, ForecastReport) else None for r in reports]
    return replace(first, forecast=merge_forecasts(forecasts))


def merge_forecasts(forecasts: list[Forecast | None]) -> Forecast:
    """Pointwise median and min–max of the seeds whose forecast is finite throughout."""
    template = next(f for f in forecasts if f is not None)
    seed_rmse = tuple(f.rmse if f is not None else math.nan for f in forecasts)
    usable = [f.predicted for f in forecasts if f is not None and np.isfinite(f.predicted).all()]
    if usable:
        stacked = np.stack(usable)
        median, low, high = np.median(stacked, axis=0), stacked.min(axis=0), stacked.max(axis=0)
    else:
        median = low = high = np.full_like(template.predicted, math.nan)
    rmse = band(seed_rmse).median
    return replace(template, predicted=median, rmse=rmse, low=low, high=high, seed_rmse=seed_rmse)


def seeds_summary(
    config: Config, tracks: list[LossTrack], params: int, outcome: Outcome, final: ForecastReport | SampleReport | None
) -> dict[str, object]:
    """A model's ``metrics.json`` entry for a run with several seeds: each seed's figures and their medians."""
    per_seed = []
    for k, seed in enumerate(seed_values(config)):
        extra: dict[str, float] = {}
        if isinstance(final, ForecastReport) and final.forecast.seed_rmse:
            extra["forecast_rmse"] = final.forecast.seed_rmse[k]
        if isinstance(final, SampleReport) and final.seed_grammatical:
            extra["grammatical"] = final.seed_grammatical[k]
        diverged_at = outcome.diverged_at[k] if outcome.diverged_at else None
        done, seconds = outcome.epochs_done, outcome.seconds
        per_seed.append(seed_metrics(seed, tracks[k], params, outcome.status, diverged_at, done, seconds, extra))
    return model_summary(per_seed, params, outcome.status, outcome.epochs_done, outcome.seconds)
