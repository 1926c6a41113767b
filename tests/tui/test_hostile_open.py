"""Opening saved runs that a hostile user damaged (issue 30, items 2 and 7), in the app through Pilot.

A setting of the wrong type is named in the runs screen and enter says why it cannot be opened (the
browser stays, a run in progress goes on); damaged results, markup in saved text and huge histories
are shown without a crash; a saved run is read, never shown as training or compiling.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

from helpers.fake_engine import FakeEngine
from helpers.pilot_helpers import Watch, done_of, epoch_of, settle
from helpers.saved_runs import SETTING_NAMES, copy_run, make_run, make_seeded_run, random_json, write_json, wrong_values
from textual.widgets import DataTable, Label

from engine.cli import parse_invocation
from engine.config.config import SETTING, Config
from tui import messages as msg
from tui.app import RnnLstmApp
from tui.screens.runs import RunsScreen

SIZE = (120, 36)


class Recording(RnnLstmApp):
    """The app, keeping every notice it gives and what the header and panels said at each phase."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.said: list[tuple[str, str]] = []
        self.phases: list[tuple[str, list[str]]] = []
        self.animation_level = "none"  # a tab switch need not wait for its underline to slide

    def notify(self, message: str, *, title: str = "", **options: Any) -> None:  # type: ignore[override]
        self.said.append((title, message))
        super().notify(message, title=title, **options)

    def on_phase_changed(self, message: msg.PhaseChanged) -> None:
        super().on_phase_changed(message)
        self.phases.append((str(self.state), [str(label.render()) for label in self.query(".model-stats")]))


def damaged_config(template: Path, folder: Path, key: str, value: object) -> Path:
    copy_run(template, folder)
    write_json(folder / "config.json", {**json.loads((folder / "config.json").read_text()), key: value})
    return folder


async def test_the_runs_screen_names_every_wrong_setting_and_opens_none_of_them(tmp_path: Path) -> None:
    template = make_run(tmp_path / "template")
    root = tmp_path / "runs"
    copy_run(template, root / "good")
    rng = random.Random("issue 30 runs screen")
    chosen = {key: rng.choice(wrong_values(SETTING[key], rng, 6)) for key in SETTING_NAMES}
    for key, value in chosen.items():
        damaged_config(template, root / f"bad-{key}", key, value)
    app = Recording(parse_invocation(["--runs", str(root)]), root, experiment=FakeEngine())
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        table = screen.query_one(DataTable)
        rows = [str(k.value) for k in table.rows]
        for key in chosen:
            assert f"config.json: {key} " in str(table.get_cell(f"bad-{key}", "status")), key
            table.move_cursor(row=rows.index(f"bad-{key}"))
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is screen and app.current is None, key  # not opened, not crashed
            title, message = app.said[-1]
            assert title == "cannot open this run" and f"bad-{key}: config.json: {key} " in message, key
            assert "allowed: " in message, key
        table.move_cursor(row=rows.index("good"))
        done = watch.expect(done_of(1))
        await pilot.press("enter")
        await settle(pilot, done)
        assert app.current is not None and app.current.run_dir.name == "good" and app.state == "finished"


async def test_a_damaged_run_opened_while_another_trains_leaves_it_training(tmp_path: Path) -> None:
    bad = damaged_config(make_run(tmp_path / "template"), tmp_path / "bad", "epochs", "1500")
    app = Recording(Config(epochs=50), tmp_path / "runs", experiment=FakeEngine(hold_after=2))
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot, watch.expect(epoch_of(1)))
        training = app.current
        await app.show_saved(bad)
        await pilot.pause()
        assert app.current is training and app.active and not training.stop.is_set()  # type: ignore[union-attr]
        assert app.said[-1] == (
            "cannot open this run",
            f'{bad}: config.json: epochs "1500": text, not a number; allowed: an integer from 1 to 1000000',
        )


async def test_open_mode_on_a_damaged_run_says_why_and_waits(tmp_path: Path) -> None:
    bad = damaged_config(make_run(tmp_path / "template"), tmp_path / "bad", "models", "rnn")
    app = Recording(parse_invocation(["--open", str(bad)]), tmp_path / "runs", experiment=FakeEngine())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert app.current is None and app.state == "idle" and app.is_running
        assert any('config.json: models "rnn": text, not a list' in message for _, message in app.said)


