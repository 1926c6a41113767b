"""What the Inside tab draws of a look inside, reduced for the screen (NumPy only: no TensorFlow here)."""

from __future__ import annotations

import numpy as np

from engine.report.events import InsideReport


def state_lines(report: InsideReport, window: int) -> dict[str, np.ndarray]:
    """Each gate or state of ``report`` for validation window ``window``, averaged over units, per step.

    States that can be negative (the LSTM's cell, a hidden state) are averaged by magnitude.
    """
    lines = {}
    for name, values in report.states.items():
        if name == "hidden state" and len(report.states) > 1:
            continue  # an LSTM's or GRU's hidden state is the gates' consequence: shown through them
        chosen = values[min(window, len(values) - 1)]
        lines[name] = np.mean(np.abs(chosen) if "state" in name else chosen, axis=-1)
    return lines


HEATMAP_ORDER = ("cell state", "update gate", "forget gate", "hidden state")
"""The heatmap shows a model's first of these: the one that defines it (an LSTM has a forget gate too, and a
minGRU or minLSTM a hidden state, but the cell state and their gates say more)."""


def heatmap(report: InsideReport, window: int, units: int) -> tuple[str, np.ndarray]:
    """The main state for ``window`` per unit and step, scaled to [0, 1], for the first ``units`` units.

    LSTM: its cell state; GRU and minGRU: their update gate z; minLSTM: its forget gate f' (what it keeps of
    the old state; its input gate i' is 1 − f'); SimpleRNN: its hidden state. States are scaled by their
    largest magnitude (0.5 is zero); gates are already in [0, 1].
    """
    name = next(n for n in HEATMAP_ORDER if n in report.states)
    chosen = report.states[name][min(window, len(report.states[name]) - 1)][:, :units].T  # (units, steps)
    if "gate" in name:
        return name, chosen
    scale = float(np.max(np.abs(chosen))) or 1.0
    return name, 0.5 + 0.5 * chosen / scale
