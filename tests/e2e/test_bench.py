"""A smoke test of the whole benchmark (engine and TUI sections; 2 epochs, a short series): it runs and reports."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path


def test_bench_suite_runs_end_to_end_and_writes_its_tables(tmp_path: Path) -> None:
    args = ["--epochs", "2", "--models", "rnn", "--points", "30", "--window", "5", "--suite", "--quick"]
    result = subprocess.run(
        [sys.executable, "-m", "tui.bench", *args, "--results", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads((tmp_path / "bench.json").read_text())
    assert data["notebook"]["models"]["rnn"]["train_s"] > 0 and data["ours"]["models"]["rnn"]["train_s"] > 0
    assert data["ours"]["peak_rss_mb"] > 100
    assert [row["epochs"] for row in data["scaling_fit"]["rows"]] == [2]
    assert data["first_frame_s"] > 0
    seeds = data["seeds"]
    assert seeds["seeds"] == 2 and seeds["ours"]["models"]["rnn"]["n"] == 2 and seeds["notebook_s"] > 0
    (headless, tui), *_ = data["tui_pairs"]  # the TUI a whole process in a pseudo-terminal (headless: compare's)
    assert headless["code"] == tui["code"] == 0 and tui["whole_s"] > 0 and headless["whole_s"] > 0
    assert tui["train_s"]["rnn"] > 0 and headless["epochs_per_s"]["rnn"] > 0 and tui["cpu_s"] > 0
    # The figures carry when, where and with what they were measured.
    assert datetime.fromisoformat(data["date"]).tzinfo is not None and "cores" in data["machine"]
    assert data["versions"]["numpy"] and data["versions"]["rnnlstm-tui"]
    assert "tensorflow" in data["versions"] and "textual" in data["versions"]
    markdown = (tmp_path / "bench.md").read_text()
    assert markdown.startswith(f"Measured {data['date']}\nMachine: {data['machine']}\nVersions: rnnlstm-tui ")
    assert "| notebook's way (s) |" in markdown and "seed's" not in markdown.lower()
    assert "| whole experiment |" in markdown and "| training seconds per model (`metrics.json`), TUI vs" in markdown
    assert "| ours, 2 seeds per model |" in markdown
    assert markdown.strip() in result.stdout
