"""The text task: the seed's dictionaries, windows and one-hot arrays; the grammar; bad text files (no TensorFlow;
sampling and a text run: tests/e2e/test_text_run.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.cli import UsageError, parse_invocation
from engine.config.tasks import for_task
from engine.data.datasets import baseline_loss, make_dataset
from engine.inputs.text import (
    BUILT_IN,
    embedded_reber,
    grammatical_fraction,
    is_embedded_reber,
    load_corpus,
    one_hot,
    windows,
)

JAPANESE = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所で泣いていた。"


def seed_arrays(text: str, n_rnn: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The seed notebook's own loop, verbatim in substance."""
    chars = sorted(list(set(text)))
    char_indices = {char: i for i, char in enumerate(chars)}
    time_chars, next_chars = [], []
    for i in range(0, len(text) - n_rnn):
        time_chars.append(text[i : i + n_rnn])
        next_chars.append(text[i + n_rnn])
    x = np.zeros((len(time_chars), n_rnn, len(chars)), dtype=bool)
    t = np.zeros((len(time_chars), len(chars)), dtype=bool)
    for i, t_cs in enumerate(time_chars):
        t[i, char_indices[next_chars[i]]] = 1
        for j, char in enumerate(t_cs):
            x[i, j, char_indices[char]] = 1
    return chars, x, t


@pytest.mark.parametrize("text", [JAPANESE, "hello, world — the quick brown fox\n" * 3])
def test_dictionaries_windows_and_one_hot_match_the_seeds_loop(tmp_path: Path, text: str) -> None:
    path = tmp_path / "t.txt"
    path.write_text(text, encoding="utf-8")
    corpus = load_corpus(str(path), 0)
    chars, x, t = seed_arrays(text, 5)
    assert list(corpus.chars) == chars
    assert corpus.indices_char == dict(enumerate(chars)) and corpus.char_indices == {c: i for i, c in enumerate(chars)}
    inputs, targets, stride = windows(corpus, 5, 1_000_000)
    assert stride == 1
    np.testing.assert_array_equal(one_hot(inputs, len(chars)), x)
    np.testing.assert_array_equal(one_hot(targets, len(chars)), t)


def test_a_long_text_keeps_at_most_max_windows_with_a_stride(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text(JAPANESE * 40, encoding="utf-8")
    corpus = load_corpus(str(path), 0)
    inputs, _, stride = windows(corpus, 10, 500)
    assert len(inputs) <= 500 and stride == -(-(len(corpus.text) - 10) // 500)
    assert "".join(corpus.chars[i] for i in inputs[1]) == corpus.text[stride : stride + 10]
    config = for_task("text", text=str(path), max_windows=500, window=10)
    assert config.n_windows == len(inputs) == len(make_dataset(config).targets)


def test_the_built_in_corpus_is_the_embedded_reber_grammar() -> None:
    corpus = load_corpus("", 3)
    strings = corpus.text.split()
    assert corpus.name == BUILT_IN and len(strings) == 3000 and all(map(is_embedded_reber, strings))
    assert set(corpus.chars) == set("BTPSXVE\n")
    assert load_corpus("", 3).text == corpus.text and load_corpus("", 4).text != corpus.text
    assert not is_embedded_reber("BTBTXSEPE")  # the long-range choice does not match
    assert not is_embedded_reber("BTBTXXEPE") and is_embedded_reber("BPBTXSEPE")
    rng = np.random.default_rng(0)
    assert grammatical_fraction("XE\n" + "\n".join(embedded_reber(rng) for _ in range(4)) + "\nBT") == 1.0
    assert grammatical_fraction("E\nBTBTXSEPE\nBPBTXSEPE\nBT") == 0.5


def test_text_data_and_its_baseline() -> None:
    data = make_dataset(for_task("text"))
    assert data.inputs.dtype == np.int32 and data.inputs.shape[1] == 20 and data.targets.ndim == 1
    assert data.vocab and data.features == 8 and not data.per_step
    # Character frequencies: better than guessing uniformly among 8, no better than log 8.
    assert 1.0 < baseline_loss(data) < np.log(8)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "--text {f}: no such file; allowed: a readable UTF-8 text file"),
        (b"", "--text {f}: empty"),
        (b"ab\xffcd" * 10, "not UTF-8 (byte offset 2)"),
        (b"abc\x00def" * 10, "binary (a NUL byte at offset 3)"),
        (b"short", "only 5 characters; allowed: at least window + 2 = 22 characters"),
        (("猫" * 50).encode(), "a single distinct character; allowed: at least 2 distinct characters"),
    ],
)
def test_bad_text_files_get_one_line(tmp_path: Path, content: bytes | None, expected: str) -> None:
    target = tmp_path / "book.txt"
    if content is not None:
        target.write_bytes(content)
    with pytest.raises(UsageError) as caught:
        parse_invocation(["--task", "text", "--text", str(target)])
    assert expected.replace("{f}", str(target)) in str(caught.value)


def test_a_folder_or_a_too_big_text_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UsageError, match="is a folder"):
        parse_invocation(["--task", "text", "--text", str(tmp_path)])
    monkeypatch.setattr("engine.inputs.text.MAX_TEXT_BYTES", 100)
    big = tmp_path / "big.txt"
    big.write_text("ab" * 100)
    with pytest.raises(UsageError, match="larger than"):
        parse_invocation(["--task", "text", "--text", str(big)])
