"""The app's keys, in one place: the Footer, the key panel, keymaps (by ``id``) and the command palette.

Textual's palette does not list an app's bindings by itself; :func:`binding_commands` offers each
one that is usable right now, so every key can also be found by name (``ctrl+p``).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding

TAB_IDS: tuple[str, ...] = ("training", "forecast", "summaries", "metrics", "guide", "inside")
"""Tab pane ids, in the order of the keys 1–6."""

BINDINGS: list[Binding] = [
    Binding("s", "start", "Start", tooltip="Start a new run in a new run folder", id="start"),
    Binding("s", "stop", "Stop", tooltip="Stop after the current epoch; the run folder is completed", id="stop"),
    Binding("r", "restart", "Restart", tooltip="Stop the run and start over in a new run folder", id="restart"),
    Binding("c", "settings", "Settings", tooltip="Edit the settings; applying restarts training", id="settings"),
    Binding("l", "toggle_log", "Log", tooltip="Log scale on the loss charts, on or off", id="log_scale"),
    Binding("m", "toggle_smooth", "Smooth", tooltip="EMA smoothing of the loss curves, on or off", id="smoothing"),
    Binding("o", "runs", "Runs", tooltip="Browse the saved runs: overlay, diff, open one", id="runs"),
    Binding(
        "p", "toggle_seeds", "Seeds", show=False, tooltip="Metrics tab: each seed's row, shown or hidden", id="seeds"
    ),
    Binding(
        "x", "end_run", "End run", tooltip="Stop the detached run for real (asks first); q leaves it training", id="end"
    ),
    Binding("e", "export", "Export", tooltip="Save an SVG screenshot of every tab into the run folder", id="export"),
    Binding(
        "left", "window(-1)", "Window", show=False, priority=True, tooltip="Inside tab: the previous validation window"
    ),
    Binding(
        "right", "window(1)", "Window", show=False, priority=True, tooltip="Inside tab: the next validation window"
    ),
    Binding("escape", "hide_keys", "Hide keys", show=False, tooltip="Close the keys panel"),
    Binding("escape", "sweep", "Sweep", tooltip="Back to the sweep's table and chart (tui/sweep_app.py)", id="sweep"),
    Binding("q", "quit", "Quit", tooltip="Stop training and quit", id="quit"),
    Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="quit_ctrl_c"),
    *(
        Binding(
            f"{n}",
            f"show_tab('{tab}')",
            tab.title(),
            tooltip=f"Show the {tab.title()} tab",
            show=False,
            id=f"tab_{tab}",
        )
        for n, tab in enumerate(TAB_IDS, 1)
    ),
]
"""``s`` is Start or Stop, whichever applies (``check_action`` hides the other); ``1``–``6`` switch tabs, one
key per ``TAB_IDS``, kept out of the Footer (the key panel lists them by tab name).
ctrl+c quits too, with priority so that it works in the settings form's text fields as well."""


def binding_commands(app: App[Any]) -> Iterator[SystemCommand]:
    """A palette command for each of ``BINDINGS`` that the app allows right now (one per action)."""
    seen: set[str] = set()
    for binding in BINDINGS:
        name = binding.action.split("(", 1)[0]
        if binding.action in seen or name == "quit" or not app.check_action(name, ()):  # Textual has Quit
            continue
        seen.add(binding.action)
        help_text = f"{binding.tooltip} (key: {binding.key.replace('ctrl+', '^')})"
        yield SystemCommand(binding.description, help_text, partial(app.run_action, binding.action))
