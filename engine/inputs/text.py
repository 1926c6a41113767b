"""The seed's character-level experiment: dictionaries, windows of characters, one-hot arrays.

The seed's last cell builds ``chars = sorted(set(text))``, ``char_indices`` and ``indices_char``,
windows of ``n_rnn`` characters with the next character as the target, and one-hot arrays
``x`` (n, n_rnn, n_chars) and ``t`` (n, n_chars). The same structures are built here, but the
windows are kept as character indices and one-hot encoded per batch inside the model, so a big
text stays small in memory (a 5 MB novel with 3,000 distinct characters would need ~400 GB of
one-hot input). :func:`one_hot` gives the seed's arrays for any set of windows.

Without a file the task trains on strings of the embedded Reber grammar, generated from the
seed: the symbol before the final ``E`` must repeat the second symbol, a choice made many steps
earlier — the classic test of whether a model carries information across a gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from engine.inputs.csvfile import read_text_file
from engine.inputs.files import file_identity

MAX_TEXT_BYTES = 50 * 1024 * 1024
REBER_STRINGS = 3000
"""Strings in the built-in corpus (about 40,000 characters)."""
REBER = (
    (("T", 1), ("P", 2)),
    (("S", 1), ("X", 3)),
    (("T", 2), ("V", 4)),
    (("X", 2), ("S", 5)),
    (("P", 3), ("V", 5)),
    (("E", -1),),
)
"""The Reber grammar as (symbol, next state) choices per state, after the leading ``B``."""


@dataclass(frozen=True)
class Corpus:
    """A text and the seed's dictionaries for it."""

    text: str
    chars: tuple[str, ...]
    """``sorted(set(text))``: index i is character ``chars[i]``."""
    name: str
    """Where it came from: the file, or the built-in grammar."""

    @property
    def char_indices(self) -> dict[str, int]:
        return {char: i for i, char in enumerate(self.chars)}

    @property
    def indices_char(self) -> dict[int, str]:
        return dict(enumerate(self.chars))

    @property
    def is_reber(self) -> bool:
        return self.name == BUILT_IN


BUILT_IN = "built-in: embedded Reber grammar"


def load_corpus(path: str, seed: int) -> Corpus:
    """The text at ``path`` (checked like every data file), or the built-in Reber corpus when empty.

    Cached on the file's identity: validation and the engine both need it, and it may be 50 MB.
    """
    return _load_corpus(path, seed, *file_identity(path))


@lru_cache(maxsize=2)
def _load_corpus(path: str, seed: int, mtime_ns: int, size: int) -> Corpus:
    if not path.strip():
        rng = np.random.default_rng(seed)
        text = "\n".join(embedded_reber(rng) for _ in range(REBER_STRINGS)) + "\n"
        return Corpus(text, tuple(sorted(set(text))), BUILT_IN)
    text = read_text_file(path, "text", "text", MAX_TEXT_BYTES)
    return Corpus(text, tuple(sorted(set(text))), path)


def reber(rng: np.random.Generator) -> str:
    """One string of the Reber grammar, ``B…E``."""
    out, state = ["B"], 0
    while state >= 0:
        symbol, state = REBER[state][rng.integers(len(REBER[state]))]
        out.append(symbol)
    return "".join(out)


def embedded_reber(rng: np.random.Generator) -> str:
    """``B`` + T or P + a Reber string + the same T or P + ``E``."""
    choice = "TP"[rng.integers(2)]
    return f"B{choice}{reber(rng)}{choice}E"


def is_reber(string: str) -> bool:
    """Whether ``string`` is a Reber string."""
    if len(string) < 2 or string[0] != "B":
        return False
    state = 0
    for symbol in string[1:]:
        if state < 0:
            return False
        moves = dict(REBER[state])
        if symbol not in moves:
            return False
        state = moves[symbol]
    return state == -1


def is_embedded_reber(string: str) -> bool:
    """Whether ``string`` belongs to the embedded Reber grammar (the long-range choice matches)."""
    return (
        len(string) >= 6
        and string[0] == "B"
        and string[1] in "TP"
        and string[-2] == string[1]
        and string[-1] == "E"
        and is_reber(string[2:-2])
    )


def grammatical_fraction(generated: str) -> float:
    """Of the complete strings (between newlines) in ``generated``, the fraction that are grammatical."""
    strings = generated.split("\n")[1:-1]  # the first and last may be cut off by the sample's ends
    if not strings:
        return float("nan")
    return sum(is_embedded_reber(s) for s in strings) / len(strings)


def windows(corpus: Corpus, n_rnn: int, max_windows: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Windows as character indices and the next character's index, as the seed's loop makes them.

    ``time_chars[i] = text[i : i + n_rnn]`` and ``next_chars[i] = text[i + n_rnn]`` for every i,
    or every ``stride``-th i when that would be more than ``max_windows`` (returned as the third value).
    """
    index_of = corpus.char_indices  # built once: the property makes a new dict each time
    codes = np.fromiter((index_of[c] for c in corpus.text), dtype=np.int32, count=len(corpus.text))
    total = len(codes) - n_rnn
    stride = max(1, -(-total // max_windows))
    starts = np.arange(0, total, stride)
    grid = starts[:, None] + np.arange(n_rnn)[None, :]
    return codes[grid], codes[starts + n_rnn], stride


def one_hot(indices: np.ndarray, n_chars: int) -> np.ndarray:
    """The seed's boolean one-hot array of ``indices`` (any shape): one more axis of ``n_chars``."""
    out = np.zeros((*indices.shape, n_chars), dtype=bool)
    np.put_along_axis(out, indices[..., None], True, axis=-1)
    return out
