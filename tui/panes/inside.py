"""The Inside tab: how far back each model's gradient reaches, and its gates and states over one window.

The numbers come from the engine (:mod:`engine.train.inside`); this only draws them. The heatmap reads
without colour too: each cell is also a character of a ramp, from blank (low) to ``@`` (high).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Static

from engine.report.events import InsideReport
from engine.report.states import heatmap, state_lines
from tui.charts.curves import Curve
from tui.charts.plots import MODEL_COLORS, MODEL_MARKERS, CurveChart

RAMP = " .:-=+*#%@"
"""Low to high, for the heatmap's cells (what a NO_COLOR terminal shows)."""
RAMP_COLORS = ("blue", "blue", "cyan", "cyan", "green", "green", "yellow", "yellow", "red", "red")
"""The same ramp in the 16 ANSI colours."""
STATE_COLORS = {
    "input gate": "green+",
    "forget gate": "cyan+",
    "output gate": "orange+",
    "cell state": "magenta+",
    "update gate": "white",  # plotext has no "yellow+" (its yellow is "orange+", the output gate's): uncoloured
    "reset gate": "blue+",
    "hidden state": "red+",
}
"""One plotext colour per gate or state name, each a different one of the 16 ANSI colours: an LSTM's four, a GRU's
or minGRU's update and reset gates, minLSTM's forget and input gates, and a SimpleRNN's hidden state read apart."""
HEATMAP_UNITS = 12


HEATMAP_COLUMNS = 40
"""At most this many steps across: a longer sequence shows every n-th step."""


def heatmap_text(name: str, values: list[list[float]]) -> Text:
    """Rows of units, columns of steps: each cell a ramp character in its ramp colour."""
    steps = len(values[0]) if values else 0
    every = -(-steps // HEATMAP_COLUMNS) or 1
    shown = "every step" if every == 1 else f"1 step in {every}"
    text = Text(f"{name}: units (rows) × steps ({shown}); blank = low … @ = high\n")
    for row in values:
        for value in row[::every]:
            level = min(len(RAMP) - 1, max(0, int(value * len(RAMP))))
            text.append(RAMP[level], style=f"{RAMP_COLORS[level]} on black")
        text.append("\n")
    return text


class InsidePane(Vertical):
    """The gradient through time of every model, and gates and states of the chosen window."""

    def compose(self) -> ComposeResult:
        yield CurveChart("gradient through time: |d loss(last step) / d input(T−k)|", id="inside-gradient")
        yield Label("no look inside yet: it comes with every preview", id="inside-status")
        with Horizontal(id="inside-states"):
            yield CurveChart("gates and states, mean over units", id="inside-gates")
            yield Static("", id="inside-heatmap")

    def on_mount(self) -> None:
        self.query_one("#inside-gradient", CurveChart).x_label = "lag k (steps back from the last)"
        self.query_one("#inside-gates", CurveChart).x_label = "step"

    def draw(self, first: dict[str, InsideReport], latest: dict[str, InsideReport], window: int, log: bool) -> None:
        """Gradients at the first and latest look of each model; the states of ``window`` at the latest."""
        curves, earlier = [], False
        for model, report in latest.items():
            early = first.get(model)
            if early is not None and early.epoch != report.epoch:
                earlier = True
                curves.append(
                    Curve(
                        f"{model} @{early.epoch}",
                        list(range(len(early.gradient))),
                        early.gradient,
                        "gray",  # and the next free marker: the first look reads apart without colour too
                    )
                )
            lags, color = list(range(len(report.gradient))), MODEL_COLORS[model]
            curves.append(Curve(f"{model} @{report.epoch}", lags, report.gradient, color, marker=MODEL_MARKERS[model]))
        self.query_one("#inside-gradient", CurveChart).draw(curves, log=log)
        gates = []
        for model, report in latest.items():
            for name, line in state_lines(report, window).items():
                steps = list(range(1, len(line) + 1))
                gates.append(Curve(f"{model} {name}", steps, line, STATE_COLORS.get(name, "white")))
        self.query_one("#inside-gates", CurveChart).draw(gates)
        shown = latest.get("lstm") or next(iter(latest.values()), None)
        if shown is not None:
            name, values = heatmap(shown, window, HEATMAP_UNITS)
            self.query_one("#inside-heatmap", Static).update(heatmap_text(f"{shown.model} {name}", values.tolist()))
            count = len(next(iter(shown.states.values())))
            self.query_one("#inside-status", Label).update(
                f"validation window {window + 1} of {count} (← → choose) · gradient averaged over the validation "
                f"windows{'; the grey curves: the first look' if earlier else ''}"  # said only when drawn
            )
