"""Sweep points that differ only in the learning rate, trained as replicas of one compiled call: a pack.

A sweep over the learning rate keeps every shape: the points' models are the same, their data is the
same (made from the same settings), only the optimizer's step differs. So rather than a run per point,
each paying its compile, the pack stacks every point's seeds (points × seeds replicas per model) and
trains them with one compiled epoch, each replica at its point's rate (``rates`` of
:func:`engine.train.replicas.make_replica_epoch`). In every other way each point is a run of its own:
its own folder and events, its own epoch loop and guard (a point whose seeds all diverge ends there,
as it would alone, while the others train on), its own previews, figures and saved models — written by
the same stages (:mod:`engine.train.stages`) as any run.

Numbers: a replica's result depends on the stack's size only through rounding (a batched product of
K replicas rounds a little differently from one of 1), so a packed point's figures match its run alone
to about 1e-6 relative, not digit for digit (``tests/e2e/test_packed.py``). A sweep's grid fixes its
packs, so the sweep, its ``--resume`` and the same sweep on Ray give the same digits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from engine.config.config import Config
from engine.report.events import EventSink, RunFinished
from engine.report.stop import StopSignal
from engine.runs.folder import RunFolder
from engine.train import runtime
from engine.train.replicas import ReplicaEpoch, ReplicaPart, ReplicaWeights, make_replica_epoch
from engine.train.seeds import headline_logs, seed_values
from engine.train.stages import Built, build, callbacks_for, finish, forecast, models_ended, run_stages, watch
from engine.train.trainer import EpochLoop, Outcome, train_all

PACKED_TRAINER = "fast"
"""The only trainer whose replicas can share a compiled call (``keras`` and ``fit`` train one Keras model)."""


Pack = Callable[[list[Config], str, list[RunFolder], list[EventSink], StopSignal], list[RunFinished]]
"""The shape of :func:`run_pack`, as :mod:`engine.experiment` holds it."""


def pack_key(config: Config) -> tuple[tuple[str, object], ...] | None:
    """What points must share to train as one pack (every setting but the learning rate); ``None``: never packed."""
    if config.trainer != PACKED_TRAINER:
        return None
    settings = config.to_dict()
    settings.pop("learning_rate")
    return tuple(sorted((name, repr(value)) for name, value in settings.items()))


def run_pack(
    configs: list[Config], device: str, folders: list[RunFolder], sinks: list[EventSink], stop: StopSignal
) -> list[RunFinished]:
    """Every point's run, trained together; one config is a plain run (:func:`engine.train.stages.run_stages`)."""
    points = list(zip(configs, [device] * len(configs), folders, sinks, strict=True))
    if len(configs) == 1 or stop.is_set():  # stopped while loading: each folder says so, as a run's would
        return [run_stages(*point, stop) for point in points]
    if len({pack_key(config) for config in configs}) != 1 or pack_key(configs[0]) is None:
        raise ValueError("a pack's points must differ in the learning rate only, with --trainer fast")
    builts = [build(*point) for point in points]
    stacks = stack(builts)
    for built in builts:
        watch(built)
    # Each model's compiled epoch made (traced) here, one after another: see engine.train.compiled.compile_function.
    epochs = {kind: pack_epoch(stacks[kind], builts) for kind in stacks}
    results = train_all(stacks, lambda kind: train_kind(kind, epochs[kind], builts, stop), stop)
    for point, built in enumerate(builts):
        built.outcomes = {kind: results[kind][point] for kind in built.models}
        models_ended(built)
    return [finish(built, forecast(built)) for built in builts]


def stack(builts: list[Built]) -> dict[str, ReplicaWeights]:
    """Per model, every point's seeds in one stack (point by point); each point keeps a view of its part."""
    seeds = builts[0].config.seeds
    stacks: dict[str, ReplicaWeights] = {}
    for kind in builts[0].models:
        whole = ReplicaWeights([model for built in builts for model in built.replicas[kind].models])
        stacks[kind] = whole
        for point, built in enumerate(builts):
            built.replicas[kind] = ReplicaPart(whole, point * seeds, seeds)
    return stacks


def pack_epoch(whole: ReplicaWeights, builts: list[Built]) -> ReplicaEpoch:
    """The pack's compiled epoch for one model: every point's seeds, each replica at its point's learning rate."""
    config = builts[0].config
    rates = [built.config.learning_rate for built in builts for _ in range(config.seeds)]
    return make_replica_epoch(whole, builts[0].dataset, config, rates=rates)


def train_kind(kind: str, epoch_function: ReplicaEpoch, builts: list[Built], stop: StopSignal) -> list[Outcome]:
    """Train model ``kind`` of every point; each point's callbacks see its own seeds' logs, as in its own run."""
    config, dataset = builts[0].config, builts[0].dataset
    seeds = config.seeds
    parts = [built.replicas[kind] for built in builts]
    loops = [
        EpochLoop(kind, part.models[0], built.config, callbacks_for(built, kind), stop)
        for part, built in zip(parts, builts, strict=True)
    ]
    # Each seed's own stream of permutations, as its run alone draws it; every point has the same seeds.
    rngs = [np.random.default_rng(seed) for seed in seed_values(config)]
    n = dataset.n_train
    outcomes: dict[int, Outcome] = {}
    going = list(range(len(builts)))
    for epoch in range(config.epochs):
        if stop.is_set():
            for point in going:
                loops[point].stopped_before(epoch)
            break
        for point in going:
            loops[point].begin(epoch)
        orders = np.stack([rng.permutation(n) if config.shuffle else np.arange(n) for rng in rngs])
        logs = epoch_function(np.tile(orders, (len(builts), 1)))
        for point in going:
            own = {key: values[point * seeds : (point + 1) * seeds] for key, values in logs.items()}
            loops[point].end(epoch, headline_logs(own, parts[point].diverged_at, epoch + 1))
        if epoch == 0:  # compiled: what is alive now lives as long as the run
            runtime.spare_startup_objects()
        for point in [p for p in going if not loops[p].going]:  # diverged (every seed), or told to stop
            outcomes[point] = loops[point].finish()
        going = [point for point in going if point not in outcomes]
        if not going:
            break
    for point in going:
        outcomes[point] = loops[point].finish()
    return [replace(outcomes[p], diverged_at=tuple(part.diverged_at)) for p, part in enumerate(parts)]
