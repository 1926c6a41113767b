"""The Guide tab: observations from this run, a picture of one window, and the task's lesson with the run's numbers."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from tui.charts.curves import Curve, Series
from tui.charts.plots import Chart

PICTURE_COLORS = ("gray", "cyan+", "red+", "orange+")
"""The series trained on (faint), one window, its target, the held-out part."""


class WindowChart(Chart):
    """The series with one window and its target marked, and the held-out part in its own colour."""

    def __init__(self) -> None:
        super().__init__("what a window and its target are", id="guide-window")
        self.x_label = "x"

    def draw(self, pieces: Sequence[tuple[str, Series, Series]]) -> None:
        """Show ``pieces`` (label, x, y), as :func:`engine.report.observe.window_picture` gives them."""
        curves = [Curve(label, x, y, color) for (label, x, y), color in zip(pieces, PICTURE_COLORS, strict=False)]
        self.display = bool(curves)
        self.show(self.chart_title, curves)


class GuidePane(VerticalScroll):
    """The lesson (Markdown from ``engine/guides/<task>.md``) and what the rules observe in this run."""

    def compose(self) -> ComposeResult:
        yield WindowChart()
        yield Markdown("", id="guide-text")

    def show(self, guide: str, observed: str, about: str = "") -> None:
        """Replace the text: ``about`` the run (a sweep's point: its sweep) if any, what it shows, then the lesson."""
        self.query_one(Markdown).update("\n\n".join(part for part in (about, observed, guide) if part))
