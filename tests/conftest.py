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


KERAS_IN_PROCESS = frozenset(
    {
        "test_bench",
        "test_engine_forecast",
        "test_engine_training",
        "test_faults_run",
        "test_headless",
        "test_inside",
        "test_min_models",
        "test_replicas",
        "test_seeds_run",
        "test_text_run",
        "test_tui_e2e",
    }
)
"""Test modules that load Keras in the pytest process itself (the others start processes or use the scripted engine)."""
ONE_WORKER = frozenset({"test_engine_hygiene", "test_hostile_runs", "test_sweep_runs"})
"""Test modules whose module-scoped fixture is costly (a process, a sweep): kept on one worker, it is made once."""


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups (its worker hook runs first otherwise)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Send every test that loads Keras in-process to one worker (``--dist loadgroup``): the other worker then
    never pays TensorFlow's import (seconds of CPU on a machine with two cores), and both stay busy. Likewise the
    tests of a module in ``ONE_WORKER``, whose shared fixture would otherwise be made once per worker."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if isinstance(item, pytest.Function) else ""
        if module in KERAS_IN_PROCESS or item.get_closest_marker("keras_in_process"):
            item.add_marker(pytest.mark.xdist_group("keras"))
        elif module in ONE_WORKER:
            item.add_marker(pytest.mark.xdist_group(module))
