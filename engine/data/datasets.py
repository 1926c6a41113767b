"""The data of every task, as numpy arrays: the seed's windows of a series, or the adding problem.

Nothing here imports TensorFlow, so the TUI can draw the truth before the engine is up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.config.config import Config
from engine.inputs.csvfile import read_column
from engine.inputs.text import load_corpus, windows


def oscillation(config: Config, indices: np.ndarray) -> np.ndarray:
    """The series of a formula task at sample ``indices`` of the grid (indices past the end extend it).

    ``damped``: y = exp(-x/tau)·cos(x), the seed's; ``sine``: y = sin(x).
    """
    step = config.x_max / (config.points - 1)
    x = np.asarray(indices, dtype=np.float64) * step
    if config.task == "sine":
        return np.sin(x)
    return np.exp(-x / config.tau) * np.cos(x)


@dataclass(frozen=True)
class Dataset:
    """Inputs and targets, and the split Keras's ``validation_split`` would make (the last ones held out).

    For a series task ``inputs[i] = y[i:i+window]`` and ``targets[i] = y[i+1:i+window+1]``; for the
    adding problem each input is a sequence of (value, marker) pairs and its target one number.
    """

    inputs: np.ndarray
    """Shape (n, steps, features), float32."""
    targets: np.ndarray
    """Shape (n, steps, 1) for series (the next value at every step), (n, 1) for one answer per sequence."""
    n_train: int
    x: np.ndarray
    """Where the truth is drawn: the series' grid, or the rank of each held-out sequence."""
    y: np.ndarray
    """The truth the preview chart shows: the clean series (user units), or the held-out targets, sorted."""
    truth_at: Callable[[np.ndarray], np.ndarray] | None = None
    """Series tasks: the clean value at sample indices (in user units) for the closed-loop forecast."""
    forecast_start: int = 1
    """Series tasks: the forecast starts from the window ``y[start:start+window]``."""
    forecast_steps: int = 0
    mean: float = 0.0
    std: float = 1.0
    """The model sees ``(value - mean) / std``; predictions are mapped back for charts and RMSE."""
    column: str = ""
    """The CSV column's name, for the chart and ``config.json``."""
    vocab: tuple[str, ...] = ()
    """The text task's ``chars``: inputs are indices into it (one-hot encoded inside the model)."""
    source: str = ""
    """The text task's corpus: a file name, or the built-in grammar."""
    stride: int = 1
    """The text task keeps every ``stride``-th window (at most ``max_windows``)."""

    @property
    def train(self) -> tuple[np.ndarray, np.ndarray]:
        """The first windows, before any shuffling (Keras splits before it shuffles)."""
        return self.inputs[: self.n_train], self.targets[: self.n_train]

    @property
    def val(self) -> tuple[np.ndarray, np.ndarray]:
        """The last windows, held out for validation."""
        return self.inputs[self.n_train :], self.targets[self.n_train :]

    @property
    def features(self) -> int:
        """Values per step of an input: 1 for a series, 2 for the adding problem, the alphabet's size for text."""
        return len(self.vocab) if self.vocab else int(self.inputs.shape[-1])

    @property
    def per_step(self) -> bool:
        """Whether the model answers at every step (series) or once per sequence."""
        return self.targets.ndim == 3


def make_dataset(config: Config) -> Dataset:
    """The data of ``config.task``."""
    if config.task == "adding":
        return adding_problem(config)
    if config.task == "text":
        return text_windows(config)
    return series_windows(config)


def series_values(config: Config) -> tuple[np.ndarray, np.ndarray, str]:
    """The x grid and the clean values of a series task (a CSV column: its row numbers), and a name."""
    if config.task == "csv":
        column = read_column(config.csv, config.column)
        return np.arange(len(column.values), dtype=np.float64), column.values, column.name
    indices = np.arange(config.points)
    return indices * (config.x_max / (config.points - 1)), oscillation(config, indices), ""


