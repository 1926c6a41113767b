"""The benchmark: one small smoke run of ``python -m engine.bench`` (its compare section, --quick: one epoch,
a short series), and every table it writes, from made-up figures (no TensorFlow).

What the other sections measure repeats work the rest of the suite does end to end (whole runs, the TUI in
a terminal) and only says how fast it was: run them with ``python -m tui.bench --suite --quick``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from engine.bench.main import compare_table, main, scaling_table, seeds_table
from engine.config.config import Config
from tui.bench.long import long_table
from tui.bench.main import tui_table

CONFIG = Config(epochs=2, models=("rnn", "lstm"))


@pytest.mark.heavy
def test_the_benchmark_runs_and_writes_its_tables_with_when_and_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # In this process, as --quick measures anyway: TensorFlow is loaded once for the e2e tests, not again here.
    args = ["--epochs", "1", "--models", "rnn", "--points", "30", "--window", "5", "--only", "compare", "--quick"]
    assert main([*args, "--results", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    data = json.loads((tmp_path / "bench.json").read_text())
    notebook, ours = data["notebook"]["models"]["rnn"], data["ours"]["models"]["rnn"]
    assert notebook["train_s"] > 0 and ours["train_s"] > 0 and ours["forecast_s"] > 0
    assert ours["forecast_max_abs_diff"] < 1e-3  # the notebook's predict loop and ours forecast the same values
    assert data["ours"]["peak_rss_mb"] > 100 and data["config"]["epochs"] == 1 and data["config"]["xla"] is False
    # The figures carry when, where and with what they were measured.
    assert datetime.fromisoformat(data["date"]).tzinfo is not None and "cores" in data["machine"]
    assert data["versions"]["numpy"] and data["versions"]["rnnlstm-tui"] and "tensorflow" in data["versions"]
    markdown = (tmp_path / "bench.md").read_text()
    assert markdown.startswith(f"Measured {data['date']}\nMachine: {data['machine']}\nVersions: rnnlstm-tui ")
    assert "(--quick: a smoke test of the code path, not a measurement)" in markdown
    assert "| notebook's way (s) |" in markdown and "| train rnn |" in markdown and "| whole experiment |" in markdown
    assert "seed's" not in markdown.lower()
    assert markdown.strip() in printed


def _model(train_s: float) -> dict[str, float]:
    return {"train_s": train_s, "forecast_s": 0.5, "loss": 1e-3, "val_loss": 2e-3}


def test_the_compare_table_gives_each_model_the_forecasts_and_the_whole_with_speed_ups() -> None:
    notebook = {"whole_s": 100.0, "peak_rss_mb": 900.0, "models": {"rnn": _model(40.0), "lstm": _model(50.0)}}
    forecast = {"forecast_first_s": 1.0, "forecast_s": 0.01, "notebook_loop_same_model_s": 0.4}
    ours = {
        "device": "CPU (2 cores)",
        "whole_s": 10.0,
        "peak_rss_mb": 600.0,
        "models": {
            m: {**_model(4.0), **forecast, "forecast_max_abs_diff": d} for m, d in (("rnn", 1e-7), ("lstm", 1e-6))
        },
    }
    table = compare_table(notebook, ours, CONFIG)
    assert table[0] == "Notebook's way vs ours — epochs 2, models rnn,lstm, on CPU (2 cores)"
    assert "| train rnn | 40.00 | 4.00 | 10.0× | 1.00e-03 / 2.00e-03 | 1.00e-03 / 2.00e-03 |" in table
    assert "| train lstm | 50.00 | 4.00 | 12.5× | 1.00e-03 / 2.00e-03 | 1.00e-03 / 2.00e-03 |" in table
    assert "| forecasts, compiled | 1.00 | 0.0200 | 50.0× | | |" in table
    assert (
        "| forecasts of the same trained models | 0.80 | 0.0200 | 40.0× | max abs difference of the values: 1.0e-06 | |"
        in table
    )
    assert (
        "| whole experiment | 100.00 | 10.00 | 10.0× | | |" in table and "| peak RSS (MB) | 900 | 600 | | | |" in table
    )


def test_the_scaling_and_seeds_tables() -> None:
    fit = {"rows": [{"epochs": 100, "ms_per_epoch": 30.0}, {"epochs": 100, "units": 128, "ms_per_epoch": 60.0}]}
    fast = {"rows": [{"epochs": 100, "ms_per_epoch": 3.0}, {"epochs": 100, "units": 128, "ms_per_epoch": 0.0}]}
    table = scaling_table(fit, fast)
    assert table[-2:] == ["| epochs 100 | 30.0 | 3.0 | 10.0× |", "| epochs 100, units 128 | 60.0 | 0.0 | — |"]
    seeds = {"seeds": 2, "notebook_s": 20.0, "ours_s": 10.0, "notebook": {"peak_rss_mb": 700.0}}
    table = seeds_table({**seeds, "ours": {"peak_rss_mb": 800.0}}, CONFIG)
    assert (
        "| the notebook's way, one seed per model | 20.0 | 700 |" in table
        and "| ours, 2 seeds per model | 10.0 | 800 |" in table
    )
    assert table[-1] == "Ours trains 2× the models in 0.50 of the time: 4.0× the notebook's way's throughput per run."


def test_the_tui_and_long_history_tables() -> None:
    def process(whole: float, train: float, cpu: float) -> dict[str, object]:
        figures = {"train_s": {"rnn": train}, "epochs_per_s": {"rnn": 100 / train}}
        return {**figures, "whole_s": whole, "cpu_s": cpu, "peak_rss_mb": 500.0, "code": 0}

    pairs = [(process(10.0, 4.0, 8.0), process(11.0, 4.4, 10.0))]  # (headless, TUI)
    table = tui_table({"tui_pairs": pairs, "first_frame_s": 0.75, "tui_keys": {"key_latency_ms": [20.0, 30.0, 90.0]}})
    assert "| first frame after the command starts | 0.75 s |" in table
    assert "| launch to a finished `metrics.json`, TUI vs headless | 11.0 vs 10.0 s |" in table
    assert (
        "| training seconds per model (`metrics.json`), TUI vs headless, median (min … max) | +10.0 % (+10.0 … +10.0) |"
        in table
    )
    assert "| CPU seconds of the process, TUI vs headless, median (min … max) | +25.0 % (+25.0 … +25.0) |" in table
    assert "| key press to repaint while training (`App.run_test`), median / max | 30 / 90 ms |" in table
    table = long_table({"epochs": 1000, "fill_s": 0.5, "key_latency_ms": [40.0, 10.0, 20.0]})
    assert "taken in at 4,000 epochs/s" in table[0] and table[-2:] == ["| median | 20 |", "| max | 40 |"]


def test_the_sweep_table_gives_each_row_its_speed_up_and_the_replica_bound_where_measured() -> None:
    from engine.bench.sweep import sweep_table

    def run(seconds: float, exit: int = 0) -> dict[str, float]:
        return {"seconds": seconds, "peak_rss_mb": 1000.0, "exit": exit}

    rows = [
        {"sweep_args": ["--sweep", "length=10,25"], "sweep": run(50.0), "points": [run(30.0), run(40.0)]},
        {"sweep_args": ["--sweep", "lr=0.1,1"], "sweep": run(60.0), "points": [run(60.0)] * 2, "bound": run(40.0)},
    ]
    table = sweep_table(rows)
    assert "| `--sweep length=10,25` | 50.0 | 70.0 | 1.40× | 1000 | 1000 | — |" in table
    assert "| `--sweep lr=0.1,1` | 60.0 | 120.0 | 2.00× | 1000 | 1000 | 40.0 (3.00×) |" in table
    rows[0]["points"] = [run(30.0, exit=1)]
    assert "failed (exit 1)" in "\n".join(sweep_table(rows))


def test_the_minimal_table_gives_each_model_and_way_its_time_over_the_lstms() -> None:
    from engine.bench.minimal import minimal_table

    def epochs(model: str, way: str, seconds: list[float]) -> dict[str, object]:
        return {
            "model": model,
            "way": way,
            "seconds": seconds,
            "cpu_seconds": [s / 2 for s in seconds],
            "val_loss": 0.5,
        }

    rows = [
        epochs("lstm", "loop", [3.0, 0.2, 0.1, 0.3]),
        epochs("mingru", "scan", [9.0, 0.05, 0.05, 0.06]),
        epochs("mingru", "loop", [2.0, 0.04]),
    ]
    figures = {
        "epochs": 4,
        "per_epoch": {"adding, T = 100": {"device": "CPU (2 cores)", "scan_default": False, "rows": rows}},
        "whole": {
            "default task": [
                {"model": "lstm", "args": ["--epochs", "100"], "seconds": 20.0, "peak_rss_mb": 900.0, "exit": 0},
                {"model": "mingru", "args": ["--epochs", "100"], "seconds": 10.0, "peak_rss_mb": 800.0, "exit": 0},
                {"model": "minlstm", "args": ["--epochs", "100"], "seconds": 1.0, "peak_rss_mb": 700.0, "exit": 2},
            ]
        },
    }
    table = minimal_table(figures)
    assert "on CPU (2 cores)" in table[0] and "median of the next 3" in table[0] and "by the loop here" in table[0]
    assert "| adding, T = 100 | lstm | loop (its cell) | 3.00 | 200.0 | 1.00 | 100.0 | 0.5 |" in table
    assert "| adding, T = 100 | mingru | scan | 9.00 | 50.0 | 0.25 | 25.0 | 0.5 |" in table
    assert "| adding, T = 100 | mingru | loop | 2.00 | 40.0 | 0.20 | 20.0 | 0.5 |" in table
    assert "- default task: `--epochs 100`" in table
    assert "| default task | mingru | 10.0 | 0.50 | 800 |" in table
    assert "| default task | minlstm | 1.0 | failed (exit 2) | 700 |" in table


def test_the_startup_table_gives_cold_and_warm_first_epochs_over_a_bare_import() -> None:
    from engine.bench.startup import startup_table

    def run(first: float, whole: float) -> dict[str, object]:
        return {"first_epoch_s": {"rnn": first, "lstm": first + 0.5}, "whole_s": whole, "peak_rss_mb": 800.0}

    marks = {"built": 3.25, "trained": 7.0}
    data = {
        "ours": {**run(5.0, 8.0), "milestones_s": marks},
        "cold": run(6.0, 10.0),
        "bare_import_s": 4.0,
        "notebook_whole_s": 80.0,
        "signals": [{"moment": "import", "code": 130, "exit_s": 0.5}],
    }
    table = startup_table(data, CONFIG)
    assert "| a bare `import keras` process (TensorFlow), median of 3 | 4.00 |" in table
    assert "| first epoch of lstm on disk, after launch, empty compile cache | 6.50 (import + 2.50) |" in table
    assert "| first epoch of rnn on disk, after launch, the cache the first run left | 5.00 (import + 1.00) |" in table
    assert "| whole run, ours, empty compile cache (peak RSS 800 MB) | 10.0 |" in table
    assert "| speed-up, whole process | 10.0× |" in table
    assert "| SIGINT while TensorFlow imports → process gone (exit 130) | 0.50 |" in table
    went = (
        "| where the seconds went, the cache the first run left | loading Python, Keras and its backend, data and "
        "models 3.25 · tracing, compiling and every model's first epoch 2.25 · the other epochs 1.50 · forecasts, "
        "files, exit 1.00 |"
    )
    assert went in table
    assert "| where the seconds went, empty compile cache | — |" in table  # no milestones read: said, not guessed
