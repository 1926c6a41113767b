"""The damped oscillation and its windows, exactly as the seed notebook builds them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.config import Config


def oscillation(config: Config, indices: np.ndarray) -> np.ndarray:
    """y = exp(-x/tau) * cos(x) at sample ``indices`` of the grid (indices past the end extend it)."""
    step = config.x_max / (config.points - 1)
    x = np.asarray(indices, dtype=np.float64) * step
    return np.exp(-x / config.tau) * np.cos(x)


@dataclass(frozen=True)
class Dataset:
    """Windows of the series and the split Keras's ``validation_split`` would make."""

    x: np.ndarray
    """The sampled grid, shape (points,)."""
    y: np.ndarray
    """The series, shape (points,)."""
    inputs: np.ndarray
    """``inputs[i] = y[i:i+window]``, shape (n_windows, window, 1), float32."""
    targets: np.ndarray
    """``targets[i] = y[i+1:i+window+1]``, the next step at every position."""
    n_train: int

    @property
    def train(self) -> tuple[np.ndarray, np.ndarray]:
        """The first windows, before any shuffling (Keras splits before it shuffles)."""
        return self.inputs[: self.n_train], self.targets[: self.n_train]

    @property
    def val(self) -> tuple[np.ndarray, np.ndarray]:
        """The last windows, held out for validation."""
        return self.inputs[self.n_train :], self.targets[self.n_train :]


def make_dataset(config: Config) -> Dataset:
    """Sample the series and cut it into overlapping next-step windows."""
    indices = np.arange(config.points)
    x = indices * (config.x_max / (config.points - 1))
    y = oscillation(config, indices)
    n, w = config.n_windows, config.window
    # Row i of the index grid is i, i+1, ..., i+w-1: one fancy-index replaces the seed's loop.
    grid = np.arange(n)[:, None] + np.arange(w)[None, :]
    inputs = y[grid].astype(np.float32)[..., None]
    targets = y[grid + 1].astype(np.float32)[..., None]
    return Dataset(x=x, y=y, inputs=inputs, targets=targets, n_train=config.n_train)
