"""The closed-loop forecast: same values as the seed's predict() loop, aligned with the truth.

Keras is imported inside each test, not at collection: a pytest worker that runs no training never loads it.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers.core_backend import BACKEND

from engine.bench.notebook import notebook_forecast
from engine.config.config import Config
from engine.data.datasets import make_dataset


@pytest.mark.core
def test_forecast_equals_the_seeds_predict_loop() -> None:
    from engine.train.forecast import make_forecaster
    from engine.train.models import build_model

    config = Config(backend=BACKEND)
    dataset = make_dataset(config)
    model = build_model("lstm", config)
    ours = make_forecaster(model, dataset, config)()
    # The seed's own loop (one predict() per step) for the first 25 steps: enough to show the
    # feedback is wired identically, without paying 50 ms × 180 in the suite.
    seeds = notebook_forecast(model, dataset.targets[0, :, 0], config.window, 25)
    np.testing.assert_allclose(ours.predicted[:25], seeds, rtol=1e-5, atol=1e-6)
    assert ours.predicted.shape == (180,)


@pytest.mark.core
def test_forecast_is_aligned_with_the_truth_it_predicts() -> None:
    from engine.train.forecast import make_forecaster
    from engine.train.models import build_model

    config = Config(backend=BACKEND)
    forecast = make_forecaster(build_model("rnn", config), make_dataset(config), config)()
    # The forecast starts from y[1:21]; its first value predicts y[21], its last y[200].
    assert forecast.index[0] == 21 and forecast.index[-1] == 200 and len(forecast.index) == 180
    x = np.linspace(0, 5 * np.pi, 200)  # the seed's own grid and formula, extended by one step
    x = np.append(x, x[-1] + x[1])
    y = np.exp(-x / 5) * np.cos(x)
    np.testing.assert_allclose(forecast.x, x[21:201])
    np.testing.assert_allclose(forecast.truth, y[21:201], atol=1e-12)
    rmse = np.sqrt(np.mean((forecast.predicted - forecast.truth) ** 2))
    assert forecast.rmse == float(rmse) and forecast.rmse > 0


@pytest.mark.core
def test_a_model_file_saved_on_tensorflow_loads_and_predicts_the_same_here() -> None:

    # tests/data/lstm-tensorflow.keras: an LSTM (8 units, window 8) saved by TensorFlow's Keras, with
    # its predictions on two windows; on JAX (``tests/e2e/test_backends.py``) the same file must give them.
    import json
    from pathlib import Path

    import keras

    data = Path(__file__).resolve().parents[1] / "data"
    expected = json.loads((data / "lstm-tensorflow.json").read_text())
    model = keras.saving.load_model(data / "lstm-tensorflow.keras")
    predicted = model.predict(np.array(expected["inputs"], dtype=np.float32), verbose=0)[:, :, 0]
    np.testing.assert_allclose(predicted, expected["outputs"], rtol=1e-5, atol=1e-6)
