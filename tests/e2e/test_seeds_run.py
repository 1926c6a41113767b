"""``--seeds N`` end to end on real TensorFlow: the run folder, reopening it, and the TUI showing it (the
replica engine on its own: test_replicas.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.pilot_helpers import SIZE, Watch, done_of, history_rows, settle
from textual.widgets import DataTable, Label

from engine.cli import parse_invocation
from engine.config.config import Config
from engine.experiment import run_experiment
from engine.report.events import EpochReport, ForecastReport, RunFinished
from engine.report.stop import StopSignal
from engine.runs.replay import replay_run
from tui.app import RnnLstmApp
from tui.panes.training import TrainingPane

TINY = Config(
    units=8, window=8, points=60, batch_size=8, epochs=4, models=("rnn", "lstm"), forecast_every=2, seeds=3, xla=False
)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[object], RunFinished]:
    """One run of ``TINY`` (3 seeds of each model): its folder, its events and how it finished."""
    run_dir = tmp_path_factory.mktemp("seeds") / "run"
    events: list[object] = []
    finished = run_experiment(TINY, run_dir, events.append)
    return run_dir, events, finished


def test_a_run_with_seeds_keeps_each_seed_and_their_spread(seeded: tuple[Path, list[object], RunFinished]) -> None:
    run_dir, events, finished = seeded

    rows = history_rows(run_dir)
    assert len(rows) == 2 * 4 * 3 and {r["seed"] for r in rows} == {"0", "1", "2"}
    reports = [e for e in events if isinstance(e, EpochReport)]
    assert len(reports) == 2 * 4  # one report per model and epoch, carrying every seed
    last = [r for r in reports if r.model == "lstm"][-1]
    assert len(last.seed_val_loss) == 3 and last.val_loss == pytest.approx(sorted(last.seed_val_loss)[1])
    assert [float(r["val_loss"]) for r in rows if r["model"] == "lstm" and r["epoch"] == "4"] == pytest.approx(
        list(last.seed_val_loss)
    )

    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["seeds"] == 3
    lstm = metrics["models"]["lstm"]
    assert [s["seed"] for s in lstm["seeds"]] == [0, 1, 2]
    assert lstm["final_val_loss"] == pytest.approx(last.val_loss)
    assert lstm["spread"]["final_val_loss"]["n"] == 3
    verdict = metrics["verdicts"][0]
    assert verdict["first"] == "LSTM" and len(verdict["interval"]) == 2 and "95 % interval" in verdict["text"]
    assert isinstance(finished, RunFinished) and finished.verdicts == (metrics["verdicts"][0]["text"],)
    assert sorted(p.name for p in run_dir.glob("*.keras")) == [
        f"{m}-seed{s}.keras" for m in ("lstm", "rnn") for s in (0, 1, 2)
    ]
    final = next(e for e in events if isinstance(e, ForecastReport) and e.final and e.model == "rnn")
    f = final.forecast
    assert f.low is not None and f.high is not None and len(f.seed_rmse) == 3
    assert (f.low <= f.predicted + 1e-9).all() and (f.predicted <= f.high + 1e-9).all()

    replayed: list[object] = []
    replay_run(TINY, run_dir, replayed.append, StopSignal())
    again = [e for e in replayed if isinstance(e, EpochReport) and e.model == "lstm"][-1]
    assert again.val_loss == pytest.approx(last.val_loss) and again.seed_val_loss == pytest.approx(last.seed_val_loss)
    assert next(e for e in replayed if isinstance(e, RunFinished)).verdicts == finished.verdicts
    reopened = next(e for e in replayed if isinstance(e, ForecastReport) and e.model == "rnn").forecast
    assert reopened.low == pytest.approx(f.low) and reopened.seed_rmse == pytest.approx(f.seed_rmse)


async def test_the_tui_shows_bands_the_verdict_and_each_seed(
    seeded: tuple[Path, list[object], RunFinished], tmp_path: Path
) -> None:
    # The run above, opened in the app: its events replayed through the path a live run's take.
    app = RnnLstmApp(parse_invocation(["--open", str(seeded[0])]), tmp_path)
    watch = Watch()
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot, watch.expect(done_of(1)))
        await app.workers.wait_for_complete()
        pane = app.query_one(TrainingPane)
        chart = pane.panel("lstm").chart
        assert "min–max of 3" in chart.chart_title
        assert len(chart.faint) == 4  # the low and high edge of the loss band and the val band
        await pilot.press("4")
        assert "Verdict: LSTM's final val loss" in str(app.query_one("#verdicts", Label).render())
        seeds = app.query_one("#seed-table", DataTable)
        assert not seeds.display
        await pilot.press("p")
        assert seeds.display and seeds.row_count == 6
