"""A saved run's previews, read back for the screen: final forecasts, text samples and model summaries.

Each file may be missing, damaged or huge: what cannot be read is not shown, and nothing is read
whole beyond what a run writes (a forecast of at most :data:`FORECAST_ROWS` rows, the last
:data:`SAMPLES_BYTES` of the samples, the first :data:`SUMMARIES_BYTES` of the summaries).
"""

from __future__ import annotations

import csv
import io
from array import array
from pathlib import Path

import numpy as np

from engine.runs.reader import number
from engine.runs.safeio import open_regular

FORECAST_ROWS = 1_000_000
"""A forecast has a row per value of the series: at most a million (``--points``, a CSV's rows)."""
SAMPLES_BYTES = 4 << 20
"""The end of ``samples.txt`` that is read: the latest samples are the last entries."""
SUMMARIES_BYTES = 1 << 20
"""Keras summaries take about 2 kB a model."""


def read_forecast(path: Path) -> dict[str, np.ndarray]:
    """``forecast.csv``'s columns as arrays of floats (NaN for an empty or damaged cell); ``{}`` when the
    file is missing, unreadable, has a duplicated heading or more rows than a run writes.

    A row with the wrong number of cells is left out of every column, so the columns stay aligned.
    """
    try:
        with io.TextIOWrapper(open_regular(path), newline="", encoding="utf-8", errors="replace") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            if not header or len(set(header)) != len(header):
                return {}
            columns = [array("d") for _ in header]
            for count, cells in enumerate(reader):
                if count >= FORECAST_ROWS:
                    return {}
                if len(cells) == len(header):
                    for column, cell in zip(columns, cells, strict=True):
                        column.append(number(cell))
    except (OSError, csv.Error):  # csv.Error: a cell longer than the csv module's limit, say
        return {}
    return {name: np.array(column) for name, column in zip(header, columns, strict=True)}


def _head(path: Path, limit: int, *, tail: bool = False) -> str:
    """The first (or last) ``limit`` bytes of the text file at ``path``; "" when it cannot be read."""
    try:
        with open_regular(path) as handle:
            if tail:
                handle.seek(max(0, handle.seek(0, 2) - limit))
            return handle.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


def read_summaries(run_dir: Path, models: list[str]) -> dict[str, str]:
    """Each model's Keras summary from ``summaries.txt`` (split at each ``Model: "name"`` line)."""
    parts: dict[str, list[str]] = {}
    current = None
    for line in _head(run_dir / "summaries.txt", SUMMARIES_BYTES).splitlines():
        if line.startswith('Model: "') and (name := line.split('"')[1]) in models:
            current = name
            parts[current] = []
        if current is not None:
            parts[current].append(line)
    return {m: "\n".join(lines).rstrip() for m, lines in parts.items()}


def read_samples(run_dir: Path, models: list[str]) -> dict[str, tuple[int, str, str, bool]]:
    """The last sample of each model in ``samples.txt`` (entries ``=== model, epoch N (kind) ===``):
    its epoch, prompt, text and whether it was the final one."""
    latest: dict[str, tuple[int, str, str, bool]] = {}
    for entry in _head(run_dir / "samples.txt", SAMPLES_BYTES, tail=True).split("=== ")[1:]:
        head, _, body = entry.partition(" ===\n")
        model, _, rest = head.partition(", epoch ")
        epoch = number(rest.split(" ")[0])
        prompt, _, written = body.rstrip("\n").partition("|")
        if model in models and 0 <= epoch <= 2**31 and epoch.is_integer():
            latest[model] = (int(epoch), prompt, written, "(final)" in rest)
    return latest
