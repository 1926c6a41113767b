"""The app attached to a run another process trains (``--detach``, ``--serve``): the key that ends that run.

Showing such a run is showing a saved run that is still being written (:func:`engine.runs.replay.replay_run`
follows it), and quitting the viewer leaves it training. ``x`` (End run) stops it for real, after asking: the
process finishes its epoch and its folder says ``stopped``. A run whose process died says so in the header
("process gone at epoch N"), never "training". Served in a browser, every tab is such a viewer: the keys that
would train inside the tab's own process (start, restart, settings) are not offered, as that training would
end with the tab.
"""

from __future__ import annotations

from pathlib import Path

from engine.config.config import Config
from engine.report.events import RunFinished, Status
from engine.runs.detached import Detached, StopError, alive, read_record, request_stop
from engine.runs.reader import read_run
from tui.screens.confirm import ConfirmScreen
from tui.served import served
from tui.sweep_app import SweepControl

IN_PROCESS = frozenset({"start", "restart", "settings"})
"""Actions that train in the app's own process: not offered in a browser tab (it ends when the tab closes)."""


class AttachControl(SweepControl):
    """What :class:`tui.app.RnnLstmApp` does for a run trained by a detached process."""

    attached: Detached | None = None
    """The detached process training the run on screen, while it does (the End-run key stops it)."""

    async def show_new_run(self, config: Config, run_dir: Path) -> None:
        await super().show_new_run(config, run_dir)
        shown = self.current is not None and not self.current.owns_folder
        record = read_record(run_dir) if shown else None
        self.attached = record if record is not None and alive(record) else None
        self.refresh_bindings()

    def run_ended(self, finished: RunFinished) -> str:
        """``process gone at epoch N`` for a followed run whose process died; else its status."""
        self.attached = None
        if finished.status == Status.INTERRUPTED and self.current is not None and not self.current.owns_folder:
            return read_run(finished.run_dir).gone or str(finished.status)
        return str(finished.status)

    def watch_app_focus(self, focused: bool) -> None:
        """Catch up on what a blurred app skipped, once it has focus.

        A browser tab can start the app before the page gives it focus. While blurred, Textual's Footer skips
        binding updates and a new screen gets no focused widget; without this the first key pressed would
        change the Footer (``e Export`` appearing) and the highlight, as if it had done something.
        """
        if not focused:
            return
        if self.screen.focused is None:
            self.screen.focus_next()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "end_run":
            return self.attached is not None
        return not (action in IN_PROCESS and served())

    def action_end_run(self) -> None:
        """Stop the detached run for real (after asking): it ends after its current epoch, ``stopped``."""
        if self.attached is None or self.current is None:
            return
        folder = self.current.run_dir
        detail = (
            f"Its process ({self.attached.pid}) finishes the current epoch and writes {folder} as stopped, "
            "every epoch kept. To leave it training and close this view, answer no and press q."
        )
        self.push_screen(ConfirmScreen("Stop this run for real?", detail, yes="Stop it"), self._end_run)

    def _end_run(self, yes: bool | None) -> None:
        if not yes or self.attached is None or self.current is None:
            return
        try:
            request_stop(self.current.run_dir)
        except StopError as error:
            self.notify(str(error), title="cannot stop the run", severity="error", markup=False)
            return
        self.state = "stopping"
        self.notify("it stops after its current epoch; this view follows it to the end", title="stopping the run")
