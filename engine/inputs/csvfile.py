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
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from engine.inputs.files import FileRefused, file_identity, read_regular
from engine.settings.declare import ConfigError, shorten
from engine.settings.numbers import NOT_A_NUMBER, NOT_FINITE, NumberError, looks_like_number, read_float, read_int

MAX_ROWS = 1_000_000
"""More rows than this are refused: the windows alone would not fit a laptop's memory."""
MAX_BYTES = 200 * 1024 * 1024
"""Bytes read at most from a CSV file (the text task has its own limit)."""
WIDE_MARKS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
"""Byte-order marks of the wide encodings, UTF-32's first: UTF-16's little-endian mark begins it."""
WIDE_SAMPLE = 4096
"""Bytes looked at to tell UTF-16 without a byte-order mark (ASCII text with every other byte NUL)."""
LIST_CHARS = 160
"""Characters of column names an error lists before it says how many more there are."""
PLAIN = "a numeric column (numbers written plainly: 1000, 0.01, 1e-3)"
COMMA_SEPARATED = "comma-separated values with a '.' decimal point"
DECIMAL_COMMA = re.compile(r"[0-9],[0-9]")
DECIMAL_NUMBER = re.compile(r"[+-]?[0-9]+,[0-9]+")
HINT_LINES, HINT_CHARS = 50, 65536
"""Lines (and characters) looked at to guess a file's real delimiter when it does not read as comma-separated."""


@dataclass(frozen=True)
class Column:
    """The values of one column, as floats, in file order, and what the column is called."""

    name: str
    values: np.ndarray


def read_text_file(path_text: str, field: str, kind: str, max_bytes: int = MAX_BYTES) -> str:
    """The whole file as text; refuses a missing, unreadable, too big, binary or non-UTF-8 file by name,
    and anything that is not a regular file (a device, pipe or socket) before opening it."""
    allowed = f"a readable UTF-8 {kind} file"
    if not path_text.strip():
        raise ConfigError(field, path_text, allowed, "no file given")
    try:
        data = read_regular(path_text, max_bytes)
    except FileRefused as error:
        raise ConfigError(field, path_text, allowed, error.reason) from None
    if (wide := _wide_encoding(data)) is not None:
        raise ConfigError(field, path_text, allowed, wide)
    if (nul := data.find(b"\0")) >= 0:
        raise ConfigError(field, path_text, allowed, f"binary (a NUL byte at offset {nul})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(field, path_text, allowed, f"not UTF-8 (byte offset {error.start})") from None
    if not text.strip():
        raise ConfigError(field, path_text, allowed, "only whitespace" if text else "empty")
    return text


def _wide_encoding(data: bytes) -> str | None:
    """ "UTF-16 text" and the like when ``data`` is text in a wide encoding (Windows' "Unicode" saves UTF-16
    with a byte-order mark), which would otherwise be called binary for its NUL bytes."""
    for mark, name in WIDE_MARKS:
        if data.startswith(mark):
            return f"{name}, not UTF-8 (it starts with a {name} byte-order mark)"
    sample = data[:WIDE_SAMPLE]
    half = len(sample) // 2
    if half >= 2:  # ASCII in UTF-16 without a mark: every other byte is NUL, the rest are not
        even, odd = sample[0 : 2 * half : 2].count(0), sample[1 : 2 * half : 2].count(0)
        if max(even, odd) >= 0.9 * half and min(even, odd) == 0:
            return "UTF-16, not UTF-8 (every other byte is NUL)"
    return None


def read_column(path_text: str, column: str) -> Column:
    """Read ``column`` (a header name, or a 0-based index) of the CSV file at ``path_text``."""
    return _read_column(path_text, column, *file_identity(path_text))


@lru_cache(maxsize=4)
def _read_column(path_text: str, column: str, mtime_ns: int, size: int) -> Column:
    """Cached on the file's identity: validation and the engine both read it, once."""
    text = read_text_file(path_text, "csv", "CSV")
    rows = [row for row in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in row)]
    if not rows:
        raise ConfigError("csv", path_text, "a CSV file with one numeric column", "no rows")
    header = [cell.strip() for cell in rows[0]]
    # A first row of numbers, even ones written against the rule ("1_000"), is data: refused by row below.
    has_header = not all(looks_like_number(cell) for cell in header if cell)
    body = rows[1:] if has_header else rows
    if len(body) > MAX_ROWS:
        raise ConfigError("csv", path_text, f"at most {MAX_ROWS:,} rows", f"{len(body):,} rows")
    try:
        return _column_of(body, header if has_header else None, len(header), column, path_text)
    except ConfigError:
        # A ';'- or tab-separated file (Excel's in many locales) reads as one odd column: say what it is.
        if (hint := _delimiter_hint(text)) is None:
            raise
        raise ConfigError("csv", path_text, COMMA_SEPARATED, hint) from None


