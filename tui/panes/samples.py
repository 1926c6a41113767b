"""The text task's preview: what each model writes, side by side, with the prompt it started from."""

from __future__ import annotations

import math
from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from engine.config.choices import MODEL_KINDS
from engine.report.events import SampleReport


class SamplesView(Horizontal):
    """One box per model: the prompt (dim), then the generated text; the title says epoch and grammar."""

    def compose(self) -> ComposeResult:
        for kind in MODEL_KINDS:
            box = Static("", id=f"sample-{kind}", classes="sample")
            box.display = False
            yield box

    def show(self, reports: Iterable[SampleReport]) -> None:
        """Show the latest sample of each model (models without one are hidden)."""
        shown = {report.model: report for report in reports}
        for kind in MODEL_KINDS:
            box = self.query_one(f"#sample-{kind}", Static)
            report = shown.get(kind)
            box.display = report is not None
            if report is None:
                continue
            text = Text(report.prompt, style="dim")
            text.append(report.text)
            box.update(text)
            box.border_title = f"{kind} · {'final' if report.final else 'preview'} after epoch {report.epoch}"
            if not math.isnan(report.grammatical):
                box.border_subtitle = f"grammatical: {report.grammatical:.0%} of complete strings"
