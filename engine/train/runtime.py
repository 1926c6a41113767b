"""Loading Keras on the chosen backend, quietly, and choosing the device it runs on."""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

INSTALL_JAX = "pip install 'rnnlstm-tui[jax]'"
"""How JAX is added (the ``jax`` extra): named in the message when it is asked for and missing."""


class DeviceError(RuntimeError):
    """The requested device or backend cannot be used (e.g. ``--device gpu`` on a machine with no GPU)."""


def backend_missing(backend: str) -> str | None:
    """Why ``backend`` cannot be loaded here, as a one-line message, or ``None`` when it can.

    Asked before anything heavy is imported: only the packages' presence is looked up.
    """
    needs = {"tensorflow": ("tensorflow",), "jax": ("jax", "jaxlib")}[backend]
    absent = [name for name in needs if importlib.util.find_spec(name) is None]
    if not absent:
        return None
    fix = INSTALL_JAX if backend == "jax" else "pip install tensorflow"
    other = "tensorflow" if backend == "jax" else "jax"
    return f"--backend {backend}: {' and '.join(absent)} not installed; install with {fix}, or use --backend {other}"


def spare_startup_objects() -> None:
    """Keep every object alive now out of the garbage collector's full passes (``gc.freeze``), once a process.

    Called once training is under way: the backend, the models, their compiled code and (in the TUI) the
    app's widgets are hundreds of thousands of objects that live as long as the process. A full pass over
    them holds the GIL for a tenth of a second or more while both training threads wait for it, and a UI
    thread, allocating as it draws, makes those passes come several times a run. Only the first call
    freezes: a later run's objects (a restart's) are collected as usual, so no run's garbage is kept for good.
    """
    global _spared
    if not _spared:
        _spared = True
        gc.freeze()


_spared = False


def select_backend(backend: str) -> None:
    """Make Keras load on ``backend``, whatever ``KERAS_BACKEND`` the user's environment says.

    Keras reads its backend once, when first imported; a process that already loaded it on
    another backend cannot switch, and says so rather than running one backend's code on the other.
    """
    if "keras" in sys.modules:
        import keras

        loaded = keras.backend.backend()
        if loaded != backend:
            raise DeviceError(
                f"--backend {backend}: Keras is already loaded on {loaded} in this process; "
                f"allowed: {loaded} (a new process for {backend})"
            )
        return
    missing = backend_missing(backend)
    if missing:
        raise DeviceError(missing)
    os.environ["KERAS_BACKEND"] = backend


def import_tensorflow() -> Any:
    """Import TensorFlow with its C++ and Python logging silenced, and return the module.

    The environment defaults that quiet its import are set by ``engine/__init__.py``, which
    runs before this module can.
    """
    with quiet_stderr():
        import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    import absl.logging

    absl.logging.set_verbosity(absl.logging.ERROR)
    return tf


_prepared: dict[str, str] = {}


def prepare_device(choice: str, backend: str = "tensorflow", *, cache: bool = True) -> str:
    """Load Keras on ``backend``, make it use ``choice`` (auto, cpu or gpu), and describe what is in use.

    GPU memory growth is switched on so a shared GPU box is not monopolised. Devices can be
    configured only before the backend first runs, so the first answer is kept for the process.
    ``cache``: keep compiled programs on disk between runs (off only for the benchmark's peers, which
    run as plain Keras does).
    """
    select_backend(backend)
    if _prepared:
        return next(iter(_prepared.values()))
    with quiet_stderr():  # the CUDA probe in list_physical_devices prints on fd 2
        configure = _configure_jax if backend == "jax" else _configure
        _prepared[choice] = description = configure(choice, cache)
    return description


def _configure(choice: str, cache: bool) -> str:
    if cache:
        _cache_tensorflow_compiles()
    with jax_hidden():
        tf = import_tensorflow()
        import keras  # noqa: F401  # loaded here, with TensorFlow, so a run's first model does not wait for it

    gpus = tf.config.list_physical_devices("GPU")
    if choice == "gpu" and not gpus:
        raise DeviceError("--device gpu: TensorFlow sees no GPU here; allowed: auto or cpu")
    if choice == "cpu" or not gpus:
        if gpus:
            tf.config.set_visible_devices([], "GPU")
        return f"CPU ({os.cpu_count()} cores)"
    for gpu in gpus:
        # RuntimeError: already initialised in this process, growth is fixed by then.
        with contextlib.suppress(RuntimeError):
            tf.config.experimental.set_memory_growth(gpu, True)
    details = tf.config.experimental.get_device_details(gpus[0])
    return f"GPU {details.get('device_name', gpus[0].name)}"


@contextlib.contextmanager
def jax_hidden() -> Iterator[None]:
    """While the block runs, an ``import jax`` fails as if JAX were not installed (unless it is already loaded).

    TensorFlow's import tries ``from jax import jit`` for TFLite's converter, which a run never uses: where the
    ``jax`` extra is installed that is 0.4-0.6 s of a ~3.5 s import on 2 cores. After the block JAX imports as usual.
    """
    if "jax" in sys.modules:
        yield
        return
    sys.modules["jax"] = None  # type: ignore[assignment]  # Python's "absent" marker: ImportError on import
    try:
        yield
    finally:
        if sys.modules.get("jax", False) is None:
            del sys.modules["jax"]


