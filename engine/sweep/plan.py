"""A sweep's plan: its points (each a checked config), how many workers, and what it will cost.

Said before anything loads: points × seeds × models, a rough time, the peak memory, and a refusal when
even one point cannot fit in the memory the machine has free. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass
from typing import Any

from engine.config.choices import MAX_SEEDS
from engine.config.config import SETTING, Config, ConfigError, phrase
from engine.config.estimate import available_mb, peak_mb
from engine.sweep.grid import Axis, SweepError, check_axes, value_text

MAX_WORKERS = 64
PACKED_TRAINER = "fast"
"""Points ride one compiled call only on the trainer of replicas (``keras`` and ``fit`` train one Keras model)."""
PACK_REPLICAS = MAX_SEEDS
"""At most this many replicas (points × seeds) of a model in one pack: what one run's ``--seeds`` may hold."""
WORKER_GROWTH = 1.5
"""A worker's peak against one run's estimate (:func:`engine.config.estimate.peak_mb`): it keeps every point's
compiled programs, and the estimate is low for the adding task (measured: a worker 1.39 GB after the five
points of ``--task adding --sweep length=10,25,50,100,200 --seeds 3``, one run 1.2 GB, estimated 0.9 GB)."""
DRIVER_MB = 120.0
"""The driver process (this one): the settings, the sweep folder, the headless lines; no TensorFlow."""
# The cost model below is fitted to one run at a time of the adding task on 2 cores (engine/sweep/README.md,
# "What a sweep costs"); it is meant to tell a minute from an hour, not to be right within seconds.
STARTUP_S = {"tensorflow": 5.0, "jax": 3.0}
"""Loading the backend, once per worker."""
POINT_S = 6.0
"""Per point: building, compiling (the models in parallel), the final forecast and saving."""
BATCH_S = 4e-4
"""Per batch and model: a step's fixed share, whatever its length."""
STEP_S = {"rnn": 1.35e-5, "gru": 4.5e-5, "lstm": 5.3e-5, "mingru": 2.3e-5, "minlstm": 4.2e-5}
"""Per time step of one batch of 32 and one replica at 32 units, once compiled (a step's arithmetic grows with
the batch and with units², but not below a floor). minGRU and minLSTM (the loop a CPU runs): measured against
the GRU in the same process at T = 100 and 1,000, 0.33–0.50× and 0.73–0.93× its step; the larger ratio of the
GRU's figure, as the absolute times moved ±50 % with the machine's load."""
OTHERS = 0.25
"""The models train in threads of one process: the slowest sets the pace, the others add this share."""
CROWDED = 1.8
"""How much slower each point runs when as many workers as cores share the machine: fitted to 2 workers on
2 cores, with other work beside them (the longest point took 161 s instead of 85 s alone)."""


@dataclass(frozen=True)
class Point:
    """One point of the grid: its values, its folder's name, its checked config."""

    index: int
    """0-based, in grid order (the first axis outermost)."""
    values: dict[str, Any]
    """``Config`` field → value."""
    name: str
    """Its run folder inside the sweep folder: ``03-lr-0.01_units-8``."""
    config: Config

    def label(self, axes: tuple[Axis, ...]) -> str:
        """``length=25`` or ``lr=0.01, units=8``, as the user typed the names."""
        return ", ".join(f"{axis.key}={value_text(self.values[axis.name])}" for axis in axes)


