"""The Metrics tab's part for several seeds: the verdicts, the spread over seeds, and each seed (``p``).

The figures and their wording come from :mod:`engine.report.verdicts`, the same ones the headless
output prints; this only lays them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Label

from engine.report.verdicts import seed_rows, spread_rows

ONE_SEED_HINT = (
    "One seed per model: which model wins can change with --seed. "
    "Set seeds to 8 (c, or --seeds 8) for medians, bands and a verdict."
)
"""What the tab says of a run with one seed, where a ranking would be noise."""


class SeedsView(VerticalScroll):
    """Verdicts and spread tables of a run with several seeds; a hint for a run with one."""

    def compose(self) -> ComposeResult:
        yield Label("", id="verdicts")
        yield DataTable(id="spread-table", cursor_type="none", zebra_stripes=True, show_cursor=False)
        yield DataTable(id="seed-table", cursor_type="none", zebra_stripes=True, show_cursor=False)

    def on_mount(self) -> None:
        self.query_one("#seed-table").display = False

    def reset(self, seeds: int) -> None:
        """A new run: the hint, or a note that the figures above are medians."""
        for table in self.query(DataTable):
            table.clear(columns=True)
        self.query_one("#spread-table").display = False
        text = ONE_SEED_HINT if seeds == 1 else f"Each row above is the median over {seeds} seeds; verdicts at the end."
        self.query_one("#verdicts", Label).update(text)

    def show(self, metrics: dict[str, dict[str, Any]], task: str, verdicts: Sequence[str]) -> None:
        """The run's final figures: verdicts, the spread table and the per-seed table."""
        if not any(m.get("seeds") for m in metrics.values()):
            return
        lines = [f"Verdict: {text}" for text in verdicts] or ["No verdict: one model, or no seed finished."]
        lines.append("Spread over seeds (p: each seed):")
        self.query_one("#verdicts", Label).update(Text("\n".join(lines)))  # a saved run's verdicts: no markup
        for table_id, rows in (
            ("#spread-table", spread_rows(metrics, task)),
            ("#seed-table", seed_rows(metrics, task)),
        ):
            table = self.query_one(table_id, DataTable)
            table.clear(columns=True)
            table.add_columns(*rows[0])
            table.add_rows(rows[1:])
        self.query_one("#spread-table").display = True

    def toggle_seeds(self) -> bool:
        """Show or hide the per-seed table; whether it is shown now."""
        table = self.query_one("#seed-table")
        table.display = not table.display and table.row_count > 0  # type: ignore[attr-defined]
        return bool(table.display)
