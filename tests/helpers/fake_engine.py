"""A scripted stand-in for ``engine.experiment.run_experiment``: the same contract, no TensorFlow.

It reports the real event types in the real order (phase, run started, epochs of every model
interleaved, forecast previews, model finished, final forecasts, run finished), writes a real
run folder through :class:`engine.runs.folder.RunFolder`, and honours the stop signal between
epochs. Its numbers are made up but deterministic, so UI tests and snapshots can assert on
them. The real engine is tested on real TensorFlow elsewhere (``test_engine_*``, ``test_tui_e2e``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.config.config import Config
from engine.config.tasks import solved_threshold
from engine.data.datasets import baseline_loss, make_dataset
from engine.report.events import (
    EpochReport,
    EventSink,
    Forecast,
    ForecastReport,
    InsideReport,
    ModelFinished,
    Phase,
    RunFinished,
    RunStarted,
    SampleReport,
    Stage,
    Status,
    run_status,
)
from engine.report.metrics import LossTrack, model_metrics
from engine.report.observe import Evidence, observations, observations_markdown
from engine.report.stop import StopSignal
from engine.runs.folder import RunFolder

PARAMS = {"rnn": 1_721, "lstm": 6_761, "gru": 5_201, "mingru": 201, "minlstm": 281}
START_LOSS = {"rnn": 0.1, "lstm": 0.2, "gru": 0.15, "mingru": 0.12, "minlstm": 0.18}
LAYERS = {
    "rnn": "simple_rnn (SimpleRNN)",
    "lstm": "lstm (LSTM)",
    "gru": "gru (GRU)",
    "mingru": "min_gru (MinGRU)",
    "minlstm": "min_lstm (MinLSTM)",
}
SUMMARY = """Model: "{name}"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┓
┃ Layer (type)              ┃ Output Shape        ┃    Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━┩
│ {layer:<25} │ (None, 20, 40)      │ {params:>10,} │
└───────────────────────────┴─────────────────────┴────────────┘
 Total params: {params:,}"""
WAIT_SECONDS = 30
"""Longest a scripted pause waits for the test to release it (a safety net, never reached when green)."""


def loss_at(model: str, epoch: int) -> tuple[float, float]:
    """The scripted (loss, val_loss) of ``model`` after ``epoch``: falling, val ten times lower."""
    loss = START_LOSS[model] * 0.8**epoch
    return loss, loss / 10


@dataclass
class FakeEngine:
    """Call it like ``run_experiment``; the fields script what happens."""

    diverge: dict[str, int] = field(default_factory=dict)
    """Model → epoch whose loss is NaN (that model stops there, the others train on)."""
    fail_after: int | None = None
    """Raise ``RuntimeError`` once this many epochs have run."""
    hold_after: int | None = None
    """After this many epochs, wait for the stop signal (a long run the test ends itself)."""
    gate: threading.Event | None = None
    """A slow start: stay in the "loading TensorFlow" phase until the test sets this."""
    device: str = "CPU (fake engine)"
    configs: list[Config] = field(default_factory=list)
    """Every config it was called with, in order."""

    def __call__(self, config: Config, run_dir: Path, sink: EventSink, stop: StopSignal) -> RunFinished:
        self.configs.append(config)
        sink(Phase(Stage.LOADING))
        if self.gate is not None:
            self.gate.wait(WAIT_SECONDS)
        folder = RunFolder(run_dir, classifier=config.task == "text")
        try:
            return self._run(config, folder, sink, stop)
        finally:
            folder.close()

    def _run(self, config: Config, folder: RunFolder, sink: EventSink, stop: StopSignal) -> RunFinished:
        folder.write_json("config.json", config.to_dict())
        folder.write_json("metrics.json", {"status": Status.RUNNING, "models": {}})
        summaries = {m: SUMMARY.format(name=m, layer=LAYERS[m], params=PARAMS[m]) for m in config.models}
        params = {m: PARAMS[m] for m in config.models}
        folder.write_text("summaries.txt", "\n\n".join(summaries.values()) + "\n")
        baseline = baseline_loss(make_dataset(config))
        solved_below = solved_threshold(config, baseline)
        sink(RunStarted(folder.path, self.device, summaries, params, baseline, solved_below))
        sink(Phase(Stage.TRAINING))
        tracks = {m: LossTrack(solved_below=solved_below) for m in config.models}
        status = {m: Status.FINISHED for m in config.models}
        running = list(config.models)
        for epoch in range(1, config.epochs + 1):
            if self.fail_after is not None and epoch > self.fail_after:
                raise RuntimeError("scripted failure")
            if stop.is_set() or (self.hold_after is not None and epoch > self.hold_after and stop.wait(WAIT_SECONDS)):
                for model in running:
                    status[model] = stop.reason
                    sink(ModelFinished(model, stop.reason, epoch - 1))
                running = []
                break
            for model in list(running):
                loss, val = loss_at(model, epoch)
                if self.diverge.get(model) == epoch:
                    loss = val = float("nan")
                accuracy = (1 - loss, 1 - val) if config.task == "text" else (float("nan"),) * 2
                report = EpochReport(model, epoch, config.epochs, loss, val, epoch * 0.01, *accuracy)
                tracks[model].add_report(report)
                folder.append_epoch(report)
                sink(report)
                if self.diverge.get(model) == epoch:
                    status[model] = Status.DIVERGED
                    running.remove(model)
                    sink(ModelFinished(model, Status.DIVERGED, epoch))
                elif config.forecast_every and epoch % config.forecast_every == 0:
                    sink(preview(config, model, epoch, final=False))
                    if config.inside:
                        sink(look_inside(config, model, epoch, final=False))
        for model in running:
            sink(ModelFinished(model, Status.FINISHED, config.epochs))
        sink(Phase(Stage.FORECASTING))
        finals: dict[str, ForecastReport | SampleReport] = {}
        inside: dict[str, InsideReport] = {}
        for model in config.models:
            done = len(tracks[model].epochs)
            if status[model] != Status.DIVERGED and done:
                final = preview(config, model, done, final=True)
                if isinstance(final, SampleReport):
                    folder.append_sample(final)
                finals[model] = final
                sink(final)
                if config.inside:
                    inside[model] = look_inside(config, model, done, final=True)
                    sink(inside[model])
        folder.write_forecasts({m: r.forecast for m, r in finals.items() if isinstance(r, ForecastReport)})
        metrics = {
            m: model_metrics(
                tracks[m], PARAMS[m], status[m], len(tracks[m].epochs), len(tracks[m].epochs) * 0.01, finals.get(m)
            )
            for m in config.models
        }
        overall = run_status(list(status.values()))
        judged = {"baseline_val_loss": baseline, "solved_below": solved_below}
        folder.write_json("metrics.json", {"status": overall, "device": self.device, **judged, "models": metrics})
        said = observations(
            Evidence(
                config,
                tracks,
                params,
                {m: r.forecast for m, r in finals.items() if isinstance(r, ForecastReport)},
                baseline,
                {m: r for m, r in finals.items() if isinstance(r, SampleReport)},
                inside,
            )
        )
        folder.write_text("observations.md", observations_markdown(said))
        finished = RunFinished(folder.path, overall, metrics, tuple(said))
        sink(finished)
        return finished


def preview(config: Config, model: str, epoch: int, *, final: bool) -> ForecastReport | SampleReport:
    """The task's scripted preview: a forecast, or (text) a sample that is grammatical from epoch 3 on."""
    if config.task == "text":
        strings = ["BTBTXSETE", "BPBPVVEPE"] if epoch >= 3 else ["BTBTXSEPE", "BPBPVVEPE"]
        text = "\n" + "\n".join(strings * 3) + "\nBT"
        return SampleReport(model, epoch, "EPE\nBTBPVVETE", text, 1.0 if epoch >= 3 else 0.5, final)
    return ForecastReport(model, epoch, forecast(config, model, epoch), final)


