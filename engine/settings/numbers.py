"""The one rule for reading a number from text, whatever door it comes in by.

A flag, a form field, a CSV cell, a saved history's cell: each is read by :func:`read_float` or
:func:`read_int`, so ``1_000`` or ``١٢`` is refused everywhere or nowhere. Python's own ``float()``
and ``int()`` take both (PEP 515 separators, any Unicode decimal digit): one odd cell in a file
would silently become an outlier in the data, while the same text on the command line is refused.

The rule: optional surrounding whitespace; an optional sign; ASCII digits with at most one ``.``;
an optional exponent. ``nan``, ``inf`` and numbers too large for a float are refused as not finite.
"""

from __future__ import annotations

import math
import re
import unicodedata

PLAIN_INT = re.compile(r"[+-]?[0-9]+")
PLAIN_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
"""Numbers as people type them: ASCII digits, no ``_`` separators (Python's ``int()`` takes "1_000" and "١٢")."""
NON_FINITE = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE)
DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+(,[0-9]+)+")

SEPARATORS = "digit separators (_) are not allowed"
NOT_ASCII = "non-ASCII digits are not allowed"
COMMA = "a comma (write 1.5, not 1,5, and 1000, not 1,000)"
NOT_A_NUMBER = "not a number"
NOT_WHOLE = "not a whole number"
NOT_FINITE = "not finite"
TOO_LONG = "too many digits"
MAX_DIGITS = 4000
"""Python refuses to convert integers of more than 4,300 digits; no setting needs a tenth of that."""


class NumberError(ValueError):
    """Text that is not a number by the rule; ``reason`` says why in a few words, for a one-line message."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def read_float(raw: str) -> float:
    """The finite number ``raw`` stands for, or :class:`NumberError` saying why it stands for none."""
    # Fast path, for a million-row file: on ASCII text without "_", float() takes exactly PLAIN_FLOAT and
    # NON_FINITE (its only extras are "_" separators and non-ASCII digits); tests check the two agree.
    text = raw.strip()
    if text.isascii() and "_" not in text:
        try:
            value = float(text)
        except ValueError:
            raise NumberError(_why_not(text, NOT_A_NUMBER)) from None
        if not math.isfinite(value):  # "nan", "inf", "1e999"
            raise NumberError(NOT_FINITE)
        return value
    raise NumberError(_why_not(text, NOT_A_NUMBER))


def read_int(raw: str) -> int:
    """The whole number ``raw`` stands for ("1.5", "1e3" and "ten" are refused, not rounded)."""
    text = raw.strip()
    if PLAIN_INT.fullmatch(text):
        if len(text) > MAX_DIGITS:
            raise NumberError(TOO_LONG)
        return int(text)
    raise NumberError(_why_not(text, NOT_WHOLE))


def is_number(raw: str) -> bool:
    """Whether ``raw`` is a number by the rule, finite or not (``nan`` in a column is a number, just a bad one)."""
    text = raw.strip()
    return bool(PLAIN_FLOAT.fullmatch(text) or NON_FINITE.fullmatch(text))


def looks_like_number(raw: str) -> bool:
    """Whether ``raw`` is a number, or one written against the rule (``1_000``, ``١٢``, ``1,5``): a CSV's
    first row of such cells is data to refuse by row, not a header to skip."""
    text = raw.strip()
    return is_number(text) or _why_not(text, NOT_A_NUMBER) != NOT_A_NUMBER


def _why_not(text: str, otherwise: str) -> str:
    """The most useful reason ``text`` is refused: what a person most likely meant to type."""
    if "_" in text and PLAIN_FLOAT.fullmatch(text.replace("_", "")):
        return SEPARATORS
    if not text.isascii() and PLAIN_FLOAT.fullmatch(_ascii_digits(text)):
        return NOT_ASCII
    if DECIMAL_COMMA.fullmatch(text):
        return COMMA
    return otherwise


def _ascii_digits(text: str) -> str:
    """``text`` with every decimal digit of any script written as its ASCII digit ("١٢" → "12")."""
    return "".join(str(digit) if (digit := unicodedata.decimal(char, None)) is not None else char for char in text)
