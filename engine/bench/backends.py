"""The benchmark's backends section: the notebook's script, the peer and ours on both backends, whole processes.

The peer is what a Keras user gets by changing one environment variable in the notebook:
Keras 3's own ``fit`` on JAX (the models one after the other, no forecast). Ours runs as
``rnnlstm-tui --headless`` on TensorFlow and on JAX, one seed and ``--seeds 8``. Every row is a
fresh process timed from outside, start-up and imports included; each model's first epoch is
timed from launch to its row in ``history.csv``, and peak RSS is the child's own.
"""

from __future__ import annotations

import time

from engine.bench.startup import first_epochs, phases_text
from engine.bench.suite import Figures, in_child, measure_notebook, peak_rss_mb
from engine.config.config import Config
from engine.data.datasets import make_dataset
from engine.train import runtime
from engine.train.models import build_model

SEEDS = 8
"""Seeds per model in the ``--seeds`` rows here and in the ``seeds`` section (the goal is set for 8)."""


def measure_peer(config: Config) -> Figures:
    """Keras ``fit`` on JAX, the notebook's settings, each model after the other (run in a fresh child)."""
    runtime.prepare_device(config.device, "jax", cache=False)  # plain Keras on JAX: no cache of compiled code
    dataset, models = make_dataset(config), {}
    for kind in config.models:
        model = build_model(kind, config, keep=False)  # plain Keras: drawn, not kept
        started = time.perf_counter()
        history = model.fit(
            dataset.inputs, dataset.targets, epochs=config.epochs, batch_size=config.batch_size,
            validation_split=config.validation_split, verbose=0,
        )  # fmt: skip
        models[kind] = {"train_s": time.perf_counter() - started, "val_loss": float(history.history["val_loss"][-1])}
    return {"models": models, "peak_rss_mb": peak_rss_mb()}


def run_ours(config: Config, backend: str, seeds: int = 1) -> Figures:
    """``rnnlstm-tui --headless`` as a whole process: first epochs, whole seconds, peak RSS, exit code."""
    extra = ("--backend", backend, "--seeds", str(seeds))
    return {"backend": backend, "seeds": seeds, **first_epochs(config, extra)}


def measure_backends(config: Config, quick: bool = False) -> dict[str, Figures]:
    """Every row of the section, one after the other on a quiet machine (``quick``: ours only, one seed)."""
    rows: dict[str, Figures] = {}
    if not quick:
        started = time.perf_counter()
        notebook = in_child(measure_notebook, config)
        rows["notebook"] = {"whole_s": time.perf_counter() - started, "peak_rss_mb": notebook["peak_rss_mb"]}
        started = time.perf_counter()
        peer = in_child(measure_peer, config)
        rows["peer"] = {"whole_s": time.perf_counter() - started, **peer}
    for backend in ("tensorflow", "jax"):
        rows[backend] = run_ours(config, backend)
        if not quick:
            rows[f"{backend}-seeds"] = run_ours(config, backend, SEEDS)
    return rows


LABELS = {
    "notebook": "the notebook's script: TensorFlow `fit`, `predict()` per forecast step",
    "peer": "peer: Keras `fit` on JAX (no forecast)",
    "tensorflow": "ours, TensorFlow",
    "jax": "ours, JAX",
    "tensorflow-seeds": f"ours, TensorFlow, `--seeds {SEEDS}`",
    "jax-seeds": f"ours, JAX, `--seeds {SEEDS}`",
}
"""How the table names each row of :func:`measure_backends`."""


def backends_table(rows: dict[str, Figures], config: Config) -> list[str]:
    """Markdown rows of :func:`measure_backends`: seconds, ratios to the notebook's script and the peer, RSS."""
    notebook, peer = rows.get("notebook", {}).get("whole_s"), rows.get("peer", {}).get("whole_s")
    lines = [
        f"Backends — epochs {config.epochs}, models {','.join(config.models)}, whole processes one after "
        "another (start and imports included)",
        "",
        "| run | whole (s) | vs the notebook | vs peer | first epoch after launch (s) | peak RSS (MB) |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for key, row in rows.items():
        firsts = " / ".join(f"{m} {s:.2f}" for m, s in row.get("first_epoch_s", {}).items()) or "—"
        versus_notebook = f"{notebook / row['whole_s']:.1f}×" if notebook else "—"
        versus_peer = f"{peer / row['whole_s']:.1f}×" if peer and key not in ("notebook", "peer") else "—"
        failed = f" — **failed, exit {row['code']}**" if row.get("code", 0) != 0 else ""
        lines.append(
            f"| {LABELS[key]}{failed} | {row['whole_s']:.1f} | {versus_notebook} | {versus_peer} | {firsts} "
            f"| {row['peak_rss_mb']:.0f} |"
        )
    if notebook:
        lines += ["", f"A `--seeds {SEEDS}` row trains {SEEDS}× the models of the others; 'vs' compares whole runs."]
    went = [f"- {LABELS[key]}: {phases_text(row)}" for key, row in rows.items() if "milestones_s" in row]
    if went:
        lines += ["", "Where our runs' seconds went (from launch, as their own lines arrived):", *went]
    return lines
