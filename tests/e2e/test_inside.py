"""Inside the models: the gradient through time against an explicit GradientTape, the gates against Keras."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.config.config import Config
from engine.config.tasks import for_task
from engine.data.datasets import make_dataset
from engine.report.events import InsideReport
from engine.report.states import heatmap, state_lines

SMALL = {"units": 6, "points": 40, "window": 8, "batch_size": 8}


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_gates_and_states_match_the_layers_own_output(kind: str) -> None:
    from engine.train.inside import make_inside, recurrent_states
    from engine.train.models import build_for

    config = Config(**SMALL)  # type: ignore[arg-type]
    data = make_dataset(config)
    model = build_for(kind, config, data)
    layer = model.layers[0]
    window = data.val[0][:3]
    states = recurrent_states(layer, window)
    keras_hidden = np.asarray(layer(window))  # (3, steps, units): the layer's own hidden states
    np.testing.assert_allclose(states["hidden state"], keras_hidden, rtol=1e-4, atol=1e-6)
    expected = {
        "rnn": {"hidden state"},
        "lstm": {"input gate", "forget gate", "output gate", "cell state", "hidden state"},
        "gru": {"update gate", "reset gate", "hidden state"},
    }[kind]
    assert set(states) == expected
    report = make_inside(kind, model, data, config)(1, False)
    assert report.gradient.shape == (config.window,) and set(report.states) == expected


def test_the_gradient_through_time_equals_an_explicit_tape() -> None:
    import tensorflow as tf

    from engine.train.inside import make_inside
    from engine.train.models import build_for

    config = Config(**SMALL)  # type: ignore[arg-type]
    data = make_dataset(config)
    model = build_for("lstm", config, data)
    report = make_inside("lstm", model, data, config)(1, False)
    x, y = (tf.constant(a) for a in data.val)
    norms = []
    for i in range(len(data.val[0])):  # one window at a time, by hand
        inputs = x[i : i + 1]
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            loss = tf.reduce_sum(tf.square(model(inputs)[:, -1, :] - y[i : i + 1, -1, :]))
        norms.append(tf.norm(tape.gradient(loss, inputs)[0], axis=-1).numpy())
    by_lag = np.mean(norms, axis=0)[::-1]
    np.testing.assert_allclose(report.gradient, by_lag, rtol=1e-4)


def test_a_run_writes_gradients_and_states_and_can_skip_them(tmp_path: Path) -> None:
    from engine.experiment import run_experiment

    config = for_task(
        "adding", length=12, sequences=60, epochs=2, forecast_every=1, units=4, models=("rnn",), xla=False
    )
    run_experiment(config, tmp_path / "a", lambda event: None)
    rows = (tmp_path / "a" / "gradients.csv").read_text().splitlines()
    assert rows[0] == "model,epoch,lag,norm" and len(rows) == 1 + 3 * 12  # epochs 1, 2 and the final look
    assert "hidden_state" in np.load(tmp_path / "a" / "states-rnn.npz").files
    assert "gradient at lag 11" in (tmp_path / "a" / "observations.md").read_text()
    run_experiment(config.replace(inside=False), tmp_path / "b", lambda event: None)
    assert not (tmp_path / "b" / "gradients.csv").exists()


def test_what_the_tab_draws_of_a_report() -> None:
    cell = np.linspace(-1, 1, 2 * 5 * 3).reshape(2, 5, 3)
    gate = np.full((2, 5, 3), 0.25)
    report = InsideReport("lstm", 4, np.ones(5), {"forget gate": gate, "cell state": cell, "hidden state": cell})
    lines = state_lines(report, 1)
    assert set(lines) == {"forget gate", "cell state"}  # an LSTM's hidden state is left to its gates
    np.testing.assert_allclose(lines["forget gate"], 0.25)
    np.testing.assert_allclose(lines["cell state"], np.mean(np.abs(cell[1]), axis=-1))
    name, values = heatmap(report, 1, 2)
    assert name == "cell state" and values.shape == (2, 5) and values.max() == 1.0
