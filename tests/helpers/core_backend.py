"""The Keras backend the engine's core tests (marked ``core``) run on in this pytest process.

TensorFlow unless ``RNNLSTM_TEST_BACKEND`` names another; ``tests/e2e/test_backends.py`` runs the core
tests again in a process with ``RNNLSTM_TEST_BACKEND=jax``. Keras picks its backend once per
process, so it is chosen here, from ``conftest.py``, before any test module imports Keras.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

from engine.config.choices import BACKENDS

NEEDS_JAX = pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX not installed (the jax extra)")
"""For a test that runs something on JAX (CI installs the extra; ``pip install '.[test]'`` alone does not)."""

BACKEND = os.environ.get("RNNLSTM_TEST_BACKEND", "tensorflow")
if BACKEND not in BACKENDS:
    raise SystemExit(f"RNNLSTM_TEST_BACKEND={BACKEND}: allowed: {', '.join(BACKENDS)}")
if BACKEND != "tensorflow":
    from engine.train.runtime import select_backend

    select_backend(BACKEND)
