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


KERAS_IN_PROCESS: dict[str, str] = {
    # The engine's training, on two models at a time (~57 s of the suite on 2 cores):
    "test_engine_training": "keras-train",
    "test_min_models": "keras-train",
    "test_engine_forecast": "keras-train",
    "test_replicas": "keras-train",
    "test_packed": "keras-runs",
    # Whole runs through the engine and the app (~60 s):
    "test_tui_e2e": "keras-runs",
    "test_headless": "keras-runs",
    "test_faults_run": "keras-runs",
    "test_inside": "keras-runs",
    "test_seeds_run": "keras-runs",
    "test_text_run": "keras-runs",
    "test_bench": "keras-runs",
}
"""Test modules that load Keras in the pytest process itself (the others start processes or use the scripted engine),
in two groups of about equal time: one group was the suite's longest path (115 s of a 120 s run)."""
ONE_WORKER = frozenset({"test_engine_hygiene", "test_hostile_runs", "test_sweep_runs"})
"""Test modules whose module-scoped fixture is costly (a process, a sweep): kept on one worker, it is made once."""


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups (its worker hook runs first otherwise)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Send the tests that load Keras in-process to two workers (``--dist loadgroup``): the third then never pays
    TensorFlow's import (seconds of CPU on a machine with two cores), and all stay busy. Likewise the tests of a
    module in ``ONE_WORKER``, whose shared fixture would otherwise be made once per worker."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if isinstance(item, pytest.Function) else ""
        if module in KERAS_IN_PROCESS:
            item.add_marker(pytest.mark.xdist_group(KERAS_IN_PROCESS[module]))
        elif item.get_closest_marker("keras_in_process"):
            item.add_marker(pytest.mark.xdist_group("keras-train"))
        elif module in ONE_WORKER:
            item.add_marker(pytest.mark.xdist_group(module))
