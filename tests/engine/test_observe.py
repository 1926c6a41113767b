"""The Guide's rules on hand-made runs: each speaks where its numbers say so, and stays silent otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from engine.config.choices import TASKS
from engine.config.config import DEFAULT
from engine.config.tasks import for_task
from engine.report.events import Forecast, SampleReport
from engine.report.metrics import LossTrack
from engine.report.observe import (
    GUIDES,
    Evidence,
    against_baseline,
    capacity,
    drift,
    grammar,
    guide_text,
    observations,
    oscillation,
    solved,
    trend,
    val_below_train,
    window_picture,
)


def track(losses: list[float], vals: list[float], solved_below: float | None = None) -> LossTrack:
    made = LossTrack(solved_below=solved_below)
    for epoch, (loss, val) in enumerate(zip(losses, vals, strict=True), 1):
        made.add_losses(epoch, loss, val)
    return made


def evidence(**tracks: LossTrack) -> Evidence:
    return Evidence(DEFAULT, tracks, {"rnn": 1721, "lstm": 6761}, baseline=1e-3)


def test_val_far_below_train_speaks_with_the_amplitude_reason() -> None:
    said = val_below_train(evidence(rnn=track([1e-3] * 3, [1e-5] * 3)))
    assert said[0] == "rnn's val loss (1.00e-05) is 100× lower than its training loss (1.00e-03)."
    assert "decayed to 8 % of its starting amplitude" in said[1]
    assert val_below_train(evidence(rnn=track([1e-3] * 3, [5e-4] * 3))) == []  # only 2×: silent


@pytest.mark.parametrize(
    ("vals", "expected"),
    [
        (list(np.linspace(1.0, 0.5, 100)), "still falling: -"),
        (list(np.linspace(0.5, 1.0, 100)), "rising: +"),
        ([0.5] * 100, "levelled off: +0 %"),
    ],
)
def test_the_trend_of_the_last_fifth(vals: list[float], expected: str) -> None:
    (said,) = trend(evidence(rnn=track([1.0] * 100, vals)))
    assert expected in said and "over the last 20 epochs" in said


def test_the_trend_is_silent_on_short_runs_and_small_wobbles() -> None:
    assert trend(evidence(rnn=track([1.0] * 10, [0.5] * 10))) == []  # 2 epochs in the last fifth: too few
    wobble = [0.5] * 80 + list(np.linspace(0.5, 0.535, 20))  # about +6 % over the last fifth: neither
    assert trend(evidence(rnn=track([1.0] * 100, wobble))) == []


def test_capacity_and_baseline_state_the_numbers() -> None:
    runs = evidence(rnn=track([1e-3], [2e-3]), lstm=track([1e-3], [5e-4]))
    (said,) = capacity(runs)
    assert (
        said
        == "lstm has 3.9× the parameters of rnn (6,761 vs 1,721) and ends with a lower val loss (5.00e-04 vs 2.00e-03)."
    )
    assert against_baseline(runs) == [
        "rnn's val loss (2.00e-03) is not below the baseline's (1.00e-03): it does no better than the trivial answer "
        "on the held-out data.",
        "lstm's val loss is 2.0× below the baseline's (5.00e-04 vs 1.00e-03).",
    ]
    assert capacity(evidence(rnn=track([1e-3], [2e-3]))) == []  # one model: nothing to compare


def test_solved_speaks_only_for_tasks_with_a_mark() -> None:
    runs = evidence(
        rnn=track([0.2, 0.2], [0.17, 0.16], solved_below=0.008), lstm=track([0.1, 0.01], [0.1, 0.005], 0.008)
    )
    assert solved(runs) == [
        "rnn has not solved the task: best val loss 1.60e-01, the mark is 8.00e-03, the baseline 1.00e-03.",
        "lstm solved the task at epoch 2 (val loss ≤ 8.00e-03).",
    ]
    assert solved(evidence(rnn=track([0.2], [0.1]))) == []


def forecast(predicted: np.ndarray, truth: np.ndarray) -> Forecast:
    x = np.arange(len(truth), dtype=float)
    return Forecast(x.astype(int), x, truth, predicted, float(np.sqrt(np.mean((predicted - truth) ** 2))))


def test_drift_and_oscillation_of_a_forecast() -> None:
    truth = np.cos(np.linspace(0, 6, 100)) * np.exp(-np.linspace(0, 3, 100))
    swinging = np.cos(np.linspace(0, 6, 100))
    flat = np.concatenate([truth[:50], np.zeros(50)])
    runs = evidence()
    runs.forecasts = {"rnn": forecast(swinging, truth), "lstm": forecast(flat, truth), "gru": forecast(truth, truth)}
    said = drift(runs)
    assert said[0].startswith("rnn's forecast first departs from the truth by more than") and "step " in said[0]
    assert said[2].startswith("gru's forecast never departs")
    osc = oscillation(runs)
    assert osc[0].startswith("rnn's forecast keeps oscillating: over the second half of the horizon it spans 1.")
    spans = f"it spans 0.000, the truth {np.ptp(truth[50:]):.3f}"
    assert osc[1] == f"lstm's forecast flattens: over the second half of the horizon {spans}."
    assert len(osc) == 2  # the perfect one: silent


def test_grammar_and_the_whole_list() -> None:
    runs = evidence(rnn=track([1.0], [0.5]))
    runs.samples = {"lstm": SampleReport("lstm", 4, "B", "TXSE", 0.75), "rnn": SampleReport("rnn", 4, "", "ab")}
    assert grammar(runs) == [
        "lstm's latest text (epoch 4) is 75 % grammatical (complete strings the embedded Reber grammar accepts)."
    ]
    assert observations(evidence()) == []  # nothing finished yet: every rule is silent


@pytest.mark.parametrize("task", TASKS)
def test_every_task_has_a_guide_filled_with_the_runs_numbers(task: str) -> None:
    assert (GUIDES / f"{task}.md").is_file()
    config = for_task(task) if task != "csv" else None
    if config is not None:
        text = guide_text(config, {"rnn": 1721})
        assert "{" not in text and "rnn (1,721 parameters)" in text
    if task == "damped":
        assert (
            "keeps the **last** 18 windows for validation" in text
            and "feeds its own predictions back in, 180 times" in text
        )
        labels = [label for label, _, _ in window_picture(DEFAULT)]
        assert labels == ["trained on", "one window: 20 values", "its target: the next value", "held-out part"]
    if task == "adding":
        assert window_picture(for_task("adding")) == []


def test_the_guide_explains_the_minimal_models_only_when_they_train() -> None:
    with_them = guide_text(for_task("adding", models=("lstm", "minlstm")), {"lstm": 6761, "minlstm": 281})
    assert "## The minimal models: minLSTM come from" not in with_them  # named as a list, in order
    assert "minLSTM come from Feng et al. (2024)" in with_them and "**linear recurrence**" in with_them
    assert "h_{t−1}" in with_them and "{" not in with_them.replace("h_{t−1}", "")
    assert "minimal models" not in guide_text(for_task("adding", models=("rnn", "lstm")), {})
