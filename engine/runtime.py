"""Importing TensorFlow quietly and choosing the device it runs on."""

from __future__ import annotations

import contextlib
import os
from typing import Any


class DeviceError(RuntimeError):
    """The requested device cannot be used (e.g. ``--device gpu`` on a machine with no GPU)."""


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


def prepare_device(choice: str) -> str:
    """Make TensorFlow use ``choice`` (auto, cpu or gpu) and describe what is in use.

    GPU memory growth is switched on so a shared GPU box is not monopolised. Devices can be
    configured only before TensorFlow first runs, so the first answer is kept for the process.
    """
    if _prepared:
        return next(iter(_prepared.values()))
    with quiet_stderr():  # the CUDA probe in list_physical_devices prints on fd 2
        _prepared[choice] = description = _configure(choice)
    return description


def _configure(choice: str) -> str:
    tf = import_tensorflow()
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


class quiet_stderr:
    """Point file descriptor 2 at ``target`` (default /dev/null) while the block runs.

    TensorFlow's C++ side writes straight to fd 2 (absl banners, CUDA probes), below any
    Python-level redirection; inside a Textual app that garbles the screen.
    """

    def __init__(self, target: str = os.devnull) -> None:
        self.target = target
        self._saved: int | None = None

    def __enter__(self) -> quiet_stderr:
        import sys

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