@dataclass(frozen=True)
class Plan:
    """Everything decided before the first point starts."""

    base: Config
    axes: tuple[Axis, ...]
    points: tuple[Point, ...]
    packs: tuple[tuple[int, ...], ...]
    """The points (indexes) that train together as replicas of one compiled call (:func:`make_packs`)."""
    workers: int
    point_mb: float
    """What one worker may come to hold: the largest point's estimated peak, grown by :data:`WORKER_GROWTH`."""
    free_mb: float | None
    seconds: float
    """A rough estimate of the whole sweep's wall time on this machine."""

    @property
    def trainings(self) -> int:
        """Points × seeds × models."""
        return len(self.points) * self.base.seeds * len(self.base.models)

    @property
    def peak_mb(self) -> float:
        """Every worker at its largest point, and the driver."""
        return self.workers * self.point_mb + DRIVER_MB

    def lines(self, runner: str = "local") -> list[str]:
        """The plan in words, as headless prints it and the view shows it."""
        shape = " × ".join(str(len(a.values)) for a in self.axes)
        count = f"{shape} = {len(self.points)} points" if len(self.axes) > 1 else f"{len(self.points)} points"
        values = "; ".join(f"{a.key} = {', '.join(value_text(v) for v in a.values)}" for a in self.axes)
        seeds, models = self.base.seeds, len(self.base.models)
        free = f" of {self.free_mb / 1024:.1f} GB free" if self.free_mb is not None else ""
        where = f"{self.workers} worker{'s' if self.workers > 1 else ''}" if runner == "local" else f"Ray {runner}"
        said = [
            f"sweep: {count} ({values}) × {seeds} seed{'s' if seeds > 1 else ''} × {models} models "
            f"= {self.trainings} trainings",
            f"runs on {where}; roughly {duration(self.seconds)} (an estimate from the settings, ±50 %); "
            f"peak memory about {self.peak_mb / 1024:.1f} GB{free}",
        ]
        packed = [pack for pack in self.packs if len(pack) > 1]
        if packed:
            sizes = ", ".join(str(len(pack)) for pack in packed)
            said.append(
                f"points that differ only in lr train together, as replicas of one compiled call: "
                f"{len(packed)} pack{'s' if len(packed) > 1 else ''} of {sizes} points"
            )
        return said


