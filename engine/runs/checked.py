"""A saved run's JSON files, checked before anything reads them: no value of the wrong type gets through.

``config.json`` is checked by each setting's own declaration (:meth:`Config.saved_values`);
``metrics.json`` against the shape the engine writes (:func:`engine.report.metrics.model_metrics`,
:func:`engine.report.verdicts.model_summary`). What does not fit is named, once, in words a person
can act on (the file, the key, the value as saved, what is allowed) and left out: every reader
after this one may index the figures it expects without guarding against strings, lists or nulls.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from engine.config.choices import MODEL_KINDS
from engine.config.config import SETTING, Config, phrase
from engine.report.events import Status
from engine.settings.declare import ECHO, Setting, shorten

FIGURES = (
    "final_loss",
    "final_val_loss",
    "best_val_loss",
    "forecast_rmse",
    "seconds",
    "first_epoch_seconds",
    "epochs_per_second",
    "final_accuracy",
    "final_val_accuracy",
    "perplexity",
    "grammatical",
)
"""A model's figures that are floats (NaN where the engine had none: it writes them as null)."""
COUNTS = ("params", "epochs_done")
"""Whole numbers every model has; NaN when missing or damaged (shown as a dash or ``nan``, never invented)."""
OPTIONAL_COUNTS = ("n_seeds", "finite_seeds", "solved_in")
"""Whole numbers only some entries have (a run with several seeds); left out when damaged."""
EPOCHS = ("best_epoch", "solved_epoch")
"""An epoch or null."""
SPREAD_FIGURES = ("mean", "sd", "min", "median", "max")
SPREAD_COUNTS = ("n", "of")
LARGEST = 2**53
"""Above this an integer is no count a run writes (and ``float()`` of a 400-digit one raises)."""
STATUSES = tuple(status.value for status in Status)
SHOWN_PROBLEMS = 3
"""Problems of one file named in full; the rest are counted."""


def saved_text(value: object) -> str:
    """A value as the file holds it, shortened: ``"1500"`` (text) reads apart from ``1500`` (a number)."""
    try:
        text = json.dumps(list(value) if isinstance(value, tuple) else value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return shorten(text, ECHO)


def saved_reason(spec: Setting, value: object) -> str:
    """Why a saved value does not fit ``spec``, in a few words: its JSON type when that is the trouble."""
    types = {str: "text", bool: "true or false", type(None): "null", tuple: "a list", dict: "an object"}
    found = types.get(type(value), "a number")
    if spec.kind in ("int", "float"):
        if found != "a number":
            return f"{found}, not a number"
        if isinstance(value, float) and not math.isfinite(value):
            return "not finite"
        return "not a whole number" if spec.kind == "int" and isinstance(value, float) else "out of range"
    wanted = {"bool": "true or false", "text": "text", "choice": "text", "list": "a list"}[spec.kind]
    if found != wanted:
        return f"{found}, not {wanted}"
    return "not a list of distinct names" if spec.kind == "list" else "not one of the choices"


def check_config(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """The settings of ``config.json`` that fit their declarations (JSON form: ``models`` a list), each
    other one's value as saved, and a phrase for each of those:
    ``epochs "1500": text, not a number; allowed: an integer from 1 to 1000000``."""
    values, errors = Config.saved_values(data)
    bad = {name: saved_text(data.get(name, error.value)) for name, error in errors.items()}
    for name, error in errors.items():
        error.reason = saved_reason(SETTING[name], error.value)
    problems = [phrase(error, name, bad[name]) for name, error in errors.items()]
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}, bad, problems


def summarised(file: str, problems: list[str]) -> str:
    """``file: first; second; third (and N more)`` — one line, however damaged the file."""
    if not problems:
        return ""
    more = len(problems) - SHOWN_PROBLEMS
    return f"{file}: " + "; ".join(problems[:SHOWN_PROBLEMS]) + (f" (and {more} more)" if more > 0 else "")


class _Checker:
    """Collects what is wrong while a ``metrics.json`` is copied into its expected shape."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def wrong(self, where: str, value: object, allowed: str) -> None:
        self.problems.append(f"{where} {saved_text(value)}: not allowed; allowed: {allowed}")

    def figure(self, where: str, value: object) -> float:
        if value is None:  # how the engine writes NaN
            return math.nan
        if isinstance(value, float):
            return value
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= LARGEST:
            return float(value)
        self.wrong(where, value, "a number or null")
        return math.nan

    def count(self, where: str, value: object) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= LARGEST:
            return value
        self.wrong(where, value, f"a whole number from 0 to {LARGEST}")
        return None

    def text(self, where: str, value: object, choices: tuple[str, ...] = ()) -> str | None:
        if isinstance(value, str) and (not choices or value in choices):
            return shorten(value, 200)
        self.wrong(where, value, f"one of {', '.join(choices)}" if choices else "text")
        return None

    def model(self, where: str, raw: dict[str, Any], counts: tuple[str, ...] = COUNTS) -> dict[str, Any]:
        """One model's (or, with ``seed`` among ``counts``, one seed's) entry, every expected key present with
        its type."""
        entry: dict[str, Any] = {}
        status = raw.get("status")
        entry["status"] = (self.text(f"{where}.status", status, STATUSES) if status is not None else None) or "unknown"
        for key in FIGURES:
            entry[key] = self.figure(f"{where}.{key}", raw.get(key))
        for key in counts:
            found = self.count(f"{where}.{key}", raw[key]) if key in raw else None
            entry[key] = found if found is not None else math.nan
        for key in OPTIONAL_COUNTS:
            if key in raw and (found := self.count(f"{where}.{key}", raw[key])) is not None:
                entry[key] = found
        for key in EPOCHS:
            value = raw.get(key)
            entry[key] = None if value is None else self.count(f"{where}.{key}", value)
        if "seeds" in raw:
            seeds = raw["seeds"]
            if isinstance(seeds, list) and all(isinstance(s, dict) for s in seeds):
                entry["seeds"] = [self.model(f"{where}.seeds[{k}]", s, (*COUNTS, "seed")) for k, s in enumerate(seeds)]
            else:
                self.wrong(f"{where}.seeds", seeds, "a list of objects")
        if "spread" in raw:
            entry["spread"] = self.spread(f"{where}.spread", raw["spread"])
        return entry

    def spread(self, where: str, raw: object) -> dict[str, dict[str, float | int]]:
        if not isinstance(raw, dict):
            self.wrong(where, raw, "an object")
            return {}
        spread: dict[str, dict[str, float | int]] = {}
        for key, figure in raw.items():
            if not isinstance(figure, dict):
                self.wrong(f"{where}.{key}", figure, "an object")
                continue
            at = f"{where}.{key}"
            values: dict[str, float | int] = {k: self.figure(f"{at}.{k}", figure.get(k)) for k in SPREAD_FIGURES}
            counts = {k: self.count(f"{at}.{k}", figure.get(k)) for k in SPREAD_COUNTS}
            if all(c is not None for c in counts.values()):
                spread[key] = {**values, **{k: c for k, c in counts.items() if c is not None}}
        return spread


DATA_SHAPES: dict[str, dict[str, str]] = {
    "stride": {"source": "text", "distinct_characters": "count", "stride": "count", "windows": "count"},
    "column": {"column": "text", "values": "count", "mean": "figure", "std": "figure"},
}
"""The two forms of ``config.json``'s ``data`` (:func:`engine.data.datasets.describe`): a text's, a CSV's."""


