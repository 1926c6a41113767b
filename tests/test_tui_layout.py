"""What the screen holds at a given size, and what Export saves of it, against the scripted engine."""

from __future__ import annotations

import re
from pathlib import Path

from pilot_helpers import SMALL, fake_app
from textual.containers import Horizontal


def row_of(svg: str, text: str) -> float:
    """The y of the line of an exported SVG screenshot that holds ``text`` (as the SVG escapes it)."""
    match = re.search(r'<text[^>]* y="([0-9.]+)"[^>]*>[^<]*' + re.escape(text), svg)
    assert match, text
    return float(match.group(1))


async def test_export_saves_the_summaries_side_by_side_when_they_fit_and_keeps_every_export(tmp_path: Path) -> None:
    app = fake_app(SMALL, tmp_path)
    async with app.run_test(size=(200, 60)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        boxes = app.query_one("#summary-boxes", Horizontal)
        assert boxes.styles.layout is not None and boxes.styles.layout.name == "horizontal"  # never shown yet
        for _ in range(2):
            await pilot.press("e")
            await app.workers.wait_for_complete()
        folder = app.current.run_dir  # type: ignore[union-attr]
        svg = (folder / "screen-summaries.svg").read_text()
        assert row_of(svg, "Model:&#160;&quot;rnn&quot;") == row_of(svg, "Model:&#160;&quot;lstm&quot;")
        assert (folder / "screen-summaries-2.svg").exists() and (folder / "screen-training-2.svg").exists()
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert boxes.styles.layout is not None and boxes.styles.layout.name == "vertical"  # stacked: too narrow
