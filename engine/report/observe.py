"""The Guide: each task's lesson (a Markdown file with the run's own numbers filled in) and observations.

An observation is a sentence computed by a rule from the run's own numbers, with the numbers it
rests on. A rule speaks only when its condition holds, and says no more than its numbers show.
Nothing here imports TensorFlow: the TUI calls it live, the engine at the end of a run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.config.choices import LAYER_NAMES, MIN_KINDS
from engine.config.config import Config
from engine.data.datasets import make_dataset
from engine.report.events import Forecast, InsideReport, SampleReport
from engine.report.metrics import LossTrack

GUIDES = Path(__file__).with_name("guides")
TREND_FRACTION = 0.2
"""The trend rule looks at the last fifth of the epochs."""
DRIFT_FRACTION = 0.1
"""A forecast has departed from the truth once it is off by more than this fraction of the truth's range."""


@dataclass
class Evidence:
    """What the rules look at: the run's settings and what it has produced so far."""

    config: Config
    tracks: dict[str, LossTrack]
    params: dict[str, int] = field(default_factory=dict)
    forecasts: dict[str, Forecast] = field(default_factory=dict)
    baseline: float = math.nan
    samples: dict[str, SampleReport] = field(default_factory=dict)
    inside: dict[str, InsideReport] = field(default_factory=dict)
    """The latest look inside each model."""


def e(value: float) -> str:
    """A loss as the tables show it."""
    return f"{value:.2e}" if math.isfinite(value) else "—"


def guide_text(config: Config, params: dict[str, int]) -> str:
    """The task's guide with this run's numbers filled in."""
    data = make_dataset(config)
    models = ", ".join(f"{m} ({params[m]:,} parameters)" if m in params else m for m in config.models)
    facts = {
        **config.to_dict(),
        "n_windows": len(data.targets),
        "n_train": data.n_train,
        "n_val": len(data.targets) - data.n_train,
        "points": len(data.y) if data.per_step else config.points,
        "forecast_steps": data.forecast_steps,
        "models_line": f"Models: {models}.",
        "noise_line": f"Training windows carry Gaussian noise of σ = {config.noise:g}; validation and truth are clean."
        if config.noise
        else "",
        "column": repr(data.column),
        "half_length": config.length // 2,
        "source": "the built-in embedded Reber grammar" if data.source.startswith("built-in") else data.source,
        "n_chars": len(data.vocab),
        "stride_line": f"Every {data.stride}th window is kept ({len(data.targets):,})." if data.stride > 1 else "",
    }
    text = (GUIDES / f"{config.task}.md").read_text(encoding="utf-8").format_map(facts)
    minimal = [LAYER_NAMES[m] for m in config.models if m in MIN_KINDS]
    if minimal:  # what the models without a recurrent gate are, next to the task's own guide
        text += (GUIDES / "minimal.md").read_text(encoding="utf-8").format(min_names=" and ".join(minimal))
    return text


def observations(evidence: Evidence) -> list[str]:
    """Every rule that has something to say about the run, in a fixed order."""
    said: list[str] = []
    rules = (val_below_train, trend, capacity, against_baseline, solved, drift, oscillation, grammar, gradient_reach)
    for rule in rules:
        said += rule(evidence)
    return said


def _finished(evidence: Evidence) -> dict[str, LossTrack]:
    """The models with a finite last val loss, in the configured order."""
    tracks = evidence.tracks
    return {
        m: tracks[m]
        for m in evidence.config.models
        if m in tracks and tracks[m].val_loss and math.isfinite(tracks[m].val_loss[-1])
    }


