"""How curves tell themselves apart without colour, and the legend that names them, below the plot.

With ``NO_COLOR`` Textual turns every colour into a grey of about its brightness, and bright cyan,
green and magenta end up as near-identical greys. So every curve on a chart also has its own
plotext marker: a fine braille line, a line of half blocks, a line of a character, or points in
every few columns. The legend shows each marker in its colour next to the curve's name; it sits
in the x label's row (wrapping onto more rows if it must), never on top of the data.
"""

from __future__ import annotations

import plotext
from rich.text import Text

BRAILLE, BLOCKS = "braille", "hd"
"""plotext's line markers: 2×4 dots per cell, and 2×2 half blocks (heavier, reads as a different line)."""
MARKERS = (BRAILLE, BLOCKS, "*", "+", "x", "o", "=", "#")
"""The markers curves take in turn where a chart does not choose them."""
SAMPLES = {BRAILLE: "⠤⠤", BLOCKS: "▄▄"}
"""What the legend shows for a line in a multi-cell marker; a character marker shows itself twice."""
GAP = "  "
"""Between legend entries."""


def sample(marker: str, every: int = 0) -> str:
    """The legend's picture of a curve: two cells of its line, or one point."""
    if every:
        return marker
    return SAMPLES.get(marker, marker * 2)


def entry(marker: str, color: str, label: str, every: int = 0) -> Text:
    """One legend entry: the marker in the curve's colour (as plotext colours it), then the name."""
    return Text.from_ansi(plotext.colorize(sample(marker, every), color)) + Text(f" {label}")


def legend_lines(lead: str, entries: list[Text], width: int) -> list[Text]:
    """``lead`` (the x axis's label) and the entries, centred, wrapped to ``width`` columns.

    An entry wider than a whole row is cut with an ellipsis; the first row always exists.
    """
    rows: list[Text] = [Text(lead)]
    for item in entries:
        row = rows[-1]
        if row.cell_len and row.cell_len + len(GAP) + item.cell_len > width:
            rows.append(item.copy())
        else:
            rows[-1] = row + Text(GAP if row.cell_len else "") + item
    for row in rows:
        row.truncate(width, overflow="ellipsis")
        row.align("center", width)
    return rows
