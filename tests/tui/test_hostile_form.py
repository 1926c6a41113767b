"""The settings form under a hostile user (issue 30, items 1 and 10): no form event may end the app, or the run
training behind the form, and a model box's state reads without colour.

The form feeds what it holds into code that assumes valid values (``for_task``, ``Config.replace``, the
validation's file readers, the memory estimate) on every task switch, keystroke and tick. These tests generate
many cases: every task to every other, with and without files, and random field contents.
"""

from __future__ import annotations

import inspect
import random
import re
from itertools import pairwise, permutations
from pathlib import Path
from typing import Any

from helpers.fake_engine import FakeEngine
from helpers.pilot_helpers import SIZE, SMALL, Watch, done_of, epoch_of, fake_app, settle
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Label, Select

from engine.config.config import SETTING, Config
from engine.config.tasks import for_task
from tui.app import RnnLstmApp
from tui.screens.settings import CHOICES, SettingsScreen, draft_for, form_fields, read_form

TASKS = SETTING["task"].choices
MODELS = SETTING["models"].choices
FILES = ("csv", "text")
"""The settings that name a file the validation reads."""


def _data_files(folder: Path) -> dict[str, str]:
    """A one-column CSV and a text file that make valid runs."""
    (folder / "data.csv").write_text("value\n" + "\n".join(f"{i % 7}.5" for i in range(60)) + "\n")
    (folder / "words.txt").write_text("the quick brown fox jumps over the lazy dog\n" * 4)
    return {"csv": str(folder / "data.csv"), "text": str(folder / "words.txt")}


def _hostile(folder: Path, files: dict[str, str]) -> list[str]:
    """Texts a person can type or paste into any field: numbers by other rules, paths the readers choke on
    (a device read forever, a name too long for the OS, a home folder of no user), huge and odd text."""
    return [
        "",
        " ",
        "0",
        "-1",
        "3",
        "1_000",
        "١٢",
        "²",
        "--5",
        "1e999",
        "nan",
        "0.5",
        "9" * 5000,
        "x" * 3000,
        "a" * 300,
        "a/" * 3000,
        "~nobody_at_all_30/data.csv",
        "/dev/zero",
        "/dev/null",
        "/proc/self/mem",
        str(folder),
        "🙂e\u0301",
        "value",
        *files.values(),
    ]


def _texts(screen: SettingsScreen) -> dict[str, str]:
    return {name[len("field-") :]: widget.value for widget in screen.query(Input) if (name := widget.id or "")}


def _flags(screen: SettingsScreen) -> dict[str, str]:
    """The error labels that say something, by setting name."""
    labels = screen.query(".field-error").results(Label)
    return {(label.id or "")[len("error-") :]: text for label in labels if (text := str(label.render()))}


async def _choose(pilot: Pilot[Any], screen: SettingsScreen, task: str) -> None:
    screen.query_one("#field-task", Select).value = task
    await pilot.pause()


def _untouched(app: RnnLstmApp, run: object, engine: FakeEngine) -> None:
    assert app.is_running and app.current is run and app.active and len(engine.configs) == 1


async def _running_app(pilot: Pilot[Any], watch: Watch) -> tuple[object, SettingsScreen]:
    app = pilot.app
    assert isinstance(app, RnnLstmApp)
    await settle(pilot, watch.expect(epoch_of(1)))
    await pilot.press("c")
    assert isinstance(app.screen, SettingsScreen)
    return app.current, app.screen


def _every_switch(tasks: tuple[str, ...]) -> list[str]:
    """A walk through ``tasks`` that makes every switch from one task to another exactly once (an Euler
    circuit of the complete directed graph, Hierholzer's way): 21 steps for 5 tasks instead of 40 pairs."""
    left = {task: [other for other in tasks if other != task] for task in tasks}
    stack, walk = [tasks[0]], []
    while stack:
        if left[stack[-1]]:
            stack.append(left[stack[-1]].pop())
        else:
            walk.append(stack.pop())
    return walk[::-1]


async def test_every_task_switch_keeps_the_app_and_its_run_and_flags_a_missing_file(tmp_path: Path) -> None:
    files = _data_files(tmp_path)
    engine = FakeEngine(hold_after=1)
    app = fake_app(SMALL.replace(epochs=1000), tmp_path, engine)
    watch = Watch()
    walk = _every_switch(TASKS)
    assert len(walk) == len(TASKS) * (len(TASKS) - 1) + 1 and set(pairwise(walk)) == set(permutations(TASKS, 2))
    visits = dict.fromkeys(TASKS, 0)
    async with app.run_test(size=(100, 40), message_hook=watch) as pilot:
        run, screen = await _running_app(pilot, watch)
        await _choose(pilot, screen, walk[0])
        for start, end in pairwise(walk):
            visits[start] += 1
            with_file = visits[start] % 2 == 0  # each file task is left twice with its file, twice without
            for name in FILES:
                if screen.query(f"#field-{name}"):
                    screen.query_one(f"#field-{name}", Input).value = files[name] if with_file else ""
            await _choose(pilot, screen, end)
            _untouched(app, run, engine)
            assert app.screen is screen and screen.query_one("#field-task", Select).value == end
            assert set(_texts(screen)) == {spec.name for spec in form_fields(end)}
            assert str(screen.query_one("#estimate", Label).render()).startswith("Estimated peak memory: about")
            flags = _flags(screen)
            if end == "csv" and not _texts(screen)["csv"]:
                assert flags == {"csv": "CSV file (none): no file given; allowed: a readable UTF-8 CSV file"}
            else:
                assert flags == {}, (start, end, with_file, flags)
        await _choose(pilot, screen, "csv")
        assert _texts(screen)["csv"] == files["csv"] and _flags(screen) == {}  # as left at its last visit
        await pilot.press("escape")
        _untouched(app, run, engine)
        done = watch.expect(done_of(1))
        await pilot.press("s")
        await settle(pilot, done)


