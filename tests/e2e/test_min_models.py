"""minGRU and minLSTM (engine/train/minimal.py) on real Keras: the parallel scan against the plain loop (values
and gradients), a ``.keras`` round trip, a replica against the same seed alone, their parameter counts and
gates, and a whole run of the two with seeds. ``test_backends.py`` runs the ``core`` ones on JAX too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers.core_backend import BACKEND

from engine.config.choices import MIN_KINDS, MODEL_KINDS
from engine.config.config import Config
from engine.config.estimate import parameters
from engine.config.tasks import for_task
from engine.data.datasets import make_dataset

pytestmark = pytest.mark.keras_in_process

SMALL = Config(units=6, window=8, points=60, batch_size=8, epochs=2, forecast_every=0, xla=False)
"""Small enough to trace in about a second."""


@pytest.mark.core
@pytest.mark.parametrize("kind", MIN_KINDS)
def test_the_scan_gives_the_loops_states_and_gradients(kind: str) -> None:
    from keras import ops

    from engine.train.compiled import compile_function, value_and_grad
    from engine.train.minimal import MIN_LAYERS

    # 11 steps: the scan halves them to 5, 2 and 1 steps, odd and even lengths, so every branch of it runs.
    x = np.random.default_rng(1).normal(size=(3, 11, 2)).astype("float32")
    weights = np.random.default_rng(2).normal(size=(3, 11, 5)).astype("float32")
    results: list[tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]] = []
    for scan in (True, False):
        layer = MIN_LAYERS[kind](5, return_sequences=True, scan=scan)
        layer.build(x.shape)
        if results:  # the loop gets the scan's weights
            layer.set_weights(results[0][2])

        def loss(params: list[Any], inputs: Any, layer: Any = layer) -> tuple[Any, Any]:
            states = layer.stateless_call(params[:2], [], params[2])[0]
            return ops.sum(states * inputs), states

        params = [ops.convert_to_tensor(w) for w in (*layer.get_weights(), x)]
        (_, states), grads = compile_function(value_and_grad(loss), xla=False)(params, weights)
        results.append((ops.convert_to_numpy(states), [ops.convert_to_numpy(g) for g in grads], layer.get_weights()))
    (scan_states, scan_grads, _), (loop_states, loop_grads, _) = results
    # float32, the same arithmetic in another order: agreement to 1e-5 of the largest value (float32 carries 6e-8).
    np.testing.assert_allclose(scan_states, loop_states, rtol=1e-5, atol=1e-5 * np.abs(loop_states).max())
    for scan_grad, loop_grad in zip(scan_grads, loop_grads, strict=True):  # kernel, bias, inputs
        np.testing.assert_allclose(scan_grad, loop_grad, rtol=1e-5, atol=1e-5 * np.abs(loop_grad).max())
    assert np.abs(scan_grads[2][:, 0]).max() > 0  # the first step's input reaches the loss: the scan carries it


@pytest.mark.core
def test_a_model_saved_as_a_keras_file_loads_with_the_same_predictions(tmp_path: Path) -> None:
    import keras

    from engine.train.models import build_for

    data = make_dataset(SMALL)
    for kind in MIN_KINDS:
        model = build_for(kind, SMALL, data)
        model.save(tmp_path / f"{kind}.keras")
        loaded = keras.saving.load_model(tmp_path / f"{kind}.keras")
        assert type(loaded.layers[0]) is type(model.layers[0]) and loaded.layers[0].return_sequences
        np.testing.assert_array_equal(loaded.predict(data.val[0], verbose=0), model.predict(data.val[0], verbose=0))


def _text(optimizer: str) -> Config:
    return for_task("text", units=6, window=8, epochs=2, max_windows=200, batch_size=32, optimizer=optimizer, xla=False)


# The replicas against Keras's own ``fit`` of the layer (which scans), no shuffling: the same batches. Every step's
# loss (a series) with Adam and its clipping, by the replicas' scan — on JAX too; the last step's class (text) with
# SGD, by the replicas' choice for this machine (the loop on a CPU). Both paths share each kind's coefficients.
@pytest.mark.parametrize(
    ("kind", "config", "modes"),
    [
        pytest.param("mingru", SMALL.replace(optimizer="adam"), (True,), marks=pytest.mark.core),
        ("minlstm", _text("sgd"), (None,)),
    ],
)
def test_a_min_replica_matches_the_same_seed_trained_alone_by_fit(
    kind: str, config: Config, modes: tuple[bool | None, ...]
) -> None:
    from engine.train.models import build_for
    from engine.train.replicas import make_replica_epoch
    from engine.train.seeds import build_replicas

    config = config.replace(seeds=2, seed=5)
    dataset = make_dataset(config)
    alone = build_for(kind, config.replace(seeds=1, seed=6), dataset)  # the second replica's seed
    fit = alone.fit(
        *dataset.train, batch_size=config.batch_size, epochs=config.epochs, shuffle=False,
        validation_data=dataset.val, verbose=0,
    ).history  # fmt: skip
    order = np.arange(dataset.n_train)
    for scan in modes:
        epoch = make_replica_epoch(build_replicas(kind, config, dataset), dataset, config, scan=scan)
        logs = [epoch(np.stack([order, order])) for _ in range(config.epochs)]
        for e in range(config.epochs):
            assert logs[e]["loss"][1] == pytest.approx(fit["loss"][e], rel=1e-4)
            assert logs[e]["val_loss"][1] == pytest.approx(fit["val_loss"][e], rel=1e-4)
        assert logs[-1]["val_loss"][0] != logs[-1]["val_loss"][1]  # different seeds, different models


def test_parameter_counts_and_the_look_inside_follow_the_formulas() -> None:
    from engine.train.inside import recurrent_states
    from engine.train.models import build_model

    config = Config()  # 40 units on 1 input, the seed's Dense(1)
    counts = {kind: build_model(kind, config).count_params() for kind in ("lstm", *MIN_KINDS)}
    # minGRU: kernel 1×(2·40) + bias 2·40 = 160; minLSTM 3·40·(1+1) = 240; each + Dense 41. The LSTM: 6,761.
    assert counts == {"lstm": 6_761, "mingru": 201, "minlstm": 281}
    assert all(parameters(kind, 40, 1, 1) == count for kind, count in counts.items())
    window = make_dataset(SMALL).val[0][:3]
    for kind, gates in (("mingru", {"update gate"}), ("minlstm", {"forget gate", "input gate"})):
        layer = build_model(kind, SMALL).layers[0]
        states = recurrent_states(layer, window)
        assert set(states) == {*gates, "hidden state"}
        np.testing.assert_allclose(states["hidden state"], np.asarray(layer(window)), rtol=1e-4, atol=1e-6)
        if kind == "minlstm":  # f' and i' share the step between them
            np.testing.assert_allclose(states["forget gate"] + states["input gate"], 1.0, rtol=1e-12)


def test_the_min_models_train_a_whole_run_on_the_adding_task_with_seeds(tmp_path: Path) -> None:
    # The two of them, not all five: the others' code is unchanged and each model costs its traces (five took 8-11 s
    # here); ``--models rnn,lstm,gru,mingru,minlstm`` is one list of names to the command line.
    from engine.cli import parse_invocation
    from engine.experiment import run_experiment

    assert parse_invocation(["--models", ",".join(MODEL_KINDS)]).config.models == MODEL_KINDS
    config = for_task(
        "adding", epochs=1, units=6, length=12, sequences=60, models=MIN_KINDS, seeds=2,
        forecast_every=0, xla=False, backend=BACKEND,
    )  # fmt: skip
    run_experiment(config, tmp_path / "run", lambda event: None)
    models = json.loads((tmp_path / "run" / "metrics.json").read_text())["models"]
    assert list(models) == list(config.models)
    for kind, entry in models.items():
        assert entry["status"] == "finished" and np.isfinite(entry["final_val_loss"])
        assert entry["params"] == parameters(kind, 6, 2, 1)
        assert (tmp_path / "run" / f"{kind}-seed1.keras").exists()
    with np.load(tmp_path / "run" / "states-minlstm.npz") as states:  # the look inside ran on the minLSTM
        assert {"forget_gate", "input_gate", "hidden_state"} <= set(states.files)
