"""One numeric column of a user's CSV file, read the way real-world files are written.

A header is optional (a first row whose cell in the column is not a number is a header);
quoted fields, CRLF line ends, a UTF-8 byte-order mark, blank lines and other columns that are
not numbers (dates, names) just work. Every way a file can be unusable raises
:class:`~engine.settings.declare.ConfigError` for the setting at fault (``csv``, ``column``, ``text``), with
what is wrong and what is allowed, so every surface reports it like any other bad setting.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from engine.settings.declare import ConfigError

MAX_ROWS = 1_000_000
"""More rows than this are refused: the windows alone would not fit a laptop's memory."""
MAX_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    """The values of one column, as floats, in file order, and what the column is called."""

    name: str
    values: np.ndarray


def read_text_file(path_text: str, field: str, kind: str, max_bytes: int = MAX_BYTES) -> str:
    """The whole file as text; refuses a missing, unreadable, too big, binary or non-UTF-8 file by name."""
    allowed = f"a readable UTF-8 {kind} file"
    path = Path(path_text).expanduser()
    if not path_text.strip():
        raise ConfigError(field, path_text, allowed, "no file given")
    if not path.exists():
        raise ConfigError(field, path_text, allowed, "no such file")
    if path.is_dir():
        raise ConfigError(field, path_text, allowed, "is a folder")
    if not os.access(path, os.R_OK):
        raise ConfigError(field, path_text, allowed, "not readable (permission denied)")
    if path.stat().st_size > max_bytes:
        raise ConfigError(field, path_text, allowed, f"larger than {max_bytes // 2**20} MB")
    data = path.read_bytes()
    if (nul := data.find(b"\0")) >= 0:
        raise ConfigError(field, path_text, allowed, f"binary (a NUL byte at offset {nul})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(field, path_text, allowed, f"not UTF-8 (byte offset {error.start})") from None
    if not text.strip():
        raise ConfigError(field, path_text, allowed, "empty")
    return text


def read_column(path_text: str, column: str) -> Column:
    """Read ``column`` (a header name, or a 0-based index) of the CSV file at ``path_text``."""
    path = Path(path_text).expanduser()
    stat = path.stat() if path.is_file() else None
    return _read_column(path_text, column, stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)


@lru_cache(maxsize=4)
def _read_column(path_text: str, column: str, mtime_ns: int, size: int) -> Column:
    """Cached on the file's identity: validation and the engine both read it, once."""
    text = read_text_file(path_text, "csv", "CSV")
    rows = [row for row in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in row)]
    if not rows:
        raise ConfigError("csv", path_text, "a CSV file with one numeric column", "no rows")
    header = [cell.strip() for cell in rows[0]]
    has_header = not all(_is_number(cell) for cell in header if cell)
    index = _column_index(column, header if has_header else None, len(header))
    name = header[index] if has_header else f"column {index}"
    body = rows[1:] if has_header else rows
    if len(body) > MAX_ROWS:
        raise ConfigError("csv", path_text, f"at most {MAX_ROWS:,} rows", f"{len(body):,} rows")
    values = np.empty(len(body), dtype=np.float64)
    first_line = 2 if has_header else 1
    for n, row in enumerate(body):
        cell = row[index].strip() if index < len(row) else ""
        where = f"row {n + first_line} of {name!r}"
        try:
            value = float(cell)
        except ValueError:
            raise ConfigError("column", column, "a numeric column", f"{where} is {cell!r}, not a number") from None
        if not math.isfinite(value):
            raise ConfigError("column", column, "finite numbers only (no NaN or inf)", f"{where} is {cell}")
        values[n] = value
    return Column(name=name, values=values)


def _column_index(column: str, header: list[str] | None, width: int) -> int:
    wanted = column.strip()
    if header is not None and wanted in header:
        return header.index(wanted)
    if wanted.lstrip("-").isdigit() and 0 <= int(wanted) < width:
        return int(wanted)
    if not wanted and width == 1:
        return 0
    there = ", ".join(repr(h) for h in header) if header is not None else f"indices 0 to {width - 1}"
    reason = "no column given" if not wanted else "no such column"
    raise ConfigError("column", column, f"a column name or 0-based index: {there}", reason)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
