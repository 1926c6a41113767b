"""Run folders for the hostile-folder tests: complete ones, and the wrong values to damage them with.

Folders are written by the scripted engine (one seed) or by hand from the engine's own metric
functions (several seeds, with spreads and verdicts), so their files have the real shape.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
import shutil
from pathlib import Path
from typing import Any

from engine.config.config import DEFAULT, SETTINGS, Config
from engine.report.events import Status
from engine.report.metrics import LossTrack
from engine.report.stop import StopSignal
from engine.report.verdicts import model_summary, pair_verdicts, seed_metrics, verdict_record
from engine.settings.declare import Setting
from helpers.fake_engine import FakeEngine

HOSTILE_TEXT = "[/]\n\x00\"',|é٣😀 "
"""Characters that have broken readers: markup, a newline, NUL, quotes, the table separator, non-ASCII digits."""
CLASSIC_WRONG: list[Any] = [
    "1500",
    "",
    "[/]",
    "nan",
    "1_000",
    "١٢",
    "x" * 5000,
    [],
    [1, 2],
    ["rnn", "rnn"],
    ["rnn", "bogus"],
    [[1]],
    {},
    {"epochs": 5},
    None,
    True,
    False,
    0,
    -1,
    1.5,
    1500.0,
    10**30,
    -(10**30),
    10**400,
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    -0.0,
    5e-324,
]
"""Wrong values people and programs have put in JSON files: text for numbers, lists, objects, null, booleans,
floats for integers, numbers too large for anything, NaN and infinities (Python's json writes and reads them)."""


def make_run(folder: Path, **changes: Any) -> Path:
    """A complete one-seed run folder, written by the scripted engine."""
    folder.mkdir(parents=True)
    config = Config(epochs=3, forecast_every=0, **changes)
    FakeEngine()(config, folder, lambda event: None, StopSignal())
    return folder


def make_seeded_run(folder: Path, seeds: int = 3, epochs: int = 3) -> Path:
    """A run with several seeds as the engine leaves it: a row per seed and epoch, medians, spreads, verdicts."""
    folder.mkdir(parents=True)
    config = Config(epochs=epochs, forecast_every=0, seeds=seeds)
    (folder / "config.json").write_text(json.dumps(config.to_dict()))
    rows = ["model,epoch,loss,val_loss,seconds,seed"]
    models: dict[str, dict[str, object]] = {}
    for m, model in enumerate(config.models):
        per_seed = []
        for k in range(seeds):
            track = LossTrack()
            for epoch in range(1, epochs + 1):
                loss = (m + 1) * (k + 1) * 0.1 / epoch
                track.add_losses(epoch, loss, loss / 10)
                rows.append(f"{model},{epoch},{loss!r},{loss / 10!r},{epoch * 0.01:.4f},{k}")
            per_seed.append(seed_metrics(k, track, 100, Status.FINISHED, None, epochs, 1.0, {"forecast_rmse": 0.1}))
        models[model] = model_summary(per_seed, 100, Status.FINISHED, epochs, 1.0)
    verdicts = [verdict_record(v) for v in pair_verdicts(models)]
    metrics = {"status": "finished", "device": "CPU", "seeds": seeds, "verdicts": verdicts, "models": models}
    (folder / "metrics.json").write_text(json.dumps(metrics))
    (folder / "history.csv").write_text("\n".join(rows) + "\n")
    return folder


def copy_run(template: Path, folder: Path) -> Path:
    shutil.copytree(template, folder)
    return folder


def write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, allow_nan=True))


def fits(spec: Setting, value: Any) -> bool:
    """Whether ``value`` saved under ``spec``'s key is allowed by its declaration (with the other settings at
    their defaults), asked of the declaration itself rather than of the reader under test."""
    value = tuple(value) if spec.kind == "list" and isinstance(value, list) else value
    return dataclasses.replace(spec, high_of=None)._fits(value, DEFAULT) and spec._fits(value, DEFAULT)


def random_json(rng: random.Random, depth: int = 0) -> Any:
    """Any JSON value: text of hostile characters, numbers of every size, lists and objects, null, booleans."""
    kinds = ["text", "int", "float", "null", "bool"] + (["list", "dict"] if depth < 2 else [])
    kind = rng.choice(kinds)
    if kind == "text":
        return "".join(rng.choice(HOSTILE_TEXT + "abc019.-e") for _ in range(rng.randrange(0, 12)))
    if kind == "int":
        return rng.choice([-1, 1]) * rng.randrange(0, 10 ** rng.randrange(1, 40))
    if kind == "float":
        return rng.choice([rng.uniform(-1e6, 1e6), rng.uniform(-1, 1) * 10.0 ** rng.randrange(-300, 308), math.nan])
    if kind == "null":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "list":
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    return {f"k{n}": random_json(rng, depth + 1) for n in range(rng.randrange(0, 3))}


def wrong_values(spec: Setting, rng: random.Random, count: int = 10) -> list[Any]:
    """``count`` values that do not fit ``spec`` (the classic wrong ones first, then random ones), and for a
    number setting, values of the right type out of its range."""
    values = [v for v in CLASSIC_WRONG if not fits(spec, v)]
    picked = rng.sample(values, min(count // 2, len(values)))
    if spec.kind in ("int", "float") and spec.low is not None:
        picked.append(spec.low - 1 if spec.kind == "int" or not spec.low_open else spec.low)
    if spec.kind in ("int", "float") and spec.high is not None:
        picked.append(int(spec.high) + rng.randrange(1, 10**9))
    while len(picked) < count:
        value = random_json(rng)
        if not fits(spec, value):
            picked.append(value)
    return picked


SETTING_NAMES = [spec.name for spec in SETTINGS]