def _configure_jax(choice: str, cache: bool) -> str:
    # Before JAX starts: take GPU memory as needed (as TensorFlow's growth), and keep to the CPU when asked.
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    if choice == "cpu":
        os.environ["JAX_PLATFORMS"] = "cpu"
    import jax
    import keras  # noqa: F401

    _keep_tensorflow_out()
    if cache:
        _cache_compiled_code(jax)
    gpus = [d for d in jax.devices() if d.platform == "gpu"]
    if choice == "gpu" and not gpus:
        raise DeviceError("--device gpu: JAX sees no GPU here; allowed: auto or cpu")
    if choice == "cpu" or not gpus:
        return f"CPU ({os.cpu_count()} cores) · JAX"
    return f"GPU {gpus[0].device_kind} · JAX"


def jax_cache_dir() -> Path:
    """Where JAX keeps compiled code between runs: ``$JAX_COMPILATION_CACHE_DIR`` if set, else the user's cache."""
    if os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return Path(os.environ["JAX_COMPILATION_CACHE_DIR"])
    return user_cache() / "jax"


def tensorflow_cache_dir() -> Path:
    """Where TensorFlow keeps the XLA programs it compiled between runs (the user's cache)."""
    return user_cache() / "tensorflow"


def user_cache() -> Path:
    """This tool's folder in the user's cache: ``$XDG_CACHE_HOME/rnnlstm-tui`` (default ``~/.cache/rnnlstm-tui``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rnnlstm-tui"


TF_CACHE_FLAG = "--tf_xla_persistent_cache_directory"
"""TensorFlow's flag (in ``TF_XLA_FLAGS``, read when it first compiles) for a folder of compiled XLA programs."""
TF_CACHE_MB = 256.0
"""The most the TensorFlow cache keeps: a run adds 0.1–1 MB a program, a few programs a run; the oldest go first."""


def _cache_tensorflow_compiles() -> None:
    """Keep every XLA program TensorFlow compiles on disk, so the next run with the same shapes loads it.

    Measured on 2 cores: an LSTM's epoch took 2.7 s to compile, 0.26 s to load; the numbers are the same to
    the last digit (it is the same program). A ``TF_XLA_FLAGS`` that already names a cache folder is the
    user's choice and kept; a folder that cannot be made only means no cache.
    """
    flags = os.environ.get("TF_XLA_FLAGS", "")
    if TF_CACHE_FLAG in flags or "tensorflow" in sys.modules:  # the user's, or too late: read at first compile
        return
    folder = tensorflow_cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        trim_cache(folder, TF_CACHE_MB)
    except OSError:
        return
    os.environ["TF_XLA_FLAGS"] = f"{flags} {TF_CACHE_FLAG}={folder}".strip()


def trim_cache(folder: Path, limit_mb: float) -> None:
    """Delete the oldest files of ``folder`` until what is left takes at most ``limit_mb``."""
    entries = []
    for path in folder.iterdir():
        with contextlib.suppress(OSError):  # another process removed it meanwhile
            if path.is_file():
                stat = path.stat()
                entries.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= limit_mb * 1e6:
            break
        with contextlib.suppress(OSError):
            path.unlink()
        total -= size


def _cache_compiled_code(jax: Any) -> None:
    """Keep every XLA program JAX compiles on disk, so the next run with the same shapes skips compiling.

    A run compiles a few dozen programs (each weight initialiser, the epochs, the previews); by
    default JAX keeps only those that took a second or more. A cache folder that cannot be made
    is no error: the run compiles as if it were the first.
    """
    folder = jax_cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    # A cache entry that cannot be read or written is only a compile more, never a line across the screen.
    warnings.filterwarnings("ignore", message=".*persistent compilation cache", category=UserWarning)
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    # No size limit: JAX's least-recently-used mode (jax_compilation_cache_max_size) needs filelock and
    # warns on every entry written without it. A run adds ~10 kB–1 MB; the README says how to clear it.


def _keep_tensorflow_out() -> None:
    """On JAX, keep Keras from importing TensorFlow just to ask ``isinstance(x, tf.TensorShape)``.

    Keras's serializer asks whether TensorFlow is available before it saves a model, and answers
    by importing it: 4 s and 400 MB at the end of a JAX run that never uses it. Telling Keras's
    lazy module that TensorFlow is absent gives the path Keras takes where it is not installed.
    """
    with contextlib.suppress(ImportError, AttributeError):  # a Keras without this module: nothing to skip
        from keras.src.utils import module_utils

        module_utils.tensorflow._available = False


class quiet_stderr:
    """Point file descriptor 2 at ``target`` (default /dev/null) while the block runs.

    TensorFlow's C++ side writes straight to fd 2 (absl banners, CUDA probes), below any
    Python-level redirection; inside a Textual app that garbles the screen.
    """

    def __init__(self, target: str = os.devnull) -> None:
        self.target = target
        self._saved: int | None = None

    def __enter__(self) -> quiet_stderr:
        sys.stderr.flush()
        self._saved = os.dup(2)
        handle = os.open(self.target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(handle, 2)
        os.close(handle)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._saved is not None:
            os.dup2(self._saved, 2)
            os.close(self._saved)
            self._saved = None