def check_data(raw: object) -> tuple[dict[str, Any], list[str]]:
    """``config.json``'s ``data`` (what a text or CSV run learned from) if every figure fits, else ``{}`` and why."""
    if raw is None:
        return {}, []
    checker = _Checker()
    shape = next((s for key, s in DATA_SHAPES.items() if isinstance(raw, dict) and key in raw), None)
    if shape is None or not isinstance(raw, dict):
        checker.wrong("data", raw, "an object as a text or CSV run writes it")
        return {}, checker.problems
    read: dict[str, Callable[[str, object], object]] = {
        "text": checker.text,
        "count": checker.count,
        "figure": checker.figure,
    }
    about = {key: read[kind](f"data.{key}", raw.get(key)) for key, kind in shape.items()}
    return (about, []) if not checker.problems else ({}, checker.problems)


def check_metrics(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``metrics.json`` in the shape its readers expect, and what in it did not fit (then left out or NaN).

    Models are kept only under the names the engine builds (a name becomes a widget id in the app);
    a model's entry always has its status, figures and counts, so a table can index them.
    """
    checker = _Checker()
    metrics: dict[str, Any] = {}
    if "status" in raw and (status := checker.text("status", raw["status"], STATUSES)) is not None:
        metrics["status"] = status
    for key in ("device", "backend", "note"):
        if key in raw and (text := checker.text(key, raw[key])) is not None:
            metrics[key] = text
    for key in ("baseline_val_loss", "solved_below"):
        if key in raw:
            value = checker.figure(key, raw[key])
            metrics[key] = value if math.isfinite(value) else None
    if "seeds" in raw and (seeds := checker.count("seeds", raw["seeds"])) is not None:
        metrics["seeds"] = seeds
    verdicts = raw.get("verdicts", [])
    if isinstance(verdicts, list) and all(isinstance(v, dict) and isinstance(v.get("text"), str) for v in verdicts):
        metrics["verdicts"] = [{"text": shorten(v["text"], 400)} for v in verdicts]
    else:
        checker.wrong("verdicts", verdicts, "a list of objects with a text")
    models = raw.get("models", {})
    metrics["models"] = {}
    if not isinstance(models, dict):
        checker.wrong("models", models, "an object of models")
        models = {}
    for name, entry in models.items():
        if name not in MODEL_KINDS or not isinstance(entry, dict):
            allowed = f"an object under one of {', '.join(MODEL_KINDS)}"
            checker.problems.append(f"models.{shorten(name, ECHO)}: not allowed; allowed: {allowed}")
            continue
        metrics["models"][name] = checker.model(f"models.{name}", entry)
    return metrics, checker.problems
