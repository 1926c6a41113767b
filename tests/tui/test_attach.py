"""The app attached to a detached run (issue 31), through Pilot on a stand-in process (no TensorFlow).

``x`` (End run) is offered only while the detached process trains, asks first, and stops the run for real; the
viewer follows it to ``stopped``. A run whose process died is "process gone at epoch N". In a browser tab the
keys that would train inside the tab's own process are not offered.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.detached_runs import dead_record, running_folder, stand_in
from helpers.pilot_helpers import Watch, done_of, settle
from textual.widgets._footer import FooterKey

from engine.cli import parse_invocation
from tui import attach
from tui.app import RnnLstmApp
from tui.screens.confirm import ConfirmScreen

SIZE = (120, 36)


def viewer(folder: Path, tmp_path: Path) -> RnnLstmApp:
    return RnnLstmApp(parse_invocation(["--open", str(folder)]), tmp_path / "runs")


def gone_viewer(tmp_path: Path) -> RnnLstmApp:
    """The viewer of a run whose detached process died (nothing trains, nothing to stop)."""
    folder = running_folder(tmp_path / "run")
    dead_record(folder)
    return viewer(folder, tmp_path)


async def test_end_run_asks_first_then_stops_the_detached_process(tmp_path: Path) -> None:
    folder = running_folder(tmp_path / "run")
    process = stand_in(folder)
    app, watch = viewer(folder, tmp_path), Watch()
    try:
        async with app.run_test(size=SIZE, message_hook=watch) as pilot:
            for _ in range(3000):  # until the viewer has caught up with the history (30 s at most)
                if app.state == "training":
                    break
                await pilot.pause(0.01)
            assert app.attached is not None and app.attached.pid == process.pid
            assert "x" in app.active_bindings and app.state == "training"  # followed: still being written
            await pilot.press("x")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("n")  # no: nothing is sent
            assert not isinstance(app.screen, ConfirmScreen) and process.poll() is None
            ended = watch.expect(done_of(1))
            await pilot.press("x", "y")
            assert process.wait(timeout=30) == 0
            await settle(pilot, ended)
            assert app.state == "stopped" and app.attached is None and "x" not in app.active_bindings
    finally:
        process.kill()


async def test_q_leaves_the_detached_run_training(tmp_path: Path) -> None:
    folder = running_folder(tmp_path / "run")
    process = stand_in(folder)
    app = viewer(folder, tmp_path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("q")
        assert process.poll() is None and '"running"' in (folder / "metrics.json").read_text()
    finally:
        process.kill()


async def test_a_run_whose_process_died_says_process_gone_never_training(tmp_path: Path) -> None:
    folder = running_folder(tmp_path / "run")
    dead_record(folder)
    app, watch = viewer(folder, tmp_path), Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot, watch.expect(done_of(1)))
        assert app.state == "process gone at epoch 3" and "process gone at epoch 3" in app.sub_title
        assert "x" not in app.active_bindings  # nothing left to stop


async def test_a_browser_tab_offers_no_key_that_trains_inside_the_tab(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = gone_viewer(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert {"r", "c"} <= set(app.active_bindings)  # in a terminal: restart and the settings form
        monkeypatch.setattr(attach, "served", lambda: True)
        app.refresh_bindings()
        await pilot.pause()
        assert not {"s", "r", "c"} & set(app.active_bindings) and {"l", "o", "e", "q"} <= set(app.active_bindings)


async def test_an_app_that_gets_focus_late_catches_up_its_footer_and_focus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A browser tab can start the app blurred: the Footer skips binding changes and nothing has focus until then."""
    app = gone_viewer(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.screen.set_focus(None)  # first: blurred with nothing focused, as a screen composed while blurred is
        app.app_focus = False
        monkeypatch.setattr(attach, "served", lambda: True)
        app.refresh_bindings()  # the Footer, blurred, does not redraw: restart is still shown
        await pilot.pause()
        shown = {key.key for key in app.screen.query(FooterKey)}
        assert "r" in shown and app.screen.focused is None
        app.app_focus = True  # as a first key press or the page's focus event does
        await pilot.pause()
        await pilot.pause()
        shown = {key.key for key in app.screen.query(FooterKey)}
        assert "r" not in shown and "e" in shown and app.screen.focused is not None