def _column_of(body: list[list[str]], header: list[str] | None, width: int, column: str, path_text: str) -> Column:
    """The values of ``column`` in ``body``, every cell read by the one rule for numbers."""
    index = _column_index(column, header, width)
    name = header[index] if header is not None else f"column {index}"
    shown = repr(shorten(name))
    values = np.empty(len(body), dtype=np.float64)
    first_line = 2 if header is not None else 1
    for n, row in enumerate(body):
        if len(row) > width and any(cell.strip() for cell in row[width:]):  # an unquoted comma shifts the columns
            raise _wider(row, n + first_line, width, path_text)
        cell = row[index].strip() if index < len(row) else ""
        where = f"row {n + first_line} of {shown}"
        try:
            values[n] = read_float(cell)
        except NumberError as error:
            if error.reason == NOT_FINITE:
                raise ConfigError(
                    "column", column, "finite numbers only (no NaN or inf)", f"{where} is {cell}"
                ) from None
            said = f"{where} is {shorten(cell)!r}" + (
                ", not a number" if error.reason == NOT_A_NUMBER else f": {error.reason}"
            )
            raise ConfigError("column", column, PLAIN, said) from None
    return Column(name=name, values=values)


def _wider(row: list[str], line: int, width: int, path_text: str) -> ConfigError:
    """The error for a row with more cells than the first: a decimal comma in a one-column file, or a
    comma inside an unquoted cell; reading on would take the wrong cell quietly."""
    joined = ",".join(row).strip()
    if width == 1 and DECIMAL_NUMBER.fullmatch(joined):
        return ConfigError("csv", path_text, COMMA_SEPARATED, f"row {line} is {joined!r}: looks like a decimal comma")
    said = f"row {line} has {len(row)} cells where the first row has {width}"
    return ConfigError("csv", path_text, f"rows of at most {width} cells, as the first row", said)


def _column_index(column: str, header: list[str] | None, width: int) -> int:
    wanted = column.strip()
    if header is not None and wanted and wanted in header:  # an empty header cell is no column's name
        return header.index(wanted)
    try:
        index = read_int(wanted)  # the rule for numbers: "١" is no index
    except NumberError:
        index = -1
    if 0 <= index < width:
        return index
    if not wanted and width == 1:
        return 0
    reason = "no column given" if not wanted else "no such column"
    raise ConfigError("column", column, f"a column name or 0-based index: {_columns(header, width)}", reason)


def _columns(header: list[str] | None, width: int) -> str:
    """The columns one may choose, in at most about :data:`LIST_CHARS` characters, then how many more."""
    if header is None:
        return f"indices 0 to {width - 1}"
    names = [repr(shorten(cell)) for cell in header if cell]
    if not names:
        return f"indices 0 to {width - 1} (the first row names none)"
    shown: list[str] = []
    length = 0
    for name in names:
        length += len(name) + 2
        if shown and length > LIST_CHARS:
            break
        shown.append(name)
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" and {more:,} more (indices 0 to {width - 1})" if more else "")


def _delimiter_hint(text: str) -> str | None:
    """What the file looks like when it is not comma-separated with '.' decimals, or ``None``."""
    lines = [line for line in text[:HINT_CHARS].splitlines()[:HINT_LINES] if line.strip()]
    commas = any(DECIMAL_COMMA.search(line) for line in lines)
    for mark, name in ((";", "';'-separated"), ("\t", "tab-separated")):
        # The first line splits more by ``mark`` than by commas, and every line has one: not a stray ';' in a note.
        if lines and lines[0].count(mark) > lines[0].count(",") and all(mark in line for line in lines):
            return f"looks like {name}" + (" with decimal commas" if commas else "")
    return None