def look_inside(config: Config, model: str, epoch: int, *, final: bool) -> InsideReport:
    """A scripted look inside: the SimpleRNN's gradient halves at every step back, the others' fade slowly."""
    steps = config.length if config.task == "adding" else config.window
    lags = np.arange(steps)
    gradient = (0.5 if model == "rnn" else 0.95) ** lags / (1 + epoch)
    ramp = np.broadcast_to(np.linspace(0, 1, steps)[None, :, None], (4, steps, 3)).copy()
    states = {"hidden state": ramp} if model == "rnn" else {"forget gate": 1 - ramp / 2, "cell state": ramp - 0.5}
    if model == "mingru":  # the min models' own names, as the engine's look inside gives them
        states = {"update gate": 0.25 + ramp / 2, "hidden state": ramp - 0.5}
    elif model == "minlstm":
        states = {"forget gate": 1 - ramp / 2, "input gate": ramp / 2, "hidden state": ramp - 0.5}
    return InsideReport(model, epoch, gradient, states, final)


def forecast(config: Config, model: str, epoch: int) -> Forecast:
    """A made-up preview that nears the truth as epochs pass (the truth is the task's real data)."""
    data = make_dataset(config)
    if data.per_step:
        index = np.arange(
            data.forecast_start + config.window, data.forecast_start + config.window + data.forecast_steps
        )
        truth, x = data.truth_at(index), data.x[0] + index * (data.x[1] - data.x[0])  # type: ignore[misc]
    else:
        index, truth, x = np.arange(len(data.y)), data.y, data.x
    predicted = truth * (1 - START_LOSS[model] / (1 + 0.1 * epoch))
    rmse = float(np.sqrt(np.mean((predicted - truth) ** 2)))
    return Forecast(index=index, x=x, truth=truth, predicted=predicted, rmse=rmse)
