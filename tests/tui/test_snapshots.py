"""Snapshots of what a person sees: every tab, the settings form with a flagged error, the too-small notice,
the charts without colour and on a linear axis, and a run whose every model diverged.

The data comes from the scripted engine, so every number on screen is the same on every run;
the run folder is a fixed relative path. Update after an intended change of the look with
``pytest tests/tui/test_snapshots.py --snapshot-update`` and look at the new SVGs before committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from helpers.fake_engine import FakeEngine
from helpers.pilot_helpers import finished
from textual.pilot import Pilot
from textual.widgets import Input

from engine.cli import Invocation
from engine.config.config import Config
from tui.app import RnnLstmApp

SIZES = [(80, 24), (120, 36)]
CONFIG = Config(epochs=40, forecast_every=10, models=("rnn", "lstm"))
SnapCompare = Callable[..., bool]


def finished_app(folder: Path, monkeypatch: pytest.MonkeyPatch, engine: FakeEngine | None = None) -> RnnLstmApp:
    """An app whose (scripted) run will have finished, writing under a fixed relative path."""
    monkeypatch.chdir(folder)
    invocation = Invocation(config=CONFIG, out=Path("runs/snapshot"), headless=False)
    return RnnLstmApp(invocation, Path("runs"), experiment=engine or FakeEngine())


def after_run(*keys: str) -> Callable[[Pilot], Awaitable[None]]:
    """Wait for the run to end and its messages to be handled, then press ``keys``.

    Waiting for the workers is not enough: on a busy machine the run may not have started yet
    (it starts after the first frame), or its worker may have ended with its last messages still
    queued. A run is over once it exists and ``RunDone`` is handled (``active`` is then False).
    The "training finished" toast is cleared: it would cover the charts' legends.
    """

    async def run_before(pilot: Pilot) -> None:
        await finished(pilot)
        pilot.app.clear_notifications()
        await pilot.press(*keys)
        await pilot.pause()

    return run_before


TABS = {"1": "training", "2": "forecast", "3": "summaries", "4": "metrics", "5": "guide", "6": "inside"}
WIDE = ("1", "2", "5")
"""Tabs also taken at 120×36: the ones whose layout grows with the terminal (charts, wrapped text); the tables and
the Inside tab's fixed-size panels look the same there as at 80×24, only with more margin."""


@pytest.mark.parametrize(
    ("key", "size"),
    [(key, SIZES[0]) for key in TABS] + [(key, SIZES[1]) for key in WIDE],
    ids=[f"{TABS[key]}-80x24" for key in TABS] + [f"{TABS[key]}-120x36" for key in WIDE],
)
def test_tab(key: str, size: tuple[int, int], snap_compare: SnapCompare, tmp_path: Path, monkeypatch) -> None:
    app = finished_app(tmp_path, monkeypatch)
    assert snap_compare(app, terminal_size=size, run_before=after_run(key))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_settings_form_flags_a_bad_value(
    size: tuple[int, int], snap_compare: SnapCompare, tmp_path: Path, monkeypatch
) -> None:
    app = finished_app(tmp_path, monkeypatch)

    async def run_before(pilot: Pilot) -> None:
        await after_run("c")(pilot)
        pilot.app.screen.query_one("#field-learning_rate", Input).value = "-1"
        await pilot.press("ctrl+s")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_too_small_notice(snap_compare: SnapCompare, tmp_path: Path, monkeypatch) -> None:
    app = finished_app(tmp_path, monkeypatch)
    assert snap_compare(app, terminal_size=(50, 15), run_before=after_run())


def test_forecast_without_colour(snap_compare: SnapCompare, tmp_path: Path, monkeypatch) -> None:
    """NO_COLOR: the truth (points), the given window (+) and each model (its own line) still read apart."""
    monkeypatch.setenv("NO_COLOR", "1")  # read (and removed) by the App when it is made
    app = finished_app(tmp_path, monkeypatch)
    assert snap_compare(app, terminal_size=(80, 24), run_before=after_run("2"))


def test_training_on_a_linear_axis(snap_compare: SnapCompare, tmp_path: Path, monkeypatch) -> None:
    """After l: round, evenly spaced ticks, in one format on the two charts side by side (log: test_tab)."""
    app = finished_app(tmp_path, monkeypatch)
    assert snap_compare(app, terminal_size=(80, 24), run_before=after_run("l"))


def test_forecast_when_every_model_diverged(snap_compare: SnapCompare, tmp_path: Path, monkeypatch) -> None:
    app = finished_app(tmp_path, monkeypatch, FakeEngine(diverge={"rnn": 3, "lstm": 5}))
    assert snap_compare(app, terminal_size=(80, 24), run_before=after_run("2"))
