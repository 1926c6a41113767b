"""A sweep's pack on real Keras: points that differ only in the learning rate train as replicas of one compiled
call, and each point's folder holds the numbers of its run alone — a point that diverges ends there, alone."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from engine.config.config import Config
from engine.experiment import run_experiment
from engine.sweep.events import Message, PointDone, PointStarted
from engine.sweep.worker import PointJob, run_point

SMALL = Config(
    units=8, window=8, points=60, batch_size=8, epochs=4, seeds=2, optimizer="sgd", models=("rnn", "lstm"),
    forecast_every=0, inside=False,
)  # fmt: skip
"""Small enough to compile in about a second; two seeds, so each point has a stack of its own (see below)."""


def figures(run_dir: Path) -> tuple[list[dict[str, str]], dict[str, object]]:
    """A run's every epoch and each model's per-seed figures, without timings (the models' threads write
    ``history.csv`` in the order their epochs end: sorted here)."""
    rows = csv.DictReader(io.StringIO((run_dir / "history.csv").read_text()))
    history = sorted(({k: v for k, v in row.items() if "second" not in k} for row in rows), key=str)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    per_seed = {
        kind: [{k: v for k, v in s.items() if "second" not in k} for s in entry["seeds"]]
        for kind, entry in metrics["models"].items()
    }
    return history, {"status": metrics["status"], "seeds": per_seed, "verdicts": metrics["verdicts"]}


@pytest.mark.heavy  # four compiles of two models: ~25 s of CPU, too much for the suite's budget
def test_a_pack_trains_each_point_as_its_run_alone_and_a_point_that_diverges_ends_alone(tmp_path: Path) -> None:
    rates = (0.05, 1e4, 0.01)  # 1e4 with SGD: NaN within an epoch or two
    configs = [SMALL.replace(learning_rate=rate) for rate in rates]
    job = PointJob(0, "p0", configs[0].to_dict(), str(tmp_path / "p0"))
    riders = (
        PointJob(1, "p1", configs[1].to_dict(), str(tmp_path / "p1")),
        PointJob(2, "p2", configs[2].to_dict(), ""),  # finished before: trained with the pack, not written
    )
    sent: list[Message] = []
    done = run_point(PointJob(job.index, job.name, job.config, job.run_dir, riders=riders), sent.append)

    assert [m.index for m in sent if isinstance(m, PointStarted)] == [0, 1]
    answers = [m for m in sent if isinstance(m, PointDone)] + [done]
    assert [(a.index, a.status, a.error) for a in answers] == [(1, "diverged", ""), (0, "finished", "")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p0", "p1"]  # nothing of the unwritten rider

    for index in (0, 1):  # the same program alone, with the same seeds: the same digits
        run_experiment(configs[index], tmp_path / f"alone{index}", lambda event: None)
        assert figures(tmp_path / f"p{index}") == figures(tmp_path / f"alone{index}")
    diverged = json.loads((tmp_path / "p1" / "metrics.json").read_text())["models"]["rnn"]
    assert diverged["status"] == "diverged" and diverged["epochs_done"] < SMALL.epochs
    finished = json.loads((tmp_path / "p0" / "metrics.json").read_text())["models"]["rnn"]
    assert finished["epochs_done"] == SMALL.epochs  # the others trained on
