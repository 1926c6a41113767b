"""The charts' pieces without an app: ticks (tui.charts.axes), markers and the legend (tui.charts.legend),
sparse points."""

from __future__ import annotations

import numpy as np
import pytest

from tui.charts.axes import interval_counts, linear_axis, log_axis, whole_ticks
from tui.charts.curves import Curve, column_picks
from tui.charts.legend import entry, legend_lines
from tui.charts.plots import MODEL_MARKERS, with_markers


def test_a_log_axis_is_ticked_at_decades() -> None:
    axis = log_axis(2.5e-3, 0.0398, 6)  # plotext wrote 0.039810 … 0.002496 here
    assert axis.labels == ["1e-3", "1e-2", "1e-1"] and axis.limits == (-3.0, -1.0)
    assert log_axis(1e-6, 0.016, 6).labels == ["1e-6", "1e-5", "1e-4", "1e-3", "1e-2", "1e-1"]
    assert log_axis(1e-6, 0.016, 3).labels == ["1e-6", "1e-3", "1e0"]  # every third decade on a short axis
    assert log_axis(0.03, 0.06, 5).labels == ["2e-2", "5e-2", "1e-1"]  # within a decade: 2 and 5 between


def test_a_linear_axis_is_ticked_at_round_evenly_spaced_values() -> None:
    axis = linear_axis(0.0133, 0.0398, 5)  # plotext wrote 0.0398, 0.0332, 0.0265, 0.0133 (0.0199 dropped)
    assert axis.labels == ["0.01", "0.02", "0.03", "0.04", "0.05"] and axis.limits == (0.01, 0.05)
    assert linear_axis(-0.54, 1.0, 6).labels == ["-1", "0", "1"]  # the tightest: the data fills the axis
    assert linear_axis(-0.54, 1.0, 11).labels == ["-1.0", "-0.5", "0.0", "0.5", "1.0"]
    assert linear_axis(0.0, 0.16, 3, decimals=3).labels == ["0.000", "0.100", "0.200"]  # a neighbour's format
    assert linear_axis(1e-6, 1.2e-5, 5).labels[:2] == ["0", "5e-6"]  # too many decimals: exponent notation


@pytest.mark.parametrize("rows", range(3, 40))
def test_ticks_sit_evenly_on_rows_and_enclose_the_data(rows: int) -> None:
    gaps = rows - 1
    for axis, low, high in (
        (log_axis(3e-7, 0.02, rows), np.log10(3e-7), np.log10(0.02)),
        (linear_axis(-0.54, 1.0, rows), -0.54, 1.0),
    ):
        intervals = len(axis.ticks) - 1
        assert intervals in interval_counts(rows)
        assert gaps % intervals == 0 or gaps / intervals >= 2.5  # a tick on a row each, or far enough apart
        assert axis.limits[0] <= low and axis.limits[1] >= high
        assert len(set(axis.labels)) == len(axis.labels)  # no two ticks read the same


def test_epoch_ticks_are_whole_and_round() -> None:
    assert whole_ticks(1, 40, 5) == [10, 20, 30, 40]
    assert whole_ticks(1, 3, 8) == [1, 2, 3] and whole_ticks(1, 1, 5) == [1]
    assert whole_ticks(1, 40, 2) == [1, 40]  # no round step fits twice: the ends


def test_every_curve_on_a_chart_gets_its_own_marker() -> None:
    curves = [Curve(f"c{i}", [0], [0], "white") for i in range(4)] + [Curve("rnn", [0], [0], "cyan+", marker="hd")]
    markers = [c.marker for c in with_markers(curves)]
    assert len(set(markers)) == len(markers) and markers[-1] == "hd"
    assert len(set(MODEL_MARKERS.values())) == len(MODEL_MARKERS)


def test_the_legend_shows_each_marker_and_wraps_within_the_width() -> None:
    entries = [entry("braille", "cyan+", "rnn"), entry("hd", "magenta+", "lstm"), entry("o", "green+", "truth", 3)]
    (row,) = legend_lines("epoch", entries, 60)
    assert row.plain.strip() == "epoch  ⠤⠤ rnn  ▄▄ lstm  o truth" and row.cell_len == 60
    rows = legend_lines("x", entries, 14)
    assert [r.plain.strip() for r in rows] == ["x  ⠤⠤ rnn", "▄▄ lstm", "o truth"]
    assert all(r.cell_len == 14 for r in rows)


def test_points_fall_in_every_nth_column_once() -> None:
    x = np.linspace(0, 10, 201)
    picks = column_picks(x, 0, 10, 21, 3)
    columns = np.round(x[picks] / 10 * 20).astype(int)
    assert columns.tolist() == [0, 3, 6, 9, 12, 15, 18]
