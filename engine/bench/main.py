"""``python -m engine.bench``: the notebook's way and the engine's way, side by side, same config.

Without ``--suite`` it compares the two ways (default 100 epochs; ``--epochs 1000`` is the
notebook's full run). ``--suite`` adds the scaling curves; ``python -m tui.bench --suite``
adds the TUI's measurements to both. ``--results`` gets ``bench.md`` and ``bench.json``, each
with the date, the machine and the packages' versions. Nothing here asserts on timing.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from engine.bench import suite
from engine.bench.backends import SEEDS, backends_table, measure_backends
from engine.bench.minimal import measure_minimal, minimal_table
from engine.bench.startup import measure_startup, startup_table
from engine.bench.suite import Figures
from engine.bench.sweep import ROWS, measure_sweep, sweep_table
from engine.cli import fail, message_for
from engine.config.config import DEFAULT, SETTING, Config, ConfigError

DEFAULT_BENCH_EPOCHS = 100
"""Short enough to finish in a few minutes."""


def compare_table(notebook: Figures, ours: Figures, config: Config) -> list[str]:
    """Markdown rows: seconds and speed-up per model, for the forecasts and for the whole."""
    lines = [
        f"Notebook's way vs ours — epochs {config.epochs}, models {','.join(config.models)}, on {ours['device']}",
        "",
        "| work | notebook's way (s) | ours (s) | speed-up | notebook final loss / val | ours final loss / val |",
        "|---|---:|---:|---:|---|---|",
    ]
    for kind in config.models:
        s, o = notebook["models"][kind], ours["models"][kind]
        lines.append(
            f"| train {kind} | {s['train_s']:.2f} | {o['train_s']:.2f} | {_ratio(s['train_s'], o['train_s'])} "
            f"| {s['loss']:.2e} / {s['val_loss']:.2e} | {o['loss']:.2e} / {o['val_loss']:.2e} |"
        )
    notebook_fc = sum(m["forecast_s"] for m in notebook["models"].values())
    ours_first = sum(m["forecast_first_s"] for m in ours["models"].values())
    ours_fc = sum(m["forecast_s"] for m in ours["models"].values())
    same_model = sum(m["notebook_loop_same_model_s"] for m in ours["models"].values())
    diff = max(m["forecast_max_abs_diff"] for m in ours["models"].values())
    lines += [
        f"| forecasts, compiled | {notebook_fc:.2f} | {ours_fc:.4f} | {_ratio(notebook_fc, ours_fc)} | | |",
        f"| forecasts of the same trained models | {same_model:.2f} | {ours_fc:.4f} | {_ratio(same_model, ours_fc)} "
        f"| max abs difference of the values: {diff:.1e} | |",
        f"| forecasts, first call incl. compile | {notebook_fc:.2f} | {ours_first:.2f} "
        f"| {_ratio(notebook_fc, ours_first)} "
        "| | |",
        f"| whole experiment | {notebook['whole_s']:.2f} | {ours['whole_s']:.2f} "
        f"| {_ratio(notebook['whole_s'], ours['whole_s'])} | | |",
        f"| peak RSS (MB) | {notebook['peak_rss_mb']:.0f} | {ours['peak_rss_mb']:.0f} | | | |",
    ]
    return lines


def scaling_table(fit: Figures, fast: Figures) -> list[str]:
    """Markdown rows: ms per epoch of ``fit`` and of the fast trainer for each setting of the scaling grid."""
    lines = [
        "How cost grows (one LSTM; ms/epoch including compile/tracing; other settings at defaults, "
        "100 epochs off the epochs axis)",
        "",
        "| setting | fit (ms/epoch) | ours (ms/epoch) | speed-up |",
        "|---|---:|---:|---:|",
    ]
    for fit_row, fast_row in zip(fit["rows"], fast["rows"], strict=True):
        label = ", ".join(f"{k} {v}" for k, v in fit_row.items() if k != "ms_per_epoch")
        a, b = fit_row["ms_per_epoch"], fast_row["ms_per_epoch"]
        lines.append(f"| {label} | {a:.1f} | {b:.1f} | {_ratio(a, b)} |")
    return lines


def seeds_table(seeds: Figures, config: Config) -> list[str]:
    """Markdown rows: one run of the notebook's way vs N seeds of every model in one run of ours, whole processes."""
    n, slow, fast = seeds["seeds"], seeds["notebook_s"], seeds["ours_s"]
    return [
        f"--seeds {n}: the notebook's way once vs ours with {n} seeds per model — epochs {config.epochs}, "
        "whole processes (start and TensorFlow import included)",
        "",
        "| run | seconds | peak RSS (MB) |",
        "|---|---:|---:|",
        f"| the notebook's way, one seed per model | {slow:.1f} | {seeds['notebook']['peak_rss_mb']:.0f} |",
        f"| ours, {n} seeds per model | {fast:.1f} | {seeds['ours']['peak_rss_mb']:.0f} |",
        "",
        f"Ours trains {n}× the models in {fast / slow:.2f} of the time: {_ratio(n * slow, fast)} the notebook's "
        "way's throughput per run.",
    ]


def _ratio(slow: float, fast: float) -> str:
    return f"{slow / fast:.1f}×" if fast > 0 else "—"


Section = Callable[[Config, Figures, bool], list[str]]
"""A further section of the benchmark (the TUI's, from :mod:`tui.bench.main`): measures into ``data``, returns rows."""