def damaged_folders(tmp_path: Path) -> tuple[list[Path], list[Path]]:
    """Runs whose results (not settings) are damaged, which are shown; and runs that cannot be shown."""
    one = make_run(tmp_path / "template")
    rng = random.Random("issue 30 open damaged")
    shown: list[Path] = []
    for n in range(2):  # every figure of every model of the wrong type, at random
        folder = copy_run(one, tmp_path / f"figures-{n}")
        metrics = json.loads((folder / "metrics.json").read_text())
        for entry in metrics["models"].values():
            entry.update({key: random_json(rng) for key in entry})
        write_json(folder / "metrics.json", metrics)
        shown.append(folder)
    folder = copy_run(one, tmp_path / "run [/] [bold")  # markup in the folder's name and in saved text
    metrics = json.loads((folder / "metrics.json").read_text())
    write_json(folder / "metrics.json", {**metrics, "device": "[/]", "note": "[bold", "verdicts": [{"text": "[/]"}]})
    (folder / "summaries.txt").write_text('Model: "rnn"\n[/] [red]\n')
    shown.append(folder)
    seeded = make_seeded_run(tmp_path / "seeds")
    metrics = json.loads((seeded / "metrics.json").read_text())
    metrics["verdicts"] = [{"text": "[/] wins"}]
    metrics["models"]["rnn"]["seeds"][0] |= {"seed": "x", "status": [], "final_val_loss": {}}
    metrics["models"]["lstm"]["spread"] = {"final_val_loss": {"mean": "[/]"}, "forecast_rmse": []}
    write_json(seeded / "metrics.json", metrics)
    shown.append(seeded)
    text = make_run(tmp_path / "text", task="text")
    config = json.loads((text / "config.json").read_text())
    data = {"source": "[/] grammar", "distinct_characters": 7, "stride": 1, "windows": 100}
    write_json(text / "config.json", {**config, "data": data})
    (text / "samples.txt").write_text("=== rnn, epoch 3 (final) ===\n[/]|[bold]x\n")
    shown.append(text)
    huge = copy_run(one, tmp_path / "huge")
    os.truncate(huge / "history.csv", 64 << 20)
    (huge / "forecast.csv").write_text("index,x,truth,rnn\n1,[/],,x\n")
    shown.append(huge)
    csv = tmp_path / "data.csv"
    csv.write_text("v\n" + "\n".join(str(i % 7) for i in range(60)) + "\n")
    gone = make_run(tmp_path / "csv-gone", task="csv", csv=str(csv))
    csv.unlink()
    return shown, [gone]


async def test_damaged_results_are_shown_on_every_tab_and_a_run_without_its_data_is_refused(tmp_path: Path) -> None:
    shown, refused = damaged_folders(tmp_path)
    app = Recording(Config(), tmp_path / "runs", experiment=FakeEngine(), autostart=False)
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        for n, folder in enumerate(shown, 1):
            done = watch.expect(done_of(n))
            await app.show_saved(folder)
            await settle(pilot, done)
            for tab in "234561":  # every tab draws what the run left
                await pilot.press(tab)
            await pilot.pause()
            assert app.is_running and app.current is not None and app.current.run_dir == folder
            assert app.state in ("finished", "error"), folder.name
        for folder in refused:
            await app.show_saved(folder)
            await pilot.pause()
            assert app.current is not None and app.current.run_dir == shown[-1]
            assert app.said[-1][0] == "cannot open this run" and "no such file" in app.said[-1][1]


async def test_a_saved_run_is_read_never_shown_as_training_or_compiling(tmp_path: Path) -> None:
    folder = make_run(tmp_path / "run")
    app = Recording(parse_invocation(["--open", str(folder)]), tmp_path / "runs")
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot, watch.expect(done_of(1)))
        assert app.phases == [("reading the run folder", ["epoch 0/3 · reading its history…"] * 2)]
        assert "training" not in app.sub_title and app.state == "finished"
        stats = [str(label.render()) for label in app.query(".model-stats").results(Label)]
        assert stats == ["finished at epoch 3/3"] * 2