def val_below_train(evidence: Evidence) -> list[str]:
    """Validation loss far below the training loss, and (for the seed's series) why."""
    said = []
    for model, track in _finished(evidence).items():
        ratio = track.loss[-1] / track.val_loss[-1] if track.val_loss[-1] > 0 else math.nan
        if ratio >= 3:
            said.append(
                f"{model}'s val loss ({e(track.val_loss[-1])}) is {ratio:.0f}× lower than its training loss "
                f"({e(track.loss[-1])})."
            )
    if said and evidence.config.task == "damped":
        data = make_dataset(evidence.config)
        start = float(np.max(np.abs(data.y[: evidence.config.window])))
        held_out = float(np.max(np.abs(data.y[data.n_train :])))
        said.append(
            f"Why: the held-out windows are the last ones, where the oscillation has decayed to "
            f"{100 * held_out / start:.0f} % of its starting amplitude (max |y| {held_out:.3f} vs {start:.3f}); "
            "small values make small errors."
        )
    return said


def trend(evidence: Evidence) -> list[str]:
    """Whether each model's val loss is still falling, has levelled off, or is rising (last fifth of the epochs)."""
    said = []
    for model, track in _finished(evidence).items():
        span = int(len(track.val_loss) * TREND_FRACTION)
        if span < 5:
            continue
        segment = np.asarray(track.val_loss[-span:], dtype=float)
        edge = max(1, span // 10)
        before, after = float(np.mean(segment[:edge])), float(np.mean(segment[-edge:]))
        change = (after - before) / before if before > 0 else math.nan
        numbers = f"{100 * change:+.0f} % over the last {span} epochs (mean {e(before)} → {e(after)})"
        if change < -0.1:
            said.append(f"{model}'s val loss is still falling: {numbers}.")
        elif change > 0.1:
            said.append(f"{model}'s val loss is rising: {numbers}.")
        elif abs(change) < 0.05:
            said.append(f"{model}'s val loss has levelled off: {numbers}.")
    return said


def capacity(evidence: Evidence) -> list[str]:
    """Parameters next to results, for each pair of models."""
    finished = _finished(evidence)
    models = [m for m in evidence.config.models if m in finished and m in evidence.params]
    said = []
    for i, small in enumerate(models):
        for large in models[i + 1 :]:
            a, b = sorted((small, large), key=lambda m: evidence.params[m])
            times = evidence.params[b] / evidence.params[a]
            va, vb = finished[a].val_loss[-1], finished[b].val_loss[-1]
            text = (
                f"{b} has {times:.1f}× the parameters of {a} ({evidence.params[b]:,} vs {evidence.params[a]:,}) "
                f"and ends with a {'lower' if vb < va else 'higher'} val loss ({e(vb)} vs {e(va)})"
            )
            fa, fb = evidence.forecasts.get(a), evidence.forecasts.get(b)
            if fa is not None and fb is not None and math.isfinite(fa.rmse) and math.isfinite(fb.rmse):
                better = "better" if fb.rmse < fa.rmse else "worse"
                text += f" and a {better} forecast (RMSE {fb.rmse:.3f} vs {fa.rmse:.3f})"
            said.append(text + ".")
    return said


def against_baseline(evidence: Evidence) -> list[str]:
    """Each model's val loss against the trivial answer's."""
    if not evidence.baseline > 0:
        return []
    said = []
    for model, track in _finished(evidence).items():
        val = track.val_loss[-1]
        if val >= evidence.baseline:
            said.append(
                f"{model}'s val loss ({e(val)}) is not below the baseline's ({e(evidence.baseline)}): "
                "it does no better than the trivial answer on the held-out data."
            )
        else:
            said.append(
                f"{model}'s val loss is {evidence.baseline / val:.1f}× below the baseline's "
                f"({e(val)} vs {e(evidence.baseline)})."
            )
    return said


def solved(evidence: Evidence) -> list[str]:
    """Which models reached the task's "solved" mark, and when."""
    said = []
    for model, track in _finished(evidence).items():
        if track.solved_below is None:
            continue
        if track.solved_epoch:
            said.append(f"{model} solved the task at epoch {track.solved_epoch} (val loss ≤ {e(track.solved_below)}).")
        else:
            said.append(
                f"{model} has not solved the task: best val loss {e(track.best_val)}, "
                f"the mark is {e(track.solved_below)}, the baseline {e(evidence.baseline)}."
            )
    return said


def _closed_loop(evidence: Evidence) -> list[tuple[str, Forecast, int]]:
    """Each series task's finite closed-loop forecast, with the index where its horizon's second half starts."""
    if evidence.config.task not in ("damped", "sine", "csv"):
        return []
    return [
        (model, f, len(f.truth) // 2)
        for model, f in evidence.forecasts.items()
        if len(f.truth) >= 2 and np.all(np.isfinite(f.predicted))
    ]


def drift(evidence: Evidence) -> list[str]:
    """Where each closed-loop forecast first leaves the truth, and its error in each half of the horizon."""
    said = []
    for model, f, half in _closed_loop(evidence):
        off = np.abs(f.predicted - f.truth)
        limit = DRIFT_FRACTION * float(np.ptp(f.truth))
        first = int(np.argmax(off > limit)) if np.any(off > limit) else None
        halves = (float(np.sqrt(np.mean(off[:half] ** 2))), float(np.sqrt(np.mean(off[half:] ** 2))))
        where = (
            (
                f"first departs from the truth by more than {limit:.3g} ({100 * DRIFT_FRACTION:.0f} % of its range) "
                f"at x = {f.x[first]:.3g}, step {first + 1} of {len(off)}"
            )
            if first is not None
            else f"never departs from the truth by more than {limit:.3g}"
        )
        said.append(
            f"{model}'s forecast {where}; RMSE {halves[0]:.3f} over the first half of the horizon, "
            f"{halves[1]:.3f} over the second."
        )
    return said


def oscillation(evidence: Evidence) -> list[str]:
    """Whether each forecast keeps swinging or flattens, against the truth over the second half of the horizon."""
    said = []
    for model, f, half in _closed_loop(evidence):
        spans = float(np.ptp(f.predicted[half:])), float(np.ptp(f.truth[half:]))
        numbers = f"over the second half of the horizon it spans {spans[0]:.3f}, the truth {spans[1]:.3f}"
        if spans[0] > 2 * spans[1]:
            said.append(f"{model}'s forecast keeps oscillating: {numbers}.")
        elif spans[0] < 0.5 * spans[1]:
            said.append(f"{model}'s forecast flattens: {numbers}.")
    return said


def grammar(evidence: Evidence) -> list[str]:
    """The built-in corpus: how grammatical each model's latest text is."""
    return [
        f"{model}'s latest text (epoch {s.epoch}) is {100 * s.grammatical:.0f} % grammatical "
        f"(complete strings the embedded Reber grammar accepts)."
        for model, s in evidence.samples.items()
        if math.isfinite(s.grammatical)
    ]


def gradient_reach(evidence: Evidence) -> list[str]:
    """How much of the last step's gradient reaches the window's first input, per model."""
    said = []
    for model in evidence.config.models:
        report = evidence.inside.get(model)
        if report is None or len(report.gradient) < 2 or not report.gradient[0] > 0:
            continue
        lag = len(report.gradient) - 1
        ratio = report.gradient[lag] / report.gradient[0]
        said.append(f"{model}: the gradient at lag {lag} is {ratio:.1e} of lag 0 (epoch {report.epoch}).")
    return said


def observations_markdown(said: list[str]) -> str:
    """The observations as a Markdown section (``observations.md`` and the Guide tab)."""
    body = (
        "\n".join(f"- {sentence}" for sentence in said) or "- Nothing to observe yet: the rules need finished epochs."
    )
    return f"## Observations from this run\n\n{body}\n"


def window_picture(config: Config) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """What the Guide draws for a series task: the series, its first window, that window's next value,
    and the held-out part — as (label, x, y) in the series' units. Empty for the other tasks."""
    data = make_dataset(config)
    if not data.per_step:
        return []
    w, held_out = config.window, data.n_train + config.window
    first = data.n_train // 2  # a window in the middle, clear of the legend in the top left corner
    return [
        ("trained on", data.x[:held_out], data.y[:held_out]),
        (f"one window: {w} values", data.x[first : first + w], data.y[first : first + w]),
        ("its target: the next value", data.x[first + w : first + w + 1], data.y[first + w : first + w + 1]),
        ("held-out part", data.x[held_out - 1 :], data.y[held_out - 1 :]),
    ]
