"""The compile cache on real TensorFlow: a second run with the same settings loads every program the first
compiled (no new entry in the cache) and gives the same numbers to the last digit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.heavy  # two whole TensorFlow processes
def test_a_second_run_loads_its_programs_from_the_cache_with_the_same_numbers(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("TF_XLA_FLAGS", None)
    cache = tmp_path / "cache" / "rnnlstm-tui" / "tensorflow"
    entries = []
    for run in ("first", "second"):
        subprocess.run(
            [sys.executable, "-m", "tui.cli", "--headless", "--epochs", "3", "--out", run],
            cwd=tmp_path, env=env, check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        entries.append(sorted(p.name for p in cache.iterdir()))
    assert entries[0] and entries[1] == entries[0]  # every program of the second run came from the cache
    first, second = ((tmp_path / run / "history.csv").read_text().splitlines() for run in ("first", "second"))
    keep = [i for i, name in enumerate(first[0].split(",")) if "second" not in name]  # not the timings

    def figures(lines: list[str]) -> list[str]:  # the models' threads append in the order their epochs end
        return sorted(",".join(line.split(",")[i] for i in keep) for line in lines)

    assert len(first) == 1 + 2 * 3 and figures(first) == figures(second)