async def test_a_csv_run_keeps_its_file_through_another_task_and_back(tmp_path: Path) -> None:
    files = _data_files(tmp_path)
    config = for_task("csv", csv=files["csv"], epochs=1000, window=5, models=("gru",), seed=7)
    engine = FakeEngine(hold_after=1)
    app = fake_app(config, tmp_path, engine)
    watch = Watch()
    async with app.run_test(size=(100, 40), message_hook=watch) as pilot:
        run, screen = await _running_app(pilot, watch)
        screen.query_one("#field-seed", Input).value = "8"
        await _choose(pilot, screen, "sine")
        assert screen.query_one("#field-seed", Input).value == "8" and screen.query_one("#model-gru", Checkbox).value
        await _choose(pilot, screen, "csv")
        _untouched(app, run, engine)
        assert _texts(screen)["csv"] == files["csv"] and _texts(screen)["window"] == "5" and _flags(screen) == {}
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert engine.configs[-1] == config.replace(seed=8)
        await pilot.press("s")


async def test_random_field_contents_never_end_the_app_or_its_run(tmp_path: Path) -> None:
    files = _data_files(tmp_path)
    pool = _hostile(tmp_path, files)
    rng = random.Random(30)
    engine = FakeEngine(hold_after=1)
    app = fake_app(SMALL.replace(epochs=1000), tmp_path, engine)
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        run, screen = await _running_app(pilot, watch)
        for case in range(8):
            await _choose(pilot, screen, rng.choice(TASKS))
            names = list(_texts(screen))
            for name in names:
                screen.query_one(f"#field-{name}", Input).value = rng.choice(pool)
            screen.query_one("#field-epochs", Input).value = rng.choice(["0", "ten", "1_000", ""])  # never applies
            for kind in MODELS:
                screen.query_one(f"#model-{kind}", Checkbox).value = rng.random() < 0.5
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause()
            _untouched(app, run, engine)
            assert app.screen is screen and "epochs" in _flags(screen), case
            assert all("\n" not in flag for flag in _flags(screen).values())
        await pilot.press("escape")
        _untouched(app, run, engine)
        await pilot.press("s")


def test_reading_the_form_says_what_is_wrong_and_never_raises(tmp_path: Path) -> None:
    """The form's reading on its own, many more cases: every task, on the config the form opened with and on a
    task's draft (a csv draft has no file yet), with random text in every field and random models."""
    files = _data_files(tmp_path)
    pool = _hostile(tmp_path, files)
    rng = random.Random(25)
    opened = for_task("csv", csv=files["csv"], window=5)
    accepted = 0
    for task in TASKS:
        for base in (opened, draft_for(task), Config()):
            for _ in range(40):
                fields = (*CHOICES, *form_fields(task))
                texts = {spec.name: rng.choice(pool) for spec in fields}
                if rng.random() < 0.5:  # mostly valid, so the combined check and the estimate are reached too
                    texts = {spec.name: spec.default_text(getattr(draft_for(task), spec.name)) for spec in fields}
                    texts.update({name: files[name] for name in FILES if name in texts})
                    texts[rng.choice([s.name for s in fields])] = rng.choice(pool)
                texts.update(task=task, optimizer=rng.choice(["sgd", "adam"]))
                models = tuple(kind for kind in MODELS if rng.random() < 0.6)
                config, errors = read_form(base, texts, models)
                assert (config is None) == bool(errors)
                assert all("\n" not in message and message for message in errors.values())
                if config is not None:
                    accepted += 1
                    assert config.task == task and config.models == models
    assert accepted > 20  # the valid path was exercised, not only refusals


async def test_model_boxes_read_on_and_off_without_colour(tmp_path: Path) -> None:
    app = fake_app(SMALL, tmp_path, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)

        def box(kind: str) -> str:
            """The box as plain text, without styles and without its label."""
            return screen.query_one(f"#model-{kind}", Checkbox).render().plain.replace(kind, "").strip()

        assert box("rnn") != box("gru")  # rnn on, gru off
        assert box("rnn") == box("lstm")
        screen.query_one("#model-rnn", Checkbox).value = False
        await pilot.pause()
        assert box("rnn") == box("gru")


def test_app_tcss_declares_each_selector_once() -> None:
    text = re.sub(
        r"/\*.*?\*/", "", (Path(inspect.getfile(RnnLstmApp)).parent / "app.tcss").read_text(), flags=re.DOTALL
    )
    selectors = [" ".join(s.split()) for head in re.findall(r"([^{}]+)\{", text) for s in head.split(",")]
    assert len(selectors) == len(set(selectors)), sorted(s for s in selectors if selectors.count(s) > 1)
