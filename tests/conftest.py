"""Shared fixtures: tiny configs so the real engine runs in seconds."""

from __future__ import annotations

import helpers.core_backend  # noqa: F401  # chooses Keras's backend before any test module imports Keras
import pytest

from engine.config.config import Config


@pytest.fixture
def tiny_config() -> Config:
    """The seed's experiment, cut to a few epochs with no live forecast previews."""
    return Config(epochs=3, forecast_every=0)