def series_windows(config: Config) -> Dataset:
    """Cut the series into overlapping next-step windows, as the seed does (and add noise if asked)."""
    x, y, name = series_values(config)
    n, w = len(y) - config.window, config.window
    n_train = config.n_train_of(n)
    mean, std = 0.0, 1.0
    if config.task == "csv":  # standardised on what is trained on, so nothing leaks from the held-out part
        seen = y[: n_train + w]
        mean, std = float(seen.mean()), float(seen.std()) or 1.0
    clean = (y - mean) / std
    noisy = clean
    if config.noise > 0:
        noisy = clean + np.random.default_rng(config.seed).normal(0.0, config.noise, size=clean.shape)
    # Row i of the index grid is i, i+1, ..., i+w-1: one fancy-index replaces the seed's loop.
    grid = np.arange(n)[:, None] + np.arange(w)[None, :]
    trained = np.arange(n)[:, None] < n_train  # training windows come from the noisy series, the rest clean
    source = np.where(trained, noisy[grid], clean[grid])[..., None]
    following = np.where(trained, noisy[grid + 1], clean[grid + 1])[..., None]
    if config.task == "csv":
        start, steps = n_train, len(y) - n_train - w  # the held-out part, where the error means something

        def truth_at(index: np.ndarray) -> np.ndarray:
            values: np.ndarray = y[index]
            return values
    else:
        start, steps = 1, n  # the seed's: from r_y[0] = y[1:w+1], n steps (the last one past the grid)

        def truth_at(index: np.ndarray) -> np.ndarray:
            return oscillation(config, index)

    return Dataset(
        inputs=source.astype(np.float32),
        targets=following.astype(np.float32),
        n_train=n_train,
        x=x,
        y=y,
        truth_at=truth_at,
        forecast_start=start,
        forecast_steps=steps,
        mean=mean,
        std=std,
        column=name,
    )


def adding_problem(config: Config) -> Dataset:
    """Hochreiter & Schmidhuber's adding problem: ``length`` steps of (value, marker); the target is
    the sum of the two marked values, one marker in each half of the sequence."""
    rng = np.random.default_rng(config.seed)
    n, t = config.sequences, config.length
    values = rng.uniform(0.0, 1.0, size=(n, t))
    markers = np.zeros((n, t))
    first = rng.integers(0, t // 2, size=n)
    second = rng.integers(t // 2, t, size=n)
    rows = np.arange(n)
    markers[rows, first] = markers[rows, second] = 1.0
    targets = values[rows, first] + values[rows, second]
    n_train = config.n_train_of(n)
    held_out = np.sort(targets[n_train:])
    return Dataset(
        inputs=np.stack([values, markers], axis=-1).astype(np.float32),
        targets=targets[:, None].astype(np.float32),
        n_train=n_train,
        x=np.arange(len(held_out), dtype=np.float64),
        y=held_out,
    )


def text_windows(config: Config) -> Dataset:
    """The seed's character windows (as indices) and next characters, at most ``max_windows`` of them."""
    corpus = load_corpus(config.text, config.seed)
    inputs, targets, stride = windows(corpus, config.window, config.max_windows)
    none = np.zeros(0)
    return Dataset(
        inputs=inputs,
        targets=targets,
        n_train=config.n_train_of(len(targets)),
        x=none,
        y=none,
        vocab=corpus.chars,
        source=corpus.name,
        stride=stride,
    )


def describe(dataset: Dataset) -> dict[str, object]:
    """What was learned from, for ``config.json`` and the screen: the text's size and stride, the CSV's scale."""
    if dataset.vocab:
        windows = len(dataset.targets)
        return {
            "source": dataset.source,
            "distinct_characters": len(dataset.vocab),
            "stride": dataset.stride,
            "windows": windows,
        }
    if dataset.column:
        return {"column": dataset.column, "values": len(dataset.y), "mean": dataset.mean, "std": dataset.std}
    return {}


def describe_text(about: dict[str, object]) -> str:
    """:func:`describe`'s figures in a line ("" for the formula tasks)."""
    if "stride" in about:
        every = "every window" if about["stride"] == 1 else f"every {about['stride']}th window"
        return (
            f"{about['source']}: {about['distinct_characters']} distinct characters, "
            f"{every}: {about['windows']:,} windows"
        )
    if "column" in about:
        scale = f"standardised by mean {about['mean']:.4g}, sd {about['std']:.4g}"
        return f"column {about['column']!r}: {about['values']:,} values, {scale}"
    return ""


def baseline_loss(dataset: Dataset) -> float:
    """The validation loss of the trivial answer: repeat the last value (series), predict the training
    mean (adding), or each character with its frequency in the training text (cross-entropy)."""
    x_val, y_val = dataset.val
    if dataset.vocab:
        counts = np.bincount(dataset.train[1], minlength=len(dataset.vocab)) + 1.0  # +1: no zero probability
        return float(-np.mean(np.log(counts[y_val] / counts.sum())))
    if dataset.per_step:
        return float(np.mean((x_val[..., :1].astype(np.float64) - y_val) ** 2))
    return float(np.mean((y_val - dataset.train[1].mean()) ** 2))
