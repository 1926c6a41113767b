"""The TUI's small pieces, without running an app: display helpers, the settings form, run folders."""

from __future__ import annotations

import gc
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.config.config import Config
from engine.report.events import EpochReport, Forecast, ForecastReport, Phase, RunFinished, Stage, number
from tui.charts.curves import DRAW_POINTS, LOG_FLOOR, drawable, ema, prepared, thin
from tui.charts.history import LossHistory
from tui.messages import EpochsDone, ForecastDone, PhaseChanged, RunDone, to_message
from tui.panes.training import duration
from tui.runner import RunFolders
from tui.screens.settings import CHOICES, form_fields, read_form


def test_importing_the_app_loads_no_tensorflow() -> None:
    """The first frame must not wait for TensorFlow: nothing in tui/ may import it at module level.

    ``engine.experiment`` is imported (the app's default engine) but loads TensorFlow only when a run starts.
    """
    code = (
        "import sys, tui.app, tui.cli; "
        "assert 'engine.experiment' in sys.modules; "
        "heavy = ('tensorflow', 'keras', 'engine.train.trainer', 'engine.train.models'); "
        "heavy = [m for m in heavy if m in sys.modules]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ema_smooths_from_the_first_value() -> None:
    values = [1.0, 0.0, 0.0]
    assert ema(values, alpha=0.5).tolist() == [1.0, 0.5, 0.25]
    assert ema([]).size == 0


def test_drawable_drops_non_finite_and_clamps_for_log() -> None:
    x, y = drawable([1, 2, 3, 4], [0.5, math.nan, math.inf, 0.0], log=False)
    assert x.tolist() == [1, 4] and y.tolist() == [0.5, 0.0]
    x, y = drawable([1, 2, 3, 4], [0.5, math.nan, -1.0, 0.0], log=True)
    assert x.tolist() == [1, 3, 4] and y.tolist() == [0.5, LOG_FLOOR, LOG_FLOOR]


def test_thin_keeps_ends_and_at_most_the_limit() -> None:
    x = np.arange(1, 1001, dtype=float)
    tx, ty = thin(x, x * 2, 50)
    assert len(tx) <= 50 and tx[0] == 1 and tx[-1] == 1000 and (ty == tx * 2).all()
    short = np.arange(10.0)
    assert thin(short, short, 50)[0] is short


def test_loss_history_tracks_the_best_finite_val_loss() -> None:
    history = LossHistory()
    for epoch, val in enumerate([0.5, 0.2, math.nan, 0.3], 1):
        history.add(EpochReport("rnn", epoch, 4, 1.0, val, epoch / 10))
    assert (history.best_val, history.best_epoch) == (0.2, 2)
    assert list(history.epochs) == [1, 2, 3, 4] and history.latest is not None and history.latest.epoch == 4


def test_a_history_gives_the_garbage_collector_nothing_to_walk_per_epoch() -> None:
    """A full collection walks every object a list holds: over a million epochs it held the GIL ~0.25 s."""
    history = LossHistory()
    for epoch in range(1, 1001):
        seeds = {"seed_loss": (0.9, 1.1), "seed_val_loss": (0.4, 0.6)}  # two seeds: the band edges are kept too
        history.add(EpochReport("rnn", epoch, 1000, 1.0, 0.5, epoch / 10, **seeds))  # type: ignore[arg-type]
    series = [history.epochs, history.loss, history.val_loss, history.seconds, history.loss_low, history.val_high]
    assert all(len(s) == 1000 for s in series)
    assert max(len(gc.get_referents(s)) for s in series) <= 1  # (an array's type), not one per epoch


def test_a_long_history_is_thinned_before_any_work_and_smoothed_as_it_arrives() -> None:
    history = LossHistory()
    values = [1.0 / (1 + (epoch % 97)) for epoch in range(1, 50_001)]
    for epoch, value in enumerate(values, 1):
        history.add(EpochReport("rnn", epoch, 50_000, value, value if epoch != 7 else math.nan, epoch / 10))
    curve = history.curve("val", "val_loss", "cyan+")
    x, y = prepared(curve, log=False, smooth=False)
    assert len(x) <= DRAW_POINTS and x[0] == 1 and x[-1] == 50_000
    assert y.tolist() == [values[int(e) - 1] for e in x]  # each point is its epoch's value
    _, sy = prepared(curve, log=False, smooth=True)
    finite = [v for v in values[:6] + values[7:]]  # the NaN of epoch 7 is skipped, as drawing skips it
    full = ema(finite)
    assert sy[-1] == pytest.approx(full[-1]) and sy[0] == pytest.approx(full[0])  # the EMA of every epoch


def test_number_and_duration_formats() -> None:
    assert number(0.000123) == "1.23e-04" and number(math.nan) == "—" and number(None) == "—"
    assert duration(42) == "42s" and duration(185) == "3m05s" and duration(3720) == "1h02m"
    assert duration(math.nan) == "—"


def texts(**changes: str) -> dict[str, str]:
    fields = (*CHOICES, *form_fields("damped"))
    base = {spec.name: spec.default_text(getattr(Config(), spec.name)) for spec in fields}
    return {**base, **changes}


def test_read_form_accepts_valid_input() -> None:
    config, errors = read_form(Config(), texts(epochs="12", learning_rate="0.1", tau="2.5"), ("lstm",))
    assert errors == {}
    assert config == Config(epochs=12, learning_rate=0.1, tau=2.5, models=("lstm",))


def test_read_form_flags_every_bad_field_in_the_forms_own_words() -> None:
    config, errors = read_form(Config(), texts(epochs="1.5", units="0", learning_rate="abc", tau="-1"), ())
    assert config is None
    assert set(errors) == {"epochs", "units", "learning_rate", "tau", "models"}
    assert errors["epochs"] == "epochs 1.5: not a whole number; allowed: an integer from 1 to 1000000"
    assert errors["units"] == "units 0: not allowed; allowed: an integer from 1 to 4096"
    assert errors["learning_rate"].startswith("learning rate abc: not a number")
    assert errors["tau"] == "τ (decay) -1: not allowed; allowed: a finite number greater than 0"
    assert errors["models"].startswith("models (none): not allowed")
    assert not any("--" in message for message in errors.values())  # no command-line flags in the form


def test_read_form_judges_related_fields_together() -> None:
    """A window of 50 leaves 9 training windows of 60 points: a batch of 9 fits, 10 does not."""
    base = Config(points=60, batch_size=10)
    config, errors = read_form(base, texts(window="50", batch_size="9"), ("rnn",))
    assert errors == {} and config == base.replace(window=50, batch_size=9, models=("rnn",))
    config, errors = read_form(base, texts(window="50", batch_size="10"), ("rnn",))
    assert (
        config is None
        and list(errors) == ["batch_size"]
        and errors["batch_size"]
        == ("batch size 10: not allowed; allowed: an integer from 1 to the number of training windows (9)")
    )


def test_run_folders_without_out_are_fresh_timestamps(tmp_path: Path) -> None:
    folders = RunFolders(tmp_path / "runs")
    first, second = folders.next(), folders.next()
    assert first != second and first.parent == second.parent == tmp_path / "runs"
    assert first.is_dir() and second.is_dir()


def test_run_folders_with_out_number_the_restarts(tmp_path: Path) -> None:
    out = tmp_path / "exp"
    (tmp_path / "exp-2").mkdir()
    (tmp_path / "exp-2" / "config.json").write_text("{}")  # holds a run already: skipped
    folders = RunFolders(tmp_path / "unused", out)
    assert [folders.next() for _ in range(3)] == [out, tmp_path / "exp-3", tmp_path / "exp-4"]


def forecast_report(model: str, epoch: int, final: bool = False) -> ForecastReport:
    series = np.zeros(3)
    return ForecastReport(model, epoch, Forecast(np.arange(3), series, series, series, 0.0), final)


def test_a_newer_forecast_preview_replaces_a_queued_one() -> None:
    older, newer = ForecastDone(1, forecast_report("rnn", 10)), ForecastDone(1, forecast_report("rnn", 20))
    assert older.can_replace(newer)
    assert not older.can_replace(ForecastDone(1, forecast_report("lstm", 20)))
    assert not older.can_replace(ForecastDone(2, forecast_report("rnn", 20)))
    assert not ForecastDone(1, forecast_report("rnn", 20, final=True)).can_replace(newer)


def test_to_message_wraps_each_event_with_its_run() -> None:
    report = EpochReport("rnn", 1, 5, 0.1, 0.2, 0.01)
    assert to_message(3, report) == EpochsDone(3, (report,))
    assert isinstance(to_message(1, Phase(Stage.TRAINING)), PhaseChanged)
    assert isinstance(to_message(1, RunFinished(Path("x"), "finished")), RunDone)
    with pytest.raises(TypeError):
        to_message(1, "not an event")  # type: ignore[arg-type]


def test_every_model_has_its_own_colour_that_plotext_draws_and_its_own_marker() -> None:
    import plotext

    from engine.config.choices import MODEL_KINDS
    from tui.charts.plots import MODEL_COLORS, MODEL_MARKERS

    colours = [MODEL_COLORS[kind] for kind in MODEL_KINDS]
    assert len(set(colours)) == len(MODEL_KINDS) and len({MODEL_MARKERS[k] for k in MODEL_KINDS}) == len(MODEL_KINDS)
    assert all("\x1b[" in plotext.colorize("x", colour) for colour in colours)  # an unknown name draws uncoloured
