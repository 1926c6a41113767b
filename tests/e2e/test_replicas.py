"""The replica engine behind ``--seeds N`` on real Keras: a replica trains as the same seed alone, replicas of
one seed stay identical, and a seed that diverges is left out of the figures (moved from tests/engine/test_seeds.py:
they load Keras). ``test_backends.py`` runs the ``core`` ones on JAX too."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.config.config import Config

SMALL = Config(units=8, window=8, points=60, batch_size=8, epochs=3, models=("rnn", "lstm"), forecast_every=0)
"""Small enough to compile in about a second."""


def test_a_seed_that_diverges_is_marked_once_and_left_out_of_the_medians() -> None:
    from engine.train.seeds import headline_logs  # no training, but its module loads Keras

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


# The LSTM with SGD: ``test_fast_trainer_matches_fit_epoch_by_epoch`` holds the replica engine to
# ``model.fit`` itself; here the GRU cell and Adam with its clipping, per replica.
@pytest.mark.parametrize(("kind", "optimizer"), [("gru", "adam")])
def test_a_replica_matches_the_same_seed_trained_alone(kind: str, optimizer: str) -> None:
    from engine.data.datasets import make_dataset
    from engine.train.models import build_for
    from engine.train.replicas import make_replica_epoch
    from engine.train.seeds import build_replicas
    from engine.train.trainer import make_epoch_function

    # Graph mode on both sides: what is compared is the replicas' arithmetic, not XLA's (the fast trainer's
    # XLA epochs are held to fit in test_fast_trainer_matches_fit_epoch_by_epoch).
    config = SMALL.replace(seeds=3, seed=5, optimizer=optimizer, learning_rate=0.01, xla=False)
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

    config = SMALL.replace(xla=False)  # on TensorFlow; JAX (test_backends.py runs this there) always compiles with XLA
    dataset = make_dataset(config)
    twins = ReplicaWeights([build_for("lstm", config, dataset), build_for("lstm", config, dataset)])
    epoch = make_replica_epoch(twins, dataset, config)
    order = np.random.default_rng(0).permutation(dataset.n_train)
    logs = epoch(np.stack([order, order]))
    assert logs["loss"][0] == logs["loss"][1] and logs["val_loss"][0] == logs["val_loss"][1]
