"""One run from start to finish: config → data → models → training → forecast → artifacts.

This is the only entry point the TUI and the headless mode use, so both write the same files. Here:
the folder, the backend and what happens on failure; the stages themselves are in
:mod:`engine.train.stages`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from engine.config.config import Config
from engine.report.events import EventSink, Phase, RunFinished, Stage, Status
from engine.report.stop import StopSignal
from engine.runs.folder import RunFolder
from engine.runs.safeio import record_failure
from engine.train import runtime

if TYPE_CHECKING:
    from engine.train.packed import Pack

Experiment = Callable[[Config, Path, EventSink, StopSignal], RunFinished]
"""What a caller runs: ``run_experiment`` itself, or (in the UI's tests) a scripted stand-in with
the same contract — report events to the sink, honour the stop signal, return the last event."""


def run_experiment(config: Config, run_dir: Path, sink: EventSink, stop: StopSignal | None = None) -> RunFinished:
    """Run ``config`` end to end, writing into ``run_dir`` and reporting to ``sink``.

    ``stop`` is a :class:`StopSignal` (created here if not given); setting it
    ends training after the current epoch, and the run is still written out completely.
    """
    return run_pack_experiment([config], [run_dir], [sink], stop)[0]


def run_pack_experiment(
    configs: Sequence[Config], run_dirs: Sequence[Path], sinks: Sequence[EventSink], stop: StopSignal | None = None
) -> list[RunFinished]:
    """Several runs that differ only in the learning rate, trained as one (a sweep's pack,
    :mod:`engine.train.packed`), each written into its own folder and reported to its own sink."""
    for config in configs:
        config.validate()
    stop = stop if stop is not None else StopSignal()
    first = configs[0]
    loading = Stage.LOADING_JAX if first.backend == "jax" else Stage.LOADING
    for sink in sinks:
        sink(Phase(Stage.BUILDING if "keras" in sys.modules else loading))
    device = runtime.prepare_device(first.device, first.backend)  # a DeviceError leaves no half-made run behind
    folders: list[RunFolder] = []
    try:
        for config, run_dir in zip(configs, run_dirs, strict=True):
            folder = RunFolder(run_dir, classifier=config.task == "text", first_seed=config.seed)
            folders.append(folder)
            folder.write_json("config.json", config.to_dict())
            folder.write_json("metrics.json", {"status": Status.RUNNING, "device": device, "models": {}})  # for viewers
        return _stages()(list(configs), device, folders, list(sinks), stop)
    except Exception as error:
        # Whatever failed (a full disk, say), the folder says so instead of claiming to be still
        # running, and keeps the figures training already found; not once every file is written.
        for folder in folders:
            if not folder.complete:
                record_failure(folder.path, f"{type(error).__name__}: {error}")
        raise
    finally:
        for folder in folders:
            folder.close()


def _stages() -> Pack:
    """The runs' stages (:func:`engine.train.packed.run_pack`; for one config, the stages of a run), loaded only now.

    The one place the engine imports its training room inside a function: that room imports Keras,
    which must load after :func:`engine.train.runtime.prepare_device` has chosen its backend, and
    not at all for a caller that only reads settings or run folders.
    """
    from engine.train.packed import run_pack

    return run_pack
