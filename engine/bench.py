"""``python -m engine.bench``: the seed's way and the engine's way, side by side, same config.

Prints a table of seconds and ratios for training each model, the forecasts and the whole,
with each side's final losses so equivalence is visible. Nothing here asserts on timing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from engine.cli import UsageError, fail, parse_int
from engine.config import Config

DEFAULT_BENCH_EPOCHS = 100
"""Short enough to finish in a few minutes; ``--epochs 1000`` is the seed's full run."""


def compare(config: Config) -> list[tuple[str, float, float, str, str]]:
    """Run both ways for ``config``; rows of (what, seed seconds, ours seconds, seed result, our result)."""
    from engine import runtime

    runtime.prepare_device(config.device)
    from engine.experiment import run_experiment
    from engine.seed_way import run_seed_model

    seed_started = time.perf_counter()
    seed = {kind: run_seed_model(kind, config) for kind in config.models}
    seed_whole = time.perf_counter() - seed_started

    with tempfile.TemporaryDirectory() as temp:
        ours_started = time.perf_counter()
        finished = run_experiment(config, Path(temp) / "run", lambda event: None)
        ours_whole = time.perf_counter() - ours_started
        forecast_seconds = _forecast_seconds(config, Path(temp) / "run")

    rows = []
    for kind in config.models:
        m = finished.metrics[kind]
        rows.append(
            (
                f"train {kind}",
                seed[kind].fit_seconds,
                float(m["seconds"]),
                f"loss {seed[kind].final_loss:.2e} val {seed[kind].final_val_loss:.2e}",
                f"loss {m['final_loss']:.2e} val {m['final_val_loss']:.2e}",
            )
        )
    rows.append(("forecasts (all models)", sum(s.forecast_seconds for s in seed.values()), forecast_seconds, "", ""))
    rows.append(("whole experiment", seed_whole, ours_whole, "", ""))
    return rows


def _forecast_seconds(config: Config, run_dir: Path) -> float:
    """Time the engine's forecasts of the trained models, compile included (as a run pays it)."""
    import keras

    from engine.data import make_dataset
    from engine.forecast import make_forecaster

    dataset = make_dataset(config)
    started = time.perf_counter()
    for kind in config.models:
        model = keras.models.load_model(run_dir / f"{kind}.keras")
        make_forecaster(model, dataset, config)()
    return time.perf_counter() - started


def format_table(rows: list[tuple[str, float, float, str, str]], config: Config) -> str:
    """A Markdown table, readable as plain text too."""
    lines = [
        f"epochs {config.epochs}, models {','.join(config.models)}, trainer {config.trainer}",
        "",
        "| work | seed's way (s) | ours (s) | speed-up | seed final | ours final |",
        "|---|---:|---:|---:|---|---|",
    ]
    for what, seed_s, ours_s, seed_note, ours_note in rows:
        ratio = seed_s / ours_s if ours_s else float("inf")
        lines.append(f"| {what} | {seed_s:.2f} | {ours_s:.2f} | {ratio:.1f}× | {seed_note} | {ours_note} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.bench", description=__doc__)
    parser.add_argument("--epochs", default=str(DEFAULT_BENCH_EPOCHS), help="epochs for both sides (default 100)")
    parser.add_argument("--models", default="rnn,lstm", help="comma-separated models (default rnn,lstm)")
    args = parser.parse_args(argv)
    try:
        epochs = parse_int("--epochs", args.epochs)
        config = Config(epochs=epochs, models=tuple(args.models.split(",")))
        config.validate()
    except (UsageError, ValueError) as error:
        fail(str(error))
    print(format_table(compare(config), config))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
