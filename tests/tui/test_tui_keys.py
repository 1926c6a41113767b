"""The app's keys: the command palette, the keys panel, screenshots — on the scripted engine."""

from __future__ import annotations

from pathlib import Path

from helpers.pilot_helpers import SIZE, SMALL, Watch, done_of, fake_app, settle


async def test_keys_are_in_the_command_palette(tmp_path: Path) -> None:
    app = fake_app(SMALL, tmp_path, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Start", "Restart", "Settings", "Log", "Smooth", "Training", "Metrics"} <= titles
        assert "Stop" not in titles and "Export" not in titles  # nothing runs yet
        await pilot.press("ctrl+p", *"smooth")
        await app.workers.wait_for_complete()  # the palette searches in a worker
        await pilot.press("enter")
        assert app.smoothing


async def test_escape_closes_the_keys_panel_and_screenshots_go_to_the_run_folder(tmp_path: Path) -> None:
    app = fake_app(SMALL, tmp_path)
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        assert app.state == "starting"  # never "idle" while a run is about to begin
        await settle(pilot, watch.expect(done_of(1)))
        app.action_show_help_panel()
        await pilot.pause()
        assert app.screen.query("HelpPanel")
        await pilot.press("escape")
        assert not app.screen.query("HelpPanel")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert titles.count("Screenshot") == 1
        app.action_save_screen()
        app.action_save_screen()
        folder = app.current.run_dir  # type: ignore[union-attr]
        assert (folder / "screen.svg").exists() and (folder / "screen-2.svg").exists()  # the second keeps the first