def run(config: Config, sections: set[str], quick: bool, results: Path | None, extra: Sequence[Section] = ()) -> str:
    """Measure the asked ``sections`` (compare, scaling) and ``extra`` ones, write the results as Markdown."""
    if quick:  # a smoke test of the code paths, not a measurement: XLA's compiles would only cost time
        config = config.replace(xla=False)
    data: Figures = {"date": suite.when(), "machine": suite.machine(), "versions": suite.versions()}
    data["config"] = config.to_dict()
    measure = suite.measurer(quick)
    packages = ", ".join(f"{name} {version}" for name, version in data["versions"].items())
    lines = [f"Measured {data['date']}", f"Machine: {data['machine']}", f"Versions: {packages}"]
    if quick:
        lines.append("(--quick: a smoke test of the code path, not a measurement)")
    if "compare" in sections:
        data["notebook"] = measure(suite.measure_notebook, config)
        data["ours"] = measure(suite.measure_ours, config)
        lines += ["", *compare_table(data["notebook"], data["ours"], config)]
    if "scaling" in sections:
        configs = [{"epochs": 2}] if quick else suite.scaling_configs(DEFAULT_BENCH_EPOCHS)
        data["scaling_fit"] = measure(suite.measure_scaling, "fit", configs)
        data["scaling_fast"] = measure(suite.measure_scaling, "fast", configs)
        lines += ["", *scaling_table(data["scaling_fit"], data["scaling_fast"])]
    if "listing" in sections:
        data["listing"] = suite.measure_listing(100 if quick else 1000)
        listing = data["listing"]
        lines += [
            "",
            f"Listing {listing['folders']} run folders (config.json and metrics.json of each): "
            f"{listing['seconds']:.3f} s, median of {listing['repeats']}",
        ]
    if "startup" in sections:
        data["startup"] = measure_startup(config)
        lines += ["", *startup_table(data["startup"], config)]
    if "backends" in sections:
        data["backends"] = measure_backends(config, quick)
        lines += ["", *backends_table(data["backends"], config)]
    if "seeds" in sections:
        data["seeds"] = suite.measure_seeds(config, 2 if quick else SEEDS, quick, data.get("notebook"))
        lines += ["", *seeds_table(data["seeds"], config)]
    if "sweep" in sections:  # whole sweeps of their own settings: only --quick is taken from the options
        data["sweep"] = [measure_sweep(row, quick) for row in ROWS]
        lines += ["", *sweep_table(data["sweep"])]
    if "minimal" in sections:  # minGRU and minLSTM against the LSTM: per epoch (scan and loop) and whole runs
        data["minimal"] = measure_minimal(config, quick)
        lines += ["", *minimal_table(data["minimal"])]
    for section in extra:
        lines += ["", *section(config, data, quick)]
    text = "\n".join(lines)
    if results is not None:
        results.mkdir(parents=True, exist_ok=True)
        (results / "bench.md").write_text(text + "\n")
        (results / "bench.json").write_text(json.dumps(data, indent=2) + "\n")
    return text


SECTIONS = ("compare", "scaling", "listing", "seeds", "startup", "backends", "sweep", "minimal")
"""What ``--only`` may name."""
SUITE = ("compare", "scaling", "listing", "seeds")
"""What ``--suite`` runs: the startup and backends sections, long rows of whole processes, only with ``--only``."""


def parse_args(
    prog: str, argv: list[str] | None, sections: tuple[str, ...], suite: tuple[str, ...]
) -> tuple[Config, argparse.Namespace]:
    """The benchmark's options (shared with ``python -m tui.bench``), validated by the settings' own rules.

    ``sections`` are those ``--only`` may name, ``suite`` those ``--suite`` runs.
    """
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--epochs", default=str(DEFAULT_BENCH_EPOCHS), help="epochs for both sides (default 100)")
    parser.add_argument("--models", default="rnn,lstm", help="comma-separated models (default rnn,lstm)")
    parser.add_argument("--device", default="auto", help="auto, cpu or gpu")
    parser.add_argument("--points", default="200", help="series length (default 200, the notebook's)")
    parser.add_argument("--window", default="20", help="window length (default 20, the notebook's)")
    others = ", ".join(name for name in sections if name not in suite)
    parser.add_argument(
        "--suite", action="store_true", help=f"the sections {', '.join(suite)} (and with --only: {others})"
    )
    parser.add_argument("--only", choices=sections, help="just one section of the suite")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny scaling grid, all in this process (a smoke test of the code path)",
    )
    parser.add_argument(
        "--results", type=Path, help="folder for bench.md and bench.json (with the date, machine and versions)"
    )
    args = parser.parse_args(argv)
    try:
        raw = {"epochs": args.epochs, "models": args.models, "device": args.device, "points": args.points}
        raw["window"] = args.window
        config = DEFAULT.replace(**{name: SETTING[name].parse(text) for name, text in raw.items()})
    except ConfigError as error:
        fail(message_for(error))
    return config, args


def main(argv: list[str] | None = None) -> int:
    """``python -m engine.bench``: compare (default), or ``--suite`` for the scaling curves too."""
    config, args = parse_args("python -m engine.bench", argv, SECTIONS, SUITE)
    sections = {args.only} if args.only else set(SUITE) if args.suite else {"compare"}
    print(run(config, sections, args.quick, args.results))
    return 0
