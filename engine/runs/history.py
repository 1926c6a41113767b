"""A run's ``history.csv`` read back: a chunk at a time, whatever its size or damage.

A history may be a million epochs of several models and seeds (hundreds of MB), be still growing
(a run being trained by another process), or be damaged (cut short, extended with NUL bytes,
garbage lines). Reads are bounded: at most :data:`CHUNK_BYTES` at a time, a line longer than any a
run writes is skipped without being held, and curves are kept as arrays.

No size is refused: 1,000,000 epochs of 3 models with 64 seeds is a run the settings allow, and its
history is about 12 GB, so any cut-off would refuse real runs. Memory, not the file, is what is bounded;
the time to read stays proportional to the rows (a 200 MB history of 3 million rows: about a minute).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from engine.config.choices import MODEL_KINDS
from engine.config.config import SETTING
from engine.runs.reader import number
from engine.runs.safeio import open_regular

CHUNK_BYTES = 1 << 20
"""How much of ``history.csv`` one read takes: memory stays near this whatever the file's size."""
LONGEST_LINE = 1 << 16
"""A history row is under 200 bytes; a line longer than this is damage (say, a file extended with NUL
bytes) and is skipped by reading past it in chunks, never held whole."""
LAST_EPOCH = int(SETTING["epochs"].high or 0)
"""No run has an epoch beyond the most epochs a run may have: a row that says so is damage."""


@dataclass
class Curves:
    """One model's losses from ``history.csv``, one value per epoch (arrays: a history may be a million epochs)."""

    epochs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    val_loss: np.ndarray = field(default_factory=lambda: np.zeros(0))


def read_history(path: Path, start: int = 0, limit: int = CHUNK_BYTES) -> tuple[list[dict[str, str]], int]:
    """The whole rows of ``history.csv`` from byte ``start`` on, at most about ``limit`` bytes of them, and
    where the next read should start.

    A whole file is read by calling again from the returned offset until it stops moving: memory
    stays near ``limit`` whatever the file's size (read whole, a 2 GB history took 4 GB and a 200 MB
    one 3 GB). A last line without its newline is being written right now (or was cut off): it is
    left for the next read, so a run that is still training can be followed as its file grows. The
    writer never quotes a cell, so a row is its line split at commas; one with more cells than the
    header, or without a model or an epoch, is damage and left out.
    """
    try:
        with open_regular(path / "history.csv") as handle:
            header = handle.readline(LONGEST_LINE)
            if not header.endswith(b"\n"):  # not written yet, or no header a run writes
                return [], start
            offset = max(start, len(header))
            handle.seek(offset)
            data = handle.read(limit)
            end = data.rfind(b"\n") + 1
            if end == 0 and len(data) >= LONGEST_LINE:  # inside a line no run writes: go past it
                return [], _past_line(handle)
    except OSError:
        return [], start
    columns = header.decode("utf-8", "replace").rstrip("\r\n").split(",")
    rows = []
    for line in data[:end].decode("utf-8", "replace").split("\n")[:-1]:
        cells = line.rstrip("\r").split(",")
        if len(cells) <= len(columns):  # fewer: the last figures are missing (NaN); more: not this file's row
            row = dict(zip(columns, cells, strict=False))
            if row.get("model") and row.get("epoch"):
                rows.append(row)
    return rows, offset + end


def _past_line(handle: BinaryIO) -> int:
    """The offset just past the next newline from where ``handle`` stands (or its end), read a chunk at a time."""
    while chunk := handle.read(CHUNK_BYTES):
        if (at := chunk.find(b"\n")) >= 0:
            return handle.tell() - len(chunk) + at + 1
    return handle.tell()


def epoch_of(text: str, last: int = LAST_EPOCH) -> int | None:
    """A history cell as an epoch from 1 to ``last``; ``None`` for anything else (damage).

    The writer writes plain ASCII digits: nothing else is an epoch (not "5.0", "1_000" or "١٢").
    """
    if text.isascii() and text.isdigit() and len(text) <= len(str(last)) and 1 <= (epoch := int(text)) <= last:
        return epoch
    return None


def val_curves(path: Path) -> dict[str, Curves]:
    """Every model's curves in the run at ``path`` (empty where ``history.csv`` is missing or unreadable).

    A run with several seeds has a row per seed and epoch: its curve is the median over the seeds.
    Read in chunks into arrays, so a huge history costs 24 bytes a row, not a few hundred.
    """
    columns: dict[str, tuple[array[int], array[float], array[float]]] = {}
    offset, moved = 0, True
    while moved:
        rows, end = read_history(path, offset)
        moved, offset = end != offset, end
        for row in rows:
            if row["model"] in MODEL_KINDS and (epoch := epoch_of(row["epoch"])) is not None:
                epochs, loss, val_loss = columns.setdefault(row["model"], (array("q"), array("d"), array("d")))
                epochs.append(epoch)
                loss.append(number(row.get("loss")))
                val_loss.append(number(row.get("val_loss")))
    curves: dict[str, Curves] = {}
    for model, (epochs, loss, val_loss) in columns.items():
        each = np.array(epochs, dtype=np.int64)
        curves[model] = Curves(np.unique(each), _medians(each, np.array(loss)), _medians(each, np.array(val_loss)))
    return curves


def _medians(epochs: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The median of each epoch's finite values (NaN where none is), as :func:`engine.report.spread.band`,
    for every epoch at once: sorted by epoch and then value, an epoch's finite values come first in its group."""
    values = np.where(np.isfinite(values), values, np.nan)
    order = np.lexsort((values, epochs))
    ordered = values[order]
    _, first = np.unique(epochs[order], return_index=True)
    finite = np.add.reduceat(np.isfinite(ordered).astype(np.int64), first)
    low, high = first + np.maximum(finite - 1, 0) // 2, first + finite // 2
    medians = (ordered[low] + ordered[high]) / 2
    return np.where(finite > 0, medians, np.nan)
