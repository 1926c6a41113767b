"""The app's side of a sweep: start or open one, show its screen, open a point in the tabs, stop it.

``rnnlstm-tui --sweep …`` (not headless) prepares the plan, writes the sweep folder and runs the engine's
sweep in a :class:`tui.sweep_runner.SweepSession`; ``rnnlstm-tui SWEEP_DIR`` only follows the folder.
Either way the table, the chart and the lesson come from the folder (:class:`tui.sweep_runner.SweepFollower`),
and nothing here loads TensorFlow (the points train in worker processes, or are not trained at all).
The sweep screen is installed once and stays alive under the tabs: ``enter`` on a point pops it and
shows the point's run folder as a saved run (followed while it trains); ``escape`` pushes it back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import SystemCommand
from textual.driver import Driver
from textual.screen import Screen

from engine.cli import Invocation
from engine.config.config import Config
from engine.runs.folder import RunFolderError
from engine.runs.reader import resolved
from engine.sweep.folder import SweepFolder, new_sweep_dir
from engine.sweep.grid import SweepError
from engine.sweep.headless import executor_for, prepare
from engine.sweep.lesson import point_note
from engine.sweep.reader import PointStatus, is_sweep
from tui.live import LiveView
from tui.screens.sweep import SweepScreen as SweepScreen  # tui.app's too
from tui.sweep_runner import (
    MakeExecutor,
    PointBegan,
    PointEvents,
    SweepFollower,
    SweepNotice,
    SweepOver,
    SweepRead,
    SweepSession,
    start_resource_tracker,
)

SWEEP_SCREEN = "sweep"
"""The installed sweep screen's name."""
SWEEP_GRACE_SECONDS = 5.0
"""How long quit waits for the sweep to stop its points and write the folder (it kills its workers at once)."""


def sweep_of(source: Invocation | Config) -> Invocation | None:
    """The command line, if it asks for a sweep: ``--sweep`` or ``--resume``, or a sweep folder to open."""
    if isinstance(source, Invocation) and (
        source.sweep is not None or (source.open is not None and is_sweep(source.open))
    ):
        return source
    return None


