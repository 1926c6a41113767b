"""The seed's data: series, windows, and Keras's validation_split."""

from __future__ import annotations

import numpy as np
import pytest

from engine.config.config import DEFAULT, Config, ConfigError
from engine.data.datasets import make_dataset, oscillation


def test_windows_have_the_seed_shapes() -> None:
    dataset = make_dataset(DEFAULT)
    assert dataset.inputs.shape == (180, 20, 1)
    assert dataset.targets.shape == (180, 20, 1)


def test_windows_are_next_step_pairs_of_the_damped_oscillation() -> None:
    dataset = make_dataset(DEFAULT)
    x = np.linspace(0, 5 * np.pi, 200)
    y = np.exp(-x / 5) * np.cos(x)  # the seed's own formula
    np.testing.assert_allclose(dataset.y, y, atol=1e-12)
    for i in (0, 57, 179):
        np.testing.assert_allclose(dataset.inputs[i, :, 0], y[i : i + 20], atol=1e-7)
        np.testing.assert_allclose(dataset.targets[i, :, 0], y[i + 1 : i + 21], atol=1e-7)


def test_split_matches_keras_validation_split() -> None:
    dataset = make_dataset(DEFAULT)
    (x_train, _), (x_val, y_val) = dataset.train, dataset.val
    assert len(x_train) == 162 and len(x_val) == 18
    # Keras keeps the *last* windows for validation, before any shuffling.
    np.testing.assert_array_equal(x_val, dataset.inputs[162:])
    np.testing.assert_array_equal(y_val, dataset.targets[162:])


def test_oscillation_extends_past_the_grid() -> None:
    step = DEFAULT.x_max / (DEFAULT.points - 1)
    assert oscillation(DEFAULT, np.array([200]))[0] == pytest.approx(np.exp(-200 * step / 5) * np.cos(200 * step))


@pytest.mark.parametrize(
    ("changes", "field_name"),
    [
        ({"batch_size": 163}, "batch_size"),
        ({"batch_size": 0}, "batch_size"),
        ({"window": 199}, "window"),
        ({"validation_split": 0.6}, "validation_split"),
        ({"validation_split": 0.0}, "validation_split"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"tau": -1.0}, "tau"),
        ({"epochs": 0}, "epochs"),
        ({"units": 2.5}, "units"),
        ({"models": ()}, "models"),
        ({"models": ("rnn", "rnn")}, "models"),
        ({"models": ("transformer",)}, "models"),
        ({"trainer": "magic"}, "trainer"),
    ],
)
def test_validation_names_the_field_and_what_is_allowed(changes: dict, field_name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Config(**changes).validate()
    assert caught.value.field_name == field_name
    assert "allowed" in str(caught.value) and caught.value.allowed


def test_defaults_are_the_seeds_and_valid() -> None:
    DEFAULT.validate()
    assert (DEFAULT.points, DEFAULT.window, DEFAULT.units, DEFAULT.batch_size, DEFAULT.epochs) == (
        200,
        20,
        40,
        10,
        1000,
    )
    assert DEFAULT.learning_rate == 0.01 and DEFAULT.models == ("rnn", "lstm")
    assert Config.from_dict(DEFAULT.to_dict()) == DEFAULT


@pytest.mark.keras_in_process  # it asks Keras itself: on the worker that has it loaded already
@pytest.mark.parametrize(("points", "window", "split"), [(200, 20, 0.1), (201, 20, 0.1), (200, 20, 0.3), (30, 5, 0.1)])
def test_split_sizes_are_keras_own(points: int, window: int, split: float) -> None:
    from keras.src.trainers.data_adapters.array_slicing import train_validation_split

    config = Config(points=points, window=window, validation_split=split)
    dataset = make_dataset(config)
    (x_train,), (x_val,) = train_validation_split((dataset.inputs,), validation_split=split)
    assert (len(x_train), len(x_val)) == (config.n_train, config.n_val)
    np.testing.assert_array_equal(dataset.val[0], x_val)
