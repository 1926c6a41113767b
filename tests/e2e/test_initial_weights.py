"""Initial weights kept on disk (engine/train/initial.py): the weights and configuration drawn, and no draw."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from engine.config.config import Config
from engine.train import initial
from engine.train.models import build_classifier, build_model

pytestmark = [pytest.mark.keras_in_process, pytest.mark.core]  # core: run on JAX too (test_backends)


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "rnnlstm-tui" / "weights"


def same(a: keras.Model, b: keras.Model) -> bool:
    """The same weights to the last bit, and the same configuration (what a saved .keras file describes)."""
    weights = all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights(), strict=True))
    configs = [[{k: v for k, v in layer.get_config().items() if k != "name"} for layer in m.layers] for m in (a, b)]
    return weights and configs[0] == configs[1]


def draws(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The random initialisers Keras calls from now on (each appends its class name; compile's metrics use Zeros)."""
    called: list[str] = []
    for initializer in (keras.initializers.GlorotUniform, keras.initializers.Orthogonal):
        original = initializer.__call__

        def counting(self: object, *args: object, _original=original, **kwargs: object) -> object:  # type: ignore[no-untyped-def]
            called.append(type(self).__name__)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(initializer, "__call__", counting)
    return called


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_a_second_build_takes_the_kept_weights_and_draws_nothing(
    kind: str, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = Config(units=7, seed=3)
    for _ in range(2):  # both ways once (drawn, then kept), so neither pays the process's first-time costs below
        build_model(kind, config.replace(units=3))
    start = initial.name_counter()
    drawn = build_model(kind, config)
    middle = initial.name_counter()
    assert len(list(own_cache.glob("*.npz"))) == 2
    called = draws(monkeypatch)
    kept = build_model(kind, config)
    # TensorFlow's names move on as far either way: what a run traces next keeps its name, and its compile cache
    assert initial.name_counter() - middle == middle - start
    assert called == [] and same(drawn, kept)
    assert kept.layers[0].get_config()["kernel_initializer"]["class_name"] == "GlorotUniform"  # its own again
    other = build_model(kind, config.replace(seed=4))  # another seed: drawn, and kept beside the first
    assert called and not np.array_equal(other.get_weights()[0], kept.get_weights()[0])
    assert len(list(own_cache.glob("*.npz"))) == 3


def test_a_damaged_file_or_the_fit_trainer_draws_as_usual(own_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = Config(units=5)
    drawn = build_model("lstm", config)
    (path,) = own_cache.glob("*.npz")
    path.write_bytes(b"not an npz")
    again = build_model("lstm", config)
    assert same(drawn, again) and path.stat().st_size > 100  # drawn, and kept again
    called = draws(monkeypatch)
    fit = build_model("lstm", config.replace(trainer="fit"))  # fit shuffles with seeded ops the draws move on
    assert called and same(drawn, fit)


def test_the_text_model_keeps_its_weights_too(own_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = Config(task="text", units=6, window=5)
    drawn = build_classifier("gru", config, n_chars=11)
    called = draws(monkeypatch)
    assert same(drawn, build_classifier("gru", config, n_chars=11)) and called == []


def test_weights_of_another_dtype_are_drawn_again_and_plain_keras_keeps_nothing(own_cache: Path) -> None:
    config = Config(units=4, seed=2)
    drawn = build_model("gru", config)
    (path,) = own_cache.glob("*.npz")
    with np.load(path) as kept:
        widened = {name: kept[name].astype("float64") if name != "names" else kept[name] for name in kept.files}
    np.savez(path, **widened)  # as if written where Keras's float type was float64
    again = build_model("gru", config)
    assert same(drawn, again)
    with np.load(path) as kept:
        assert kept["w0"].dtype == np.float32  # drawn and kept again, in this float type
    build_model("gru", config.replace(seed=5), keep=False)  # the benchmark's notebook and peer: plain Keras
    assert len(list(own_cache.glob("*.npz"))) == 1


def test_min_models_keep_their_weights_too(own_cache: Path) -> None:
    config = Config(units=6)
    for kind in ("mingru", "minlstm"):
        assert same(build_model(kind, config), build_model(kind, config))
    assert len(list(own_cache.glob("*.npz"))) == 2
