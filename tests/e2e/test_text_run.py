"""The text task on real Keras: sampling is reproducible with a seed, and a text run writes its samples,
accuracy and perplexity (moved from tests/engine/test_text.py: they load Keras)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine.config.tasks import for_task
from engine.data.datasets import make_dataset
from engine.report.events import SampleReport


def test_sampling_is_reproducible_with_a_seed() -> None:
    from engine.train.forecast import make_sampler
    from engine.train.models import build_for

    config = for_task("text", units=8, max_windows=2000)
    data = make_dataset(config)
    model = build_for("lstm", config, data)
    first = make_sampler(model, data, config)("lstm", 3, False)
    assert isinstance(first, SampleReport) and len(first.text) > 100 and set(first.text) <= set(data.vocab)
    assert make_sampler(model, data, config)("lstm", 3, False).text == first.text
    other = config.replace(seed=1)
    assert make_sampler(model, data, other)("lstm", 3, False).text != first.text
    assert 0.0 <= first.grammatical <= 1.0 or np.isnan(first.grammatical)


def test_a_text_run_writes_samples_accuracy_and_perplexity(tmp_path: Path) -> None:
    from engine.experiment import run_experiment

    config = for_task("text", units=8, epochs=2, forecast_every=1, max_windows=2000, models=("rnn",), xla=False)
    events: list[object] = []
    run_experiment(config, tmp_path / "run", events.append)
    samples = (tmp_path / "run" / "samples.txt").read_text(encoding="utf-8")
    assert samples.count("=== rnn, epoch") == 3 and "(final)" in samples  # previews at 1 and 2, then the final
    header = (tmp_path / "run" / "history.csv").read_text().splitlines()[0]
    assert header == "model,epoch,loss,val_loss,seconds,accuracy,val_accuracy,seed"
    model = json.loads((tmp_path / "run" / "metrics.json").read_text())["models"]["rnn"]
    assert 0 < model["final_val_accuracy"] <= 1
    assert model["perplexity"] == pytest.approx(np.exp(model["final_val_loss"]))
    assert 0 <= model["grammatical"] <= 1
    assert any(isinstance(e, SampleReport) and e.final for e in events)
