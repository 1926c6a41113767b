"""Shared fixtures: tiny configs so the real engine runs in seconds."""

from __future__ import annotations

import os

# One TensorFlow thread per op and one for the graph, here and in the processes the tests start (they inherit the
# environment): the suite runs two workers on two cores (-n 2), and for models this small TensorFlow's thread pools
# mostly spin: a graph-mode run took half the CPU seconds, and less time, with one of each. Set before TensorFlow loads.
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

import helpers.core_backend  # noqa: F401  # chooses Keras's backend before any test module imports Keras
import pytest

from engine.config.config import Config


@pytest.fixture
def tiny_config() -> Config:
    """The seed's experiment, cut to a few epochs with no live forecast previews."""
    return Config(epochs=3, forecast_every=0)
