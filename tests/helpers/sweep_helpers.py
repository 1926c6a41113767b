"""Stand-ins for a sweep's point runner (no TensorFlow): a run folder made up from the point's settings,
and a worker that dies. Module-level functions, so a spawned worker process or a Ray task can load them."""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import replace
from pathlib import Path

from engine.config.config import Config
from engine.sweep.events import Message, PointDone, PointStarted
from engine.sweep.worker import PointJob, Send, Work


def made_up_loss(config: Config, model: str, seed: int) -> float:
    """A val loss that grows with the length and the learning rate, lower for the LSTM: a horizon to find."""
    scale = {"rnn": 1.0, "lstm": 0.05, "gru": 0.1}[model]
    size = config.length if config.task == "adding" else config.window
    return scale * size * config.learning_rate * (1 + 0.01 * seed) * 1e-2


def each_point(job: PointJob, send: Send, one: Work) -> PointDone:
    """``one`` for every written point of ``job`` (a pack), as the engine's runner answers them: riders first."""
    for rider in job.written[1:]:
        send(one(replace(rider, attempt=job.attempt), send))
    return one(replace(job, riders=()), send)


def fake_point(job: PointJob, send: Send) -> PointDone:
    """Write a complete run folder as the engine would (config.json, metrics.json), without training."""
    return each_point(job, send, fake_one)


def fake_one(job: PointJob, send: Send) -> PointDone:
    """:func:`fake_point` for one point."""
    send(PointStarted(job.index, job.attempt))
    config = Config.from_dict(job.config)
    folder = Path(job.run_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config.to_dict()))
    baseline = 0.17
    solved_below = 0.05 * baseline if config.task == "adding" else None
    models: dict[str, object] = {}
    for model in config.models:
        seeds = []
        for k in range(config.seeds):
            loss = made_up_loss(config, model, config.seed + k)
            solved = 7 if solved_below is not None and loss <= solved_below else None
            seeds.append(
                {
                    "seed": config.seed + k,
                    "status": "finished",
                    "epochs_done": config.epochs,
                    "final_val_loss": loss,
                    "best_val_loss": loss * 0.9,
                    "best_epoch": config.epochs - 1,
                    "solved_epoch": solved,
                    "forecast_rmse": math.sqrt(loss),
                    "seconds": 1.5,
                }
            )
        entry: dict[str, object] = (
            dict(seeds[0])
            if config.seeds == 1
            else {
                "status": "finished",
                "epochs_done": config.epochs,
                "final_val_loss": seeds[0]["final_val_loss"],
                "seeds": seeds,
                "n_seeds": config.seeds,
            }
        )
        models[model] = entry
    metrics = {"status": "finished", "baseline_val_loss": baseline, "solved_below": solved_below, "models": models}
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return PointDone(job.index, "finished", "", 0.01)


def dying_point(job: PointJob, send: Send) -> PointDone:
    """Every point's worker dies (as one killed by the OOM killer) — but the second point only on attempt 1."""
    send(PointStarted(job.index, job.attempt))
    if job.index == 0 or job.attempt == 1:
        os._exit(9)
    return fake_point(job, send)  # riders of a pack (none in the tests that use it) are answered there too


def slow_point(job: PointJob, send: Send) -> PointDone:
    """A point (every point of a pack) that trains for a minute: long enough to be stopped while it runs."""
    for point in job.written:
        send(PointStarted(point.index, job.attempt))
        Path(point.run_dir).mkdir(parents=True)
    time.sleep(60)
    return fake_point(job, send)


class Inline:
    """An executor that runs each point in this process as it is submitted (no worker processes)."""

    def __init__(self, work: Work = fake_point) -> None:
        self.capacity = 1
        self.work = work
        self.messages: list[Message] = []

    def submit(self, job: PointJob) -> None:
        self.messages.append(self.work(job, self.messages.append))

    def busy(self) -> int:
        return sum(isinstance(m, PointDone) for m in self.messages)

    def poll(self, timeout: float) -> list[Message]:
        messages, self.messages = self.messages, []
        return messages

    def cancel(self) -> None:
        self.messages.clear()

    def close(self) -> None:
        self.messages.clear()