def duration(seconds: float) -> str:
    """``45 s``, ``6 min``, ``2.5 h``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def folder_name(index: int, count: int, axes: tuple[Axis, ...], values: dict[str, Any]) -> str:
    """``03-lr-0.01_units-8``: the grid position first, so folders list in grid order."""
    width = max(2, len(str(count)))
    parts = "_".join(f"{axis.key}-{value_text(values[axis.name])}" for axis in axes)
    return f"{index + 1:0{width}d}-{parts}"


def make_points(base: Config, axes: tuple[Axis, ...]) -> tuple[Point, ...]:
    """Every point of the grid, each config checked whole (dependent bounds too)."""
    check_axes(list(axes))
    combos = list(itertools.product(*(axis.values for axis in axes)))
    points = []
    for index, combo in enumerate(combos):
        values = {axis.name: value for axis, value in zip(axes, combo, strict=True)}
        try:
            config = base.replace(**values)
        except ConfigError as error:
            raise SweepError(point_problem(axes, combo, error)) from None
        points.append(Point(index, values, folder_name(index, len(combos), axes, values), config))
    return tuple(points)


def point_problem(axes: tuple[Axis, ...], combo: tuple[Any, ...], error: ConfigError) -> str:
    """The line for a point whose config is refused: the swept value, or the setting it breaks."""
    said = " with ".join(f"{axis.key}={value_text(v)}" for axis, v in zip(axes, combo, strict=True))
    own = next((axis for axis in axes if axis.name == error.field_name), None)
    if own is not None and len(axes) == 1:
        return f"--sweep {said}: {error.reason}; allowed: {error.allowed}"
    spec = SETTING.get(error.field_name)
    name = spec.flag if spec is not None and spec.flag else error.field_name
    return f"--sweep {said}: then {phrase(error, name)}"


def cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def make_plan(base: Config, axes: tuple[Axis, ...], workers: int | None, *, local: bool = True) -> Plan:
    """The plan, or a :class:`SweepError` for a grid that cannot fit the machine's memory.

    ``workers`` as asked (``None``: as many as the cores, the points and the free memory allow).
    ``local`` is false for a Ray cluster elsewhere, whose memory cannot be known from here.
    """
    points = make_points(base, axes)
    packs = make_packs(points)
    units = [pack_config(points, pack) for pack in packs]
    point_mb = WORKER_GROWTH * max(peak_mb(config) for config in units)
    free = available_mb() if local else None
    if free is not None and point_mb + DRIVER_MB > free:
        raise SweepError(
            f"--sweep: the largest point needs about {point_mb / 1024:.1f} GB, but {free / 1024:.1f} GB is free; "
            "allowed: fewer units, models or seeds"
        )
    fits = MAX_WORKERS if free is None else max(1, int((free - DRIVER_MB) // point_mb))
    if workers is None:
        workers = max(1, min(cores(), len(packs), fits))
    elif free is not None and workers > fits:
        raise SweepError(
            f"--workers {workers}: each may need about {point_mb / 1024:.1f} GB and {free / 1024:.1f} GB is free; "
            f"allowed: --workers {fits} or fewer"
        )
    seconds = estimate_seconds(base.backend, units, workers)
    return Plan(base, axes, points, packs, workers, point_mb, free, seconds)


def make_packs(points: tuple[Point, ...]) -> tuple[tuple[int, ...], ...]:
    """The grid's packs: points whose settings differ only in the learning rate train as replicas of one
    compiled call (:mod:`engine.train.packed`), in grid order, up to :data:`PACK_REPLICAS` replicas a pack;
    every other point is a pack of its own. Fixed by the grid alone, so that a resume or a run on Ray
    trains every point in the same pack, with the same numbers."""
    groups: dict[str, list[int]] = {}
    for point in points:
        config = point.config
        if config.trainer == PACKED_TRAINER:
            key = repr(sorted((name, value) for name, value in config.to_dict().items() if name != "learning_rate"))
        else:
            key = f"point {point.index}"
        groups.setdefault(key, []).append(point.index)
    size = max(1, PACK_REPLICAS // points[0].config.seeds)
    return tuple(tuple(group[i : i + size]) for group in groups.values() for i in range(0, len(group), size))


def pack_config(points: tuple[Point, ...], pack: tuple[int, ...]) -> Config:
    """What a pack costs as one run: its first point's settings, with every point's seeds."""
    first = points[pack[0]].config
    return first.replace(seeds=first.seeds * len(pack)) if len(pack) > 1 else first


def pack_jobs(plan: Plan, todo: list[int]) -> list[tuple[int, ...]]:
    """The packs that hold a point of ``todo``, in the order of their first point there (a pack trains whole:
    a point already finished rides along unwritten, for the pack's numbers depend on its size)."""
    pack_of = {index: pack for pack in plan.packs for index in pack}
    jobs: list[tuple[int, ...]] = []
    for index in todo:
        if pack_of[index] not in jobs:
            jobs.append(pack_of[index])
    return jobs


def point_seconds(config: Config) -> float:
    """A rough wall time of one point alone, once its worker has loaded the backend."""
    steps = config.length if config.task == "adding" else config.window
    batches = math.ceil(config.n_train / config.batch_size)
    width = max(1.0, config.units / 32) ** 2 * max(0.1, config.batch_size / 32)
    replicas = 1 + 0.5 * (config.seeds - 1)  # seeds ride one compiled call: each further one costs about half
    per_model = [
        config.epochs * batches * (BATCH_S + STEP_S[kind] * steps * width * replicas) for kind in config.models
    ]
    return POINT_S + max(per_model) + OTHERS * (sum(per_model) - max(per_model))


def longest_first(plan: Plan, todo: list[int]) -> list[int]:
    """``todo`` in the order to hand out: the costliest packs first, so that no worker is left with a long
    one at the end while the others idle (the folder and its tables keep the grid's order)."""
    cost = {index: point_seconds(pack_config(plan.points, pack)) for pack in plan.packs for index in pack}
    return sorted(todo, key=lambda index: -cost[index])


def estimate_seconds(backend: str, configs: list[Config], workers: int) -> float:
    """A rough wall time of the whole sweep: start-up once per worker, then the points handed out longest
    first to ``workers`` (a list schedule), each slowed by the workers it shares the cores with."""
    crowd = 1 + (CROWDED - 1) * (min(workers, len(configs)) - 1) / max(1, cores() - 1)
    ends = [0.0] * workers
    for seconds in sorted((point_seconds(c) * crowd for c in configs), reverse=True):
        ends[ends.index(min(ends))] += seconds
    return STARTUP_S[backend] + max(ends)


def workers_value(raw: str | None) -> int | None:
    """``--workers N`` as typed: a whole number from 1 to :data:`MAX_WORKERS` (``None`` when not given)."""
    if raw is None:
        return None
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_WORKERS:
        raise SweepError(f"--workers {raw}: not allowed; allowed: an integer from 1 to {MAX_WORKERS}")
    return int(text)
