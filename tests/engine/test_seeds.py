"""``--seeds N``: the figures over seeds (no TensorFlow; the replica engine: tests/e2e/test_seeds_run.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.report.spread import band, summary, verdict


def test_the_band_leaves_out_diverged_seeds_and_counts_them() -> None:
    b = band([1.0, 3.0, math.nan, 2.0, math.inf])
    assert (b.median, b.low, b.high, b.n, b.of) == (2.0, 1.0, 3.0, 3, 5)
    assert math.isnan(band([math.nan, math.nan]).median)


def test_summary_gives_mean_sd_and_range_of_the_finite_values() -> None:
    s = summary([1.0, 2.0, 3.0, math.nan])
    assert s["mean"] == 2.0 and s["sd"] == pytest.approx(1.0) and (s["min"], s["max"], s["n"], s["of"]) == (1, 3, 3, 4)


def test_a_clear_win_is_called_with_its_counts_and_interval() -> None:
    lstm = [1e-5 * (1 + 0.1 * k) for k in range(8)]
    rnn = [1e-4 * (1 + 0.1 * k) for k in range(8)]
    said = verdict("LSTM", lstm, "SimpleRNN", rnn, "final val loss")
    assert (said.lower_in, said.pairs) == (8, 8)
    assert said.median_ratio == pytest.approx(0.1)
    assert said.interval is not None and said.interval[1] < 1
    assert said.conclusion.startswith("LSTM is lower")
    assert said.text.startswith("LSTM's final val loss is lower than SimpleRNN's in 8 of 8 seeds; median ratio 0.1")


def test_overlapping_seeds_get_no_clear_difference() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.lognormal(0, 1, 8), rng.lognormal(0, 1, 8)
    said = verdict("LSTM", a, "SimpleRNN", b, "final val loss")
    assert said.interval is not None and said.interval[0] < 1 < said.interval[1]
    assert said.conclusion.startswith("no clear difference")
    assert "no clear difference" in said.text and "is lower than SimpleRNN's in" in said.text


def test_too_few_seeds_get_no_interval_and_a_diverged_seed_is_not_paired() -> None:
    said = verdict("LSTM", [1.0, math.nan, 2.0], "SimpleRNN", [2.0, 3.0, 4.0], "final val loss")
    assert said.pairs == 2 and said.lower_in == 2
    assert said.interval is None and said.conclusion.startswith("too few seeds")
    assert "in 2 of 2 seeds where both finished (LSTM 2 of 3, SimpleRNN 3 of 3)" in said.text
