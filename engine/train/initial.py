"""A model's initial weights kept on disk, so that building it again with the same code and settings draws nothing.

Keras draws a model's initial weights (seeded, so always the same ones) with the backend's random ops. On JAX
each initialiser and shape is a program lowered anew in every process, a lowering its compile cache cannot
skip: 33 of them, 0.4-0.6 s, for the default two models on 2 cores, most of a JAX run's time to its first
epoch after the imports. The weights are kept after the first build, keyed by everything that decides them:
the build's arguments (seed included), the Keras and backend versions, and this room's model code. A later
build makes its variables from zeros without a draw, then takes the kept weights; its configuration (what a
saved ``.keras`` file holds) is the usual one, the initialisers included. A file that is missing, damaged or
of other shapes only means the weights are drawn as usual.

``--trainer fit``, the reference that runs as plain Keras does, always draws; so do the benchmark's notebook and peer.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keras
import numpy as np

from engine.train import runtime

MOST_NAMES = 100_000
"""A kept count of names above this is no count a build could use up (a damaged file): the weights are drawn."""
CACHE_MB = 32.0
"""The most the folder keeps (a model's weights are 10-500 kB); the oldest go first."""
INITIALISED = ("kernel_initializer", "recurrent_initializer", "bias_initializer")
"""The attributes through which Keras's recurrent cells and Dense layers draw their weights."""
SOURCES = ("models.py", "minimal.py", "initial.py")
"""The files whose code decides a model's initial weights: a change to either is a new key."""


def cache_dir() -> Path:
    """Where the kept weights are: the user's cache (``$XDG_CACHE_HOME/rnnlstm-tui/weights``)."""
    return runtime.user_cache() / "weights"


def key(arguments: dict[str, Any]) -> str:
    """The file name for a build with ``arguments``: a digest of them, the versions and the model code."""
    versions = {"keras": keras.__version__, "backend": keras.backend.backend(), "of": backend_version()}
    # The float type and the device draw other numbers (a float64 draw is another stream; QR on a GPU, other bits).
    versions |= {"floatx": keras.config.floatx(), "policy": keras.config.dtype_policy().name, "device": device()}
    text = json.dumps({**arguments, **versions}, sort_keys=True, default=str).encode()
    return hashlib.sha256(text + model_code()).hexdigest()[:32]


@functools.cache
def model_code() -> bytes:
    """The text of :data:`SOURCES`, read once a process (a run with seeds builds a model per seed)."""
    here = Path(__file__).parent
    return b"".join((here / name).read_bytes() for name in SOURCES)


def device() -> str:
    """The kind of device Keras draws on here: ``cpu`` or ``gpu`` (JAX's platform name on JAX)."""
    if keras.backend.backend() == "jax":
        import jax

        return str(jax.devices()[0].platform)
    import tensorflow as tf

    return "gpu" if tf.config.list_logical_devices("GPU") else "cpu"


def backend_version() -> str:
    """The version of the backend Keras runs on (its random ops draw the weights)."""
    if keras.backend.backend() == "jax":
        import jax

        return str(jax.__version__)
    import tensorflow as tf

    return str(tf.__version__)


def build(
    arguments: dict[str, Any],
    layers: Callable[[], list[keras.layers.Layer]],
    assemble: Callable[[list[keras.layers.Layer]], keras.Model],
    *,
    keep: bool = True,
) -> keras.Model:
    """``assemble(layers())`` with the weights drawn for ``arguments`` (``seed`` among them), kept or drawn now.

    ``layers`` makes the model's layers, unbuilt; ``assemble`` builds the model of them. ``keep`` off: drawn, not
    kept. The seed is set before the layers are made, as a build that draws would set it.
    """
    keras.utils.set_random_seed(int(arguments["seed"]))
    if not keep:
        return assemble(layers())
    path = cache_dir() / f"{key(arguments)}.npz"
    if path.is_file():
        before = name_counter()  # counted as in a build that draws: from before its layers are made
        made = layers()
        with drawing_nothing(made):
            model = assemble(made)
        drawn = load(path, model)
        if drawn is not None:
            for _ in range(drawn - (name_counter() - before - 1)):
                name_counter()
            return model
        keras.utils.set_random_seed(int(arguments["seed"]))  # unreadable: drawn as usual after all
    before = name_counter()
    model = assemble(layers())
    weights = model.get_weights()  # read before the count: reading a variable uses up names too
    store(path, weights, max(0, name_counter() - before - 1))  # 0 on JAX, which has no such counter
    return model


def name_counter() -> int:
    """The next value of TensorFlow's process-wide counter for names (0 on JAX), which this call uses up.

    TensorFlow names what it traces with it, and its compile cache knows programs by those names (see
    :func:`engine.train.compiled.compile_function`). A build that draws uses up more of it than one that
    takes kept weights; the latter then uses up the difference, so a run's programs keep their names, and
    load from the cache, whichever way its weights came.
    """
    if keras.backend.backend() != "tensorflow":
        return 0
    from tensorflow.python.framework import ops

    return int(ops.uid())


def zeros(shape: tuple[int, ...], dtype: Any = None) -> np.ndarray:
    """An initialiser that draws nothing (numpy zeros: no backend program to lower)."""
    return np.zeros(shape, dtype=str(dtype or "float32"))


@contextlib.contextmanager
def drawing_nothing(layers: list[Any]) -> Iterator[None]:
    """While the block builds ``layers``, their weights start as zeros; after it, their initialisers are theirs again.

    An LSTM's ``unit_forget_bias`` (ones for the forget gate) is turned off with them, as it builds its bias itself.
    """
    saved: list[tuple[Any, str, Any]] = []
    for layer in layers:
        owner = getattr(layer, "cell", layer)  # a recurrent layer's weights are its cell's
        for name in (*INITIALISED, "unit_forget_bias"):
            if hasattr(owner, name):
                saved.append((owner, name, getattr(owner, name)))
                setattr(owner, name, False if name == "unit_forget_bias" else zeros)
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


def load(path: Path, model: keras.Model) -> int | None:
    """Give ``model`` the weights kept in ``path`` and return the names their draw used up (:func:`name_counter`);
    ``None``, the model untouched, if they cannot be read or do not fit (shapes, dtypes, finite values)."""
    try:
        with np.load(path) as kept:
            weights = [kept[f"w{i}"] for i in range(len(kept.files) - 1)]
            used = int(kept["names"])
        current = model.get_weights()
        fits = [(w.shape, w.dtype) for w in weights] == [(w.shape, w.dtype) for w in current]
        if not fits or not 0 <= used <= MOST_NAMES or any(not np.isfinite(w).all() for w in weights):
            return None
    except (OSError, ValueError, KeyError, EOFError, TypeError, zipfile.BadZipFile):
        return None
    model.set_weights(weights)
    with contextlib.suppress(OSError):
        os.utime(path)  # used now: the folder's trim (oldest first) then keeps what is in use
    return used


def store(path: Path, weights: list[np.ndarray], used: int) -> None:
    """Keep a model's ``weights``, and the names their draw ``used`` up, in ``path`` (written whole, then renamed).

    A folder that cannot be written only means they are not kept.
    """
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        runtime.trim_cache(path.parent, CACHE_MB)
        partial = path.with_name(f".{path.stem}.{os.getpid()}.npz")
        arrays: dict[str, Any] = {"names": np.int64(used), **{f"w{i}": w for i, w in enumerate(weights)}}
        np.savez(partial, **arrays)
        os.replace(partial, path)
