"""What the Pilot tests share: awaiting handled messages instead of sleeping."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Callable
from pathlib import Path

from textual.message import Message
from textual.pilot import Pilot

from engine.config.config import Config
from helpers.fake_engine import FakeEngine
from tui import messages as msg
from tui.app import RnnLstmApp

SIZE = (100, 30)
SMALL = Config(epochs=6, forecast_every=2, models=("rnn", "lstm"))
"""A short run of the seed's experiment, for the scripted engine."""


def fake_app(config: Config, tmp_path: Path, engine: FakeEngine | None = None, **options: object) -> RnnLstmApp:
    """The app on the scripted engine, writing run folders under ``tmp_path``."""
    return RnnLstmApp(config, tmp_path, experiment=engine or FakeEngine(), **options)  # type: ignore[arg-type]


class Watch:
    """A ``message_hook`` that lets a test await the first handled message matching a predicate."""

    def __init__(self) -> None:
        self.waiters: list[tuple[Callable[[Message], bool], asyncio.Future[Message]]] = []

    def __call__(self, message: Message) -> None:
        for predicate, future in self.waiters:
            if not future.done() and predicate(message):
                future.set_result(message)

    def expect(self, predicate: Callable[[Message], bool]) -> asyncio.Future[Message]:
        """Register before the action that causes the message, then await the future."""
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self.waiters.append((predicate, future))
        return future


def epoch_of(run_id: int) -> Callable[[Message], bool]:
    return lambda m: isinstance(m, msg.EpochsDone) and m.run_id == run_id


def done_of(run_id: int) -> Callable[[Message], bool]:
    return lambda m: isinstance(m, msg.RunDone) and m.run_id == run_id


async def settle(pilot: Pilot, future: asyncio.Future[Message], timeout: float = 60) -> Message:
    message = await asyncio.wait_for(future, timeout)
    await pilot.pause()
    return message


def history_rows(run_dir: Path) -> list[dict[str, str]]:
    with open(run_dir / "history.csv", newline="") as handle:
        return list(csv.DictReader(handle))


async def finished(pilot: Pilot) -> None:
    """Until the run has started and its last message is handled: ``active`` is False again (the worker ends
    as it posts that message, so waiting for the workers alone is not enough)."""
    app = pilot.app
    assert isinstance(app, RnnLstmApp)
    for _ in range(6000):  # a minute at most: a stuck run fails the test instead of hanging it
        if app.current is not None and not app.active:
            break
        await pilot.pause(0.01)
    await asyncio.gather(*(worker.wait() for worker in app.workers), return_exceptions=True)  # a failed run too
    await pilot.pause()
