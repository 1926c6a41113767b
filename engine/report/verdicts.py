"""What a run with several seeds says: per-seed figures, their spread, the verdicts, and their tables.

``metrics.json`` keeps each model's usual keys, filled with the **median over its seeds**, plus
``seeds`` (each seed's figures), ``spread`` (mean, sd, min, median, max and n of each figure)
and, at the top, ``verdicts``. The headless output and the Metrics tab print the same tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from engine.config.choices import LAYER_NAMES
from engine.report.events import Status, number, status_text
from engine.report.metrics import LOSS_FORMAT, RMSE_FORMAT, LossTrack, aligned, model_metrics
from engine.report.spread import Verdict, summary, verdict

SERIES_FIGURES = {
    "final_val_loss": "final val loss",
    "best_val_loss": "best val loss",
    "forecast_rmse": "forecast RMSE",
}
"""Figures whose spread over seeds is shown for a regression task, with their headings."""
TEXT_FIGURES = {
    "final_val_loss": "final val loss",
    "best_val_loss": "best val loss",
    "final_val_accuracy": "val accuracy",
}
AVERAGED: tuple[str, ...] = ("final_loss", "final_val_loss", "best_val_loss", "forecast_rmse", "final_accuracy")
AVERAGED += ("final_val_accuracy", "perplexity", "grammatical")
"""Per-seed figures whose median stands for the model in the usual table."""
VERDICT_FIGURE = ("final_val_loss", "final val loss")
"""The figure the verdict compares: what a model ends its training at, on windows it never saw."""


def seed_metrics(
    seed: int,
    track: LossTrack,
    params: int,
    status: Status,
    diverged_at: int | None,
    epochs_done: int,
    seconds: float,
    extra: dict[str, float],
) -> dict[str, object]:
    """One seed's entry in ``metrics.json``: the single-run figures, its seed, and its own status."""
    own_status, epochs = (Status.DIVERGED, diverged_at) if diverged_at is not None else (status, epochs_done)
    figures = model_metrics(track, params, own_status, epochs, seconds, None)
    # A diverged seed is left out of every median and spread: its figures are those of no model.
    if diverged_at is not None:
        blank = {key: math.nan for key in AVERAGED}
        figures |= {**blank, "best_epoch": None, "solved_epoch": None}
    return {"seed": seed, **figures, **extra}


def model_summary(
    per_seed: list[dict[str, object]], params: int, status: Status, epochs_done: int, seconds: float
) -> dict[str, object]:
    """A model's entry in ``metrics.json`` for a run with several seeds (medians, spread, seeds)."""
    figures = {key: summary([_float(s.get(key)) for s in per_seed]) for key in AVERAGED}
    solved = [s["solved_epoch"] for s in per_seed if s.get("solved_epoch")]
    return {
        "params": params,
        "status": status,
        "epochs_done": epochs_done,
        **{key: figure["median"] for key, figure in figures.items()},
        "best_epoch": None,  # a median of best losses has no one epoch: each seed's is under "seeds"
        "solved_epoch": None,
        "solved_in": len(solved),
        "seconds": round(seconds, 3),
        "first_epoch_seconds": per_seed[0]["first_epoch_seconds"] if per_seed else math.nan,
        "epochs_per_second": per_seed[0]["epochs_per_second"] if per_seed else math.nan,
        "n_seeds": len(per_seed),
        "finite_seeds": int(figures["final_val_loss"]["n"]),
        "spread": figures,
        "seeds": per_seed,
    }


def _float(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan


def display_name(model: str) -> str:
    """``lstm`` → ``LSTM``, as verdicts name models."""
    return LAYER_NAMES.get(model, model)


def pair_verdicts(models: dict[str, dict[str, Any]]) -> list[Verdict]:
    """A verdict for each pair of models with several seeds: the later-listed model first (LSTM vs SimpleRNN)."""
    key, heading = VERDICT_FIGURE
    names = [name for name, m in models.items() if m.get("seeds")]
    verdicts = []
    for i, older in enumerate(names):
        for newer in names[i + 1 :]:
            values = {name: [_float(s.get(key)) for s in models[name]["seeds"]] for name in (older, newer)}
            verdicts.append(verdict(display_name(newer), values[newer], display_name(older), values[older], heading))
    return verdicts


def verdict_record(v: Verdict) -> dict[str, object]:
    """A verdict as ``metrics.json`` keeps it."""
    return {
        "first": v.first,
        "second": v.second,
        "figure": v.figure,
        "lower_in": v.lower_in,
        "pairs": v.pairs,
        "median_ratio": v.median_ratio,
        "interval": list(v.interval) if v.interval else None,
        "conclusion": v.conclusion,
        "text": v.text,
    }


def spread_rows(models: dict[str, dict[str, Any]], task: str) -> list[list[str]]:
    """The spread table: a heading row, then per model and figure mean ± sd, min, median, max, n of N."""
    figures = TEXT_FIGURES if task == "text" else SERIES_FIGURES
    rows = [["model", "figure", "mean ± sd", "min", "median", "max", "n"]]
    for name, m in models.items():
        for key, heading in figures.items():
            s = m.get("spread", {}).get(key)
            if not s:
                continue
            fmt = RMSE_FORMAT if key in ("forecast_rmse", "final_val_accuracy") else LOSS_FORMAT
            mean_sd = f"{number(s['mean'], fmt)} ± {number(s['sd'], fmt)}" if s["n"] else "—"
            cells = [number(s[k], fmt) for k in ("min", "median", "max")]
            rows.append([name, heading, mean_sd, *cells, f"{s['n']} of {s['of']}"])
    return rows


def seed_rows(models: dict[str, dict[str, Any]], task: str) -> list[list[str]]:
    """The per-seed table: one row per model and seed."""
    text = task == "text"
    last = ("val accuracy", "final_val_accuracy", "{:.3f}") if text else ("forecast RMSE", "forecast_rmse", RMSE_FORMAT)
    rows = [["model", "seed", "status", "final val loss", "best val (epoch)", last[0]]]
    for name, m in models.items():
        for s in m.get("seeds", []):
            best = f"{number(s['best_val_loss'], LOSS_FORMAT)} ({s['best_epoch']})" if s.get("best_epoch") else "—"
            status = status_text(str(s["status"]), s["epochs_done"], s.get("solved_epoch"))
            final = number(s["final_val_loss"], LOSS_FORMAT)
            rows.append([name, str(s["seed"]), status, final, best, number(s.get(last[1]), last[2])])
    return rows


def seeds_text(models: dict[str, dict[str, Any]], task: str, verdicts: Sequence[str]) -> str:
    """The end of the headless output for a run with several seeds: spread, each seed, the verdicts."""
    if not any(m.get("seeds") for m in models.values()):
        return ""
    parts = [
        "Each model's row above holds the median over its seeds. Spread over seeds:",
        aligned(spread_rows(models, task)),
        "Each seed:",
        aligned(seed_rows(models, task)),
        *(f"Verdict: {text}" for text in verdicts),
    ]
    return "\n".join(parts) + "\n"