class SweepControl(LiveView):
    """What :class:`tui.app.RnnLstmApp` does for a sweep (see the module's docstring)."""

    sweep_screen: SweepScreen | None = None
    sweep_session: SweepSession | None = None
    sweep_follower: SweepFollower | None = None
    sweep_executor: MakeExecutor = staticmethod(executor_for)
    """What runs the points (local workers or Ray); the tests hand in a scripted one."""

    def __init__(self, source: Invocation | Config, *, driver_class: type[Driver] | None = None) -> None:
        super().__init__(source if isinstance(source, Config) else source.config, driver_class=driver_class)
        self.sweeping = sweep_of(source)
        """The command line, when it asks for a sweep (shown instead of training, or of ``--open``)."""

    async def show_saved(self, folder: Path) -> None:
        """Show a saved run in the tabs (:class:`tui.app.RnnLstmApp` has it)."""
        raise NotImplementedError

    @property
    def sweep_path(self) -> Path | None:
        """The sweep folder on screen, if any."""
        return self.sweep_screen.path if self.sweep_screen is not None else None

    async def show_sweep(self, invocation: Invocation, run_root: Path) -> None:
        """Open the sweep screen on the sweep ``invocation`` asks for: run it (a new folder under ``run_root``,
        or ``--out``; or ``--resume``), or follow the folder it names."""
        session = None
        if invocation.sweep is not None:
            request = invocation.sweep
            try:
                prepared = prepare(invocation)  # checked on the command line already: this only fails on a race
                folder = prepared.resume or SweepFolder.create(
                    invocation.out or new_sweep_dir(run_root), prepared.plan, list(request.argv)
                )
            except (SweepError, RunFolderError, OSError) as error:
                self.notify(str(error), title="cannot start the sweep", severity="error", markup=False)
                return
            path, lines = folder.path, prepared.plan.lines("local" if prepared.ray is None else prepared.ray)
            session = SweepSession(prepared, folder, list(request.argv), self.post_message, self.sweep_executor)
        else:
            assert invocation.open is not None
            path, lines = invocation.open, []
        await self._install_sweep(path, lines, session)

    async def _install_sweep(
        self, path: Path, lines: list[str], session: SweepSession | None, *, back: bool = False
    ) -> None:
        """Install the sweep screen on ``path``, show it, and start following the folder (and ``session``)."""
        self.sweep_screen = screen = SweepScreen(path, lines, back=back)
        screen.running = session is not None
        self.install_screen(screen, SWEEP_SCREEN)
        await self.push_screen(SWEEP_SCREEN)
        if self.current is None:  # a run opened before (from the runs browser) keeps its state in the tabs
            self.state = "sweep"
        self.sweep_follower = SweepFollower(path, self.post_message, follow_points=session is None)
        self.sweep_follower.start()
        if session is not None:
            self.sweep_session = session
            start_resource_tracker()  # before the first worker process is spawned (see there)
            session.start()

    async def show_folder(self, folder: Path) -> None:
        """A folder chosen in the runs browser: a sweep's view (as ``rnnlstm-tui DIR`` opens it), or a saved run."""
        await (self.open_sweep(folder) if is_sweep(folder) else self.show_saved(folder))

    async def open_sweep(self, path: Path) -> None:
        """Show the sweep folder chosen in the runs browser; its escape goes back to the browser.

        One sweep per app: its follower's messages name no folder, so a second sweep is not shown in place
        of the first; a line says how to open it instead.
        """
        screen = self.sweep_screen
        if screen is None:
            await self._install_sweep(path, [], None, back=True)
        elif resolved(screen.path) == resolved(path):
            screen.back = True
            await self.push_screen(SWEEP_SCREEN)
        else:
            self.notify(
                f"one sweep per window; open this one with: rnnlstm-tui {path}",
                title=f"the sweep {screen.path.name} is open already",
                markup=False,
            )

    def on_sweep_screen_back_requested(self) -> None:
        """Escape on a sweep opened from the runs browser: the browser again."""
        self.pop_screen()
        self.action_runs()

    def action_runs(self, root: Path | None = None) -> None:
        """Browse the saved runs (:class:`tui.app.RnnLstmApp` has it)."""
        raise NotImplementedError

    def guide_note(self) -> str:
        """For a point of the sweep on screen, the Guide's paragraph on its sweep (the engine words it)."""
        screen, run = self.sweep_screen, self.current
        if screen is None or screen.info is None or run is None:
            return ""
        return point_note(screen.info, run.run_dir)

    def can_show_sweep(self) -> bool:
        """``escape`` goes back to the sweep: there is one, and the tabs (not a form or browser) are on screen."""
        return self.sweep_screen is not None and self.screen is not self.sweep_screen and len(self.screen_stack) == 1

    def action_sweep(self) -> None:
        """Back to the sweep's table and chart."""
        if self.can_show_sweep():
            self.push_screen(SWEEP_SCREEN)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The app's commands and, on the sweep screen, its keys (as :func:`tui.keys.binding_commands` offers)."""
        yield from super().get_system_commands(screen)
        if screen is not self.sweep_screen:
            return
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if active.node is self or not active.enabled or not binding.description:
                continue
            help_text = f"{binding.tooltip} (key: {key})"
            yield SystemCommand(binding.description, help_text, partial(screen.run_action, binding.action))

    # -- messages from the sweep's threads (handled here, on the UI thread) -----------------------------

    def on_sweep_read(self, message: SweepRead) -> None:
        if self.sweep_screen is not None and self.is_running:
            self.sweep_screen.show(message.info)

    def on_point_began(self, message: PointBegan) -> None:
        if self.sweep_screen is not None:
            self.sweep_screen.began(message.index)

    def on_point_events(self, message: PointEvents) -> None:
        if self.sweep_screen is not None:
            self.sweep_screen.add_events(message.index, message.events)

    def on_sweep_notice(self, message: SweepNotice) -> None:
        self.notify(message.text, title=message.title, severity="error" if message.error else "information")

    def on_sweep_over(self, message: SweepOver) -> None:
        screen = self.sweep_screen
        if screen is not None:
            screen.running, screen.over = False, message.status
            screen.show_status()
            self.refresh_bindings()
        if message.status != "failed":
            self.notify(f"sweep folder: {self.sweep_path}", title=f"sweep {message.status}", markup=False)

    async def on_sweep_screen_open_point(self, message: SweepScreen.OpenPoint) -> None:
        """Show the point's run in the tabs; if it cannot be shown (the app says why), stay on the sweep."""
        self.pop_screen()
        await self.show_saved(message.path)
        if self.current is None or self.current.run_dir != message.path:
            self.action_sweep()

    def on_sweep_screen_stop_requested(self) -> None:
        if self.sweep_session is not None and self.sweep_session.alive:
            self.sweep_session.stop()
            if self.sweep_screen is not None:
                self.sweep_screen.sub_title = "sweep · stopping…"

    async def end_sweep(self) -> None:
        """Stop the sweep's points (marked interrupted, for ``--resume``) and give the engine a moment to write."""
        if self.sweep_follower is not None:
            self.sweep_follower.stop()
        session = self.sweep_session
        if session is None or not session.alive:
            return
        session.stop()
        if self.sweep_screen is not None:
            self.sweep_screen.sub_title = "sweep · stopping…"
        deadline = time.monotonic() + SWEEP_GRACE_SECONDS
        while session.alive and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    def farewell(self) -> list[str]:
        """What the terminal says after the app: the sweep folder and, if the sweep was stopped, how to go on."""
        path = self.sweep_path
        if path is None:
            return []
        lines = [f"sweep folder: {path}"]
        session = self.sweep_session
        if session is not None and session.status in (PointStatus.INTERRUPTED, None):
            lines.append(f"resume with: rnnlstm-tui --resume {path}")
        return lines
