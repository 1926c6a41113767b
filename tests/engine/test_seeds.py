"""``--seeds N``: the figures over seeds (no TensorFlow) and the replica trainer against single runs (TensorFlow)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.config.config import Config
from engine.report.spread import band, summary, verdict
from engine.train.seeds import headline_logs

TINY = Config(units=8, window=8, points=60, batch_size=8, epochs=3, models=("rnn", "lstm"), forecast_every=0)
"""Small enough to compile in about a second."""


def test_the_band_leaves_out_diverged_seeds_and_counts_them() -> None:
    b = band([1.0, 3.0, math.nan, 2.0, math.inf])
    assert (b.median, b.low, b.high, b.n, b.of) == (2.0, 1.0, 3.0, 3, 5)
    assert math.isnan(band([math.nan, math.nan]).median)


def test_summary_gives_mean_sd_and_range_of_the_finite_values() -> None:
    s = summary([1.0, 2.0, 3.0, math.nan])
    assert s["mean"] == 2.0 and s["sd"] == pytest.approx(1.0) and (s["min"], s["max"], s["n"], s["of"]) == (1, 3, 3, 4)


def test_a_clear_win_is_called_with_its_counts_and_interval() -> None:
    lstm = [1e-5 * (1 + 0.1 * k) for k in range(8)]
    rnn = [1e-4 * (1 + 0.1 * k) for k in range(8)]
    said = verdict("LSTM", lstm, "SimpleRNN", rnn, "final val loss")
    assert (said.lower_in, said.pairs) == (8, 8)
    assert said.median_ratio == pytest.approx(0.1)
    assert said.interval is not None and said.interval[1] < 1
    assert said.conclusion.startswith("LSTM is lower")
    assert said.text.startswith("LSTM's final val loss is lower than SimpleRNN's in 8 of 8 seeds; median ratio 0.1")


def test_overlapping_seeds_get_no_clear_difference() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.lognormal(0, 1, 8), rng.lognormal(0, 1, 8)
    said = verdict("LSTM", a, "SimpleRNN", b, "final val loss")
    assert said.interval is not None and said.interval[0] < 1 < said.interval[1]
    assert said.conclusion.startswith("no clear difference")
    assert "no clear difference" in said.text and "is lower than SimpleRNN's in" in said.text


def test_too_few_seeds_get_no_interval_and_a_diverged_seed_is_not_paired() -> None:
    said = verdict("LSTM", [1.0, math.nan, 2.0], "SimpleRNN", [2.0, 3.0, 4.0], "final val loss")
    assert said.pairs == 2 and said.lower_in == 2
    assert said.interval is None and said.conclusion.startswith("too few seeds")
    assert "in 2 of 2 seeds where both finished (LSTM 2 of 3, SimpleRNN 3 of 3)" in said.text


def test_a_seed_that_diverges_is_marked_once_and_left_out_of_the_medians() -> None:
    diverged: list[int | None] = [None, None, None]
    logs = {"loss": np.array([1.0, np.nan, 3.0]), "val_loss": np.array([0.1, 0.2, 0.3])}
    headline = headline_logs(logs, diverged, epoch=4)
    assert diverged == [None, 4, None]
    assert headline["loss"] == 2.0 and headline["val_loss"] == pytest.approx(0.2)
    assert math.isnan(headline["seed_val_loss"][1])  # type: ignore[index]
    # Later epochs keep it out even if a number comes back, and keep its epoch.
    headline = headline_logs({"loss": np.array([1.0, 5.0, 3.0]), "val_loss": np.array([0.1, 9.0, 0.3])}, diverged, 5)
    assert diverged == [None, 4, None] and headline["val_loss"] == pytest.approx(0.2)
    headline = headline_logs({"loss": np.full(3, np.nan), "val_loss": np.full(3, np.nan)}, diverged, 6)
    assert math.isnan(headline["loss"])  # type: ignore[arg-type]  # all gone: the model has diverged


# SimpleRNN and LSTM with SGD: ``test_fast_trainer_matches_fit_epoch_by_epoch`` holds the replica
# engine to ``model.fit`` itself; here the GRU cell and Adam with its clipping, per replica.
@pytest.mark.parametrize(("kind", "optimizer"), [("gru", "adam")])
def test_a_replica_matches_the_same_seed_trained_alone(kind: str, optimizer: str) -> None:
    from engine.data.datasets import make_dataset
    from engine.train.models import build_for
    from engine.train.replicas import make_replica_epoch
    from engine.train.seeds import build_replicas
    from engine.train.trainer import make_epoch_function

    config = TINY.replace(seeds=3, seed=5, optimizer=optimizer, learning_rate=0.01)
    dataset = make_dataset(config)
    replicas = build_replicas(kind, config, dataset)
    epoch = make_replica_epoch(replicas, dataset, config)
    alone_config = config.replace(seeds=1, seed=7)  # the third replica's seed
    alone = make_epoch_function(build_for(kind, alone_config, dataset), dataset, alone_config)
    rngs = [np.random.default_rng(s) for s in (5, 6, 7)]
    alone_rng = np.random.default_rng(7)
    for _ in range(3):
        logs = epoch(np.stack([rng.permutation(dataset.n_train) for rng in rngs]))
        single = alone(alone_rng.permutation(dataset.n_train))
    assert logs["loss"][2] == pytest.approx(single["loss"], rel=1e-4)
    assert logs["val_loss"][2] == pytest.approx(single["val_loss"], rel=1e-4)
    assert len(set(logs["val_loss"].tolist())) == 3  # different seeds, different models


@pytest.mark.core
def test_replicas_with_the_same_seed_stay_identical() -> None:
    from engine.data.datasets import make_dataset
    from engine.train.models import build_for
    from engine.train.replicas import ReplicaWeights, make_replica_epoch

    dataset = make_dataset(TINY)
    twins = ReplicaWeights([build_for("lstm", TINY, dataset), build_for("lstm", TINY, dataset)])
    epoch = make_replica_epoch(twins, dataset, TINY)
    order = np.random.default_rng(0).permutation(dataset.n_train)
    logs = epoch(np.stack([order, order]))
    assert logs["loss"][0] == logs["loss"][1] and logs["val_loss"][0] == logs["val_loss"][1]
