"""Training with the real Keras models: parity with fit, reproducibility, divergence, stopping."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from helpers.core_backend import BACKEND

from engine.config.config import Config
from engine.config.tasks import for_task
from engine.experiment import run_experiment
from engine.report.events import EpochReport, Event, ModelFinished, Status
from engine.report.stop import StopSignal
from engine.runs.folder import read_history


def _losses(run_dir: Path, model: str) -> np.ndarray:
    rows = [r for r in read_history(run_dir) if r["model"] == model]
    return np.array([[float(r["loss"]), float(r["val_loss"])] for r in rows])


def test_param_counts_match_the_seed() -> None:
    from engine.train.models import build_model, summary_text

    config = Config()
    counts = {kind: build_model(kind, config).count_params() for kind in ("rnn", "lstm", "gru")}
    assert counts["rnn"] == 1_721 and counts["lstm"] == 6_761
    assert counts["gru"] == 5_201  # 3 gates × (40·(1+40) + 2·40) + Dense 41 (reset_after GRU)
    text = summary_text(build_model("lstm", config))
    assert "6,761" in text and "LSTM" in text


@pytest.mark.core
def test_fast_trainer_matches_fit_epoch_by_epoch(tmp_path: Path) -> None:
    # Same seed → same initial weights; no shuffling → the same batches in the same order. The LSTM with SGD,
    # its epochs XLA-compiled as by default; one model, as each is trained alone by the same code (the GRU with
    # Adam: test_a_replica_matches_the_same_seed_trained_alone, and on JAX the next test).
    base = Config(epochs=4, shuffle=False, forecast_every=0, inside=False, backend=BACKEND, models=("lstm",))
    run_experiment(base, tmp_path / "fast", lambda event: None)
    run_experiment(dataclasses.replace(base, trainer="fit"), tmp_path / "fit", lambda event: None)
    fast, fit = _losses(tmp_path / "fast", "lstm"), _losses(tmp_path / "fit", "lstm")
    assert fast.shape == fit.shape == (4, 2)
    np.testing.assert_allclose(fast, fit, rtol=2e-4)
    assert fast[-1, 0] < fast[0, 0]  # and it is learning, not standing still


@pytest.mark.core
@pytest.mark.skipif(BACKEND == "tensorflow", reason="TensorFlow: test_a_replica_matches_the_same_seed_trained_alone")
def test_fast_trainer_matches_fit_with_gru_adam_and_text(tmp_path: Path) -> None:
    # The GRU cell, Adam with its clipping, and the text task's cross-entropy, held to fit itself.
    small = {"epochs": 2, "units": 8, "models": ("gru",), "optimizer": "adam", "learning_rate": 0.01}
    base = for_task("text", **small, shuffle=False, forecast_every=0, inside=False, backend=BACKEND)
    run_experiment(base, tmp_path / "fast", lambda event: None)
    run_experiment(dataclasses.replace(base, trainer="fit"), tmp_path / "fit", lambda event: None)
    fast, fit = _losses(tmp_path / "fast", "gru"), _losses(tmp_path / "fit", "gru")
    assert fast.shape == fit.shape == (2, 2)
    np.testing.assert_allclose(fast, fit, rtol=1e-4)


@pytest.mark.core
def test_same_seed_gives_the_same_losses_and_another_seed_does_not(tmp_path: Path) -> None:
    # Seeds 0 and 1 in each run (two runs, not three: each run pays its compile).
    config = Config(
        epochs=3, forecast_every=0, models=("lstm",), inside=False, units=8, window=8, points=60, backend=BACKEND,
        seeds=2, xla=False,
    )  # fmt: skip
    run_experiment(config, tmp_path / "a", lambda event: None)
    run_experiment(config, tmp_path / "b", lambda event: None)
    a, b = (_by_seed(tmp_path / run, "lstm") for run in "ab")
    assert sorted(a) == ["0", "1"] and a["0"].shape == (3, 2)
    for seed in a:
        np.testing.assert_array_equal(a[seed], b[seed])
    assert not np.array_equal(a["0"], a["1"])


def _by_seed(run_dir: Path, model: str) -> dict[str, np.ndarray]:
    rows = [r for r in read_history(run_dir) if r["model"] == model]
    seeds = {r["seed"] for r in rows}
    return {s: np.array([[float(r["loss"]), float(r["val_loss"])] for r in rows if r["seed"] == s]) for s in seeds}


@pytest.mark.core
def test_a_diverging_model_stops_while_the_other_trains_on(tmp_path: Path) -> None:
    events: list[Event] = []
    # At lr 0.5 the SimpleRNN blows up in its first epochs (the first on TensorFlow, the second with
    # JAX's initial weights); the LSTM survives.
    config = Config(epochs=6, learning_rate=0.5, forecast_every=0, inside=False, backend=BACKEND, xla=False)
    finished = run_experiment(config, tmp_path / "r", events.append)
    rnn, lstm = finished.metrics["rnn"], finished.metrics["lstm"]
    assert rnn["status"] == "diverged" and rnn["epochs_done"] <= 2
    assert lstm["status"] == "finished" and lstm["epochs_done"] == 6
    assert finished.status == "diverged"
    assert ModelFinished("rnn", "diverged", rnn["epochs_done"]) in events
    assert not np.isfinite(_losses(tmp_path / "r", "rnn")[-1]).all()  # the row that diverged is kept


@pytest.mark.core
def test_stop_request_takes_effect_after_the_current_epoch(tmp_path: Path) -> None:
    stop = StopSignal()
    reports: list[EpochReport] = []

    def sink(event: Event) -> None:
        if isinstance(event, EpochReport):
            reports.append(event)
            if event.epoch == 2:
                stop.request()

    config = Config(epochs=500, models=("rnn",), inside=False, backend=BACKEND, xla=False)
    finished = run_experiment(config, tmp_path / "r", sink, stop)
    assert finished.status == "stopped"
    assert finished.metrics["rnn"]["epochs_done"] == 2
    assert len(_losses(tmp_path / "r", "rnn")) == len(reports) == 2


@pytest.mark.parametrize("trainer", ["fast", "keras", "fit"])
def test_keras_callbacks_run_once_per_epoch_and_can_stop_training(trainer: str) -> None:
    import keras

    from engine.data.datasets import make_dataset
    from engine.train.models import build_model
    from engine.train.trainers import trainer_for

    config = Config(epochs=40, trainer=trainer, models=("rnn",), units=8, points=60, window=8, xla=False)
    # min_delta=1 means no epoch ever "improves", so patience 2 ends training after epoch 3.
    early = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, min_delta=1.0)
    seen: list[int] = []
    counter = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    outcome = trainer_for(trainer)(
        "rnn", build_model("rnn", config), make_dataset(config), config, [early, counter], StopSignal()
    )
    assert seen == [0, 1, 2]
    assert outcome.epochs_done == 3 and outcome.status == "stopped"


def test_fast_trainer_trains_with_the_loss_the_model_was_compiled_with() -> None:
    """Recompiled with MAE, the fast epoch reports what ``fit`` reports: the compiled loss, not MSE."""
    import keras

    from engine.data.datasets import make_dataset
    from engine.train.models import build_model
    from engine.train.trainer import make_epoch_function

    config = Config(shuffle=False, models=("rnn",), units=8, xla=False)
    dataset = make_dataset(config)

    def mae_model() -> keras.Model:
        model = build_model("rnn", config)
        model.compile(loss="mean_absolute_error", optimizer=keras.optimizers.SGD(learning_rate=0.01))
        return model

    logs = make_epoch_function(mae_model(), dataset, config)(np.arange(dataset.n_train))
    fast = (logs["loss"], logs["val_loss"])
    history = (
        mae_model()
        .fit(
            *dataset.train,
            validation_data=dataset.val,
            batch_size=config.batch_size,
            epochs=1,
            shuffle=False,
            verbose=0,
        )
        .history
    )
    np.testing.assert_allclose(fast, (history["loss"][0], history["val_loss"][0]), rtol=2e-4)


def test_a_second_run_in_the_process_says_it_builds_rather_than_loads(tmp_path: Path) -> None:
    from engine.report.events import Phase, Stage

    config = Config(epochs=1, forecast_every=0, models=("rnn",), units=4, points=30, window=5, inside=False, xla=False)
    run_experiment(config, tmp_path / "a", lambda event: None)  # TensorFlow is loaded now, whatever came before
    phases: list[Stage] = []
    run_experiment(
        config, tmp_path / "b", lambda event: phases.append(event.stage) if isinstance(event, Phase) else None
    )
    assert phases[0] == Stage.BUILDING and Stage.LOADING not in phases


def test_a_run_stopped_before_it_starts_builds_nothing(tmp_path: Path) -> None:
    stop = StopSignal()
    stop.request(Status.INTERRUPTED)  # a quit or restart that came while TensorFlow loaded
    events: list[Event] = []
    finished = run_experiment(Config(epochs=5), tmp_path / "r", events.append, stop)
    assert finished.status == "interrupted" and not finished.metrics
    assert not any(isinstance(e, EpochReport) for e in events)
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert metrics["status"] == "interrupted" and metrics["note"] == "stopped before training"
    assert metrics["device"].startswith("CPU")  # written when the run began, kept
    assert not list((tmp_path / "r").glob("*.keras"))


def test_the_preview_is_compiled_after_the_first_epoch_not_at_the_first_preview() -> None:
    from engine.train.callbacks import PreviewCallback

    calls: list[int] = []
    reported: list[object] = []
    callback = PreviewCallback(5, lambda epoch, final: calls.append(epoch) or epoch, reported.append)  # type: ignore[arg-type, func-returns-value]
    callback.set_params({"epochs": 10})
    for epoch in range(10):
        callback.on_epoch_end(epoch, {"loss": 1.0})
    assert calls == [1, 5, 10] and reported == [5, 10]  # the first call only warms it up: not reported
    calls.clear()
    callback.set_params({"epochs": 4})  # no live preview will come: nothing to warm up for
    for epoch in range(4):
        callback.on_epoch_end(epoch, {"loss": 1.0})
    assert calls == []
