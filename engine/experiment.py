"""One run from start to finish: config → data → models → training → forecast → artifacts.

This is the only entry point the TUI and the headless mode use, so both write the same files.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from engine.artifacts import RunFolder
from engine.config import Config
from engine.events import (
    EpochReport,
    EventSink,
    ForecastReport,
    InsideReport,
    ModelFinished,
    Phase,
    RunFinished,
    RunStarted,
    SampleReport,
    Stage,
    Status,
)
from engine.metrics import LossTrack, model_metrics
from engine.observe import Evidence, observations, observations_markdown
from engine.safeio import record_failure
from engine.seed_report import pair_verdicts, verdict_record
from engine.stop import StopSignal
from engine.tasks import solved_threshold

Experiment = Callable[[Config, Path, EventSink, StopSignal], RunFinished]
"""What a caller runs: ``run_experiment`` itself, or (in the UI's tests) a scripted stand-in with
the same contract — report events to the sink, honour the stop signal, return the last event."""


def run_experiment(config: Config, run_dir: Path, sink: EventSink, stop: StopSignal | None = None) -> RunFinished:
    """Run ``config`` end to end, writing into ``run_dir`` and reporting to ``sink``.

    ``stop`` is a :class:`StopSignal` (created here if not given); setting it
    ends training after the current epoch, and the run is still written out completely.
    """
    config.validate()
    from engine import runtime

    stop = stop if stop is not None else StopSignal()
    loading = Stage.LOADING_JAX if config.backend == "jax" else Stage.LOADING
    sink(Phase(Stage.BUILDING if "keras" in sys.modules else loading))
    device = runtime.prepare_device(config.device, config.backend)  # a DeviceError leaves no half-made run behind
    folder = RunFolder(run_dir, classifier=config.task == "text", first_seed=config.seed)
    try:
        folder.write_json("config.json", config.to_dict())
        folder.write_json("metrics.json", {"status": Status.RUNNING, "models": {}})
        return _run(config, device, folder, sink, stop)
    except Exception as error:
        # Whatever failed (a full disk, say), the folder says so instead of claiming to be still
        # running, and keeps the figures training already found; not once every file is written.
        if not folder.complete:
            record_failure(folder.path, f"{type(error).__name__}: {error}")
        raise
    finally:
        folder.close()


def _run(config: Config, device: str, folder: RunFolder, sink: EventSink, stop: StopSignal) -> RunFinished:
    from engine.callbacks import PreviewCallback, StreamingCallback
    from engine.compiled import backend as keras_backend
    from engine.data import baseline_loss, describe, describe_text, make_dataset
    from engine.forecast import make_preview, with_blanks
    from engine.inside import make_inside
    from engine.models import build_for, summary_text
    from engine.seeds import build_replicas, seed_inside, seed_preview, seed_values, seeds_summary, train_seeds
    from engine.trainer import train_all

    if stop.is_set():  # stopped while TensorFlow loaded (a restart, a quit): building models would only delay it
        finished = RunFinished(folder.path, stop.reason)
        folder.write_json("metrics.json", {"status": stop.reason, "models": {}, "note": "stopped before training"})
        folder.complete = True
        sink(finished)
        return finished
    dataset = make_dataset(config)
    about = describe(dataset)
    if about:  # a CSV's scale, a text's size and stride: kept with the settings
        folder.write_json("config.json", {**config.to_dict(), "data": about})
    # The fast trainer trains every seed's weights stacked (one seed: a stack of one); the Keras
    # model of the first seed stays the one that previews, looks inside and is summarised.
    replicas = (
        {kind: build_replicas(kind, config, dataset) for kind in config.models} if config.trainer == "fast" else {}
    )
    several = config.seeds > 1
    # --trainer keras unrolls only the SimpleRNN: its XLA compile stays ~2 s; an unrolled LSTM/GRU
    # compiled for ~10 s when measured, more than it saves over 1,000 epochs.
    unroll = config.trainer == "keras" and dataset.inputs.shape[1] <= 50
    models = {
        kind: (
            replicas[kind].models[0] if replicas else build_for(kind, config, dataset, unroll=unroll and kind == "rnn")
        )
        for kind in config.models
    }
    summaries = {kind: summary_text(model) for kind, model in models.items()}
    params = {kind: int(model.count_params()) for kind, model in models.items()}
    folder.write_text("summaries.txt", "\n\n".join(summaries.values()) + "\n")
    baseline = baseline_loss(dataset)
    solved_below = solved_threshold(config, baseline)
    sink(RunStarted(folder.path, device, summaries, params, baseline, solved_below, describe_text(about)))
    sink(Phase(Stage.TRAINING))

    previews = {kind: make_preview(kind, model, dataset, config) for kind, model in models.items()}
    histories = {kind: LossTrack(solved_below=solved_below) for kind in models}
    seed_tracks = {kind: [LossTrack(solved_below=solved_below) for _ in range(config.seeds)] for kind in replicas}
    seed_tracks = seed_tracks if several else {}
    if replicas:  # every seed's preview through the first seed's model, merged into a median and band
        previews = {kind: seed_preview(replicas[kind], models[kind], previews[kind]) for kind in models}

    def on_epoch(report: EpochReport) -> None:
        histories[report.model].add_report(report)
        for k, track in enumerate(seed_tracks.get(report.model, ())):
            track.add_seed(report, k)
        folder.append_epoch(report)
        sink(report)

    def on_preview(report: ForecastReport | SampleReport | InsideReport) -> None:
        if isinstance(report, SampleReport):
            folder.append_sample(report)
        sink(report)

    insides = {kind: make_inside(kind, model, dataset, config) for kind, model in models.items() if config.inside}
    if replicas:
        insides = {kind: seed_inside(replicas[kind], models[kind], inside) for kind, inside in insides.items()}
    latest_inside: dict[str, InsideReport] = {}

    def on_inside(report: ForecastReport | SampleReport | InsideReport) -> None:
        assert isinstance(report, InsideReport)
        latest_inside[report.model] = report
        folder.append_gradients(report)
        sink(report)

    def callbacks_for(kind: str) -> list:
        callbacks = [
            StreamingCallback(kind, config.epochs, on_epoch),
            PreviewCallback(config.forecast_every, previews[kind], on_preview),
        ]
        if kind in insides:
            callbacks.append(PreviewCallback(config.forecast_every, insides[kind], on_inside))
        return callbacks

    if replicas:
        outcomes = train_all(replicas, dataset, config, callbacks_for, stop, trainer=train_seeds)
    else:
        outcomes = train_all(models, dataset, config, callbacks_for, stop)
    status = run_status([o.status for o in outcomes.values()])

    def write_metrics(finals: dict[str, ForecastReport | SampleReport]) -> tuple[dict[str, dict], list[str]]:
        metrics = {
            kind: model_metrics(
                histories[kind],
                params[kind],
                outcomes[kind].status,
                outcomes[kind].epochs_done,
                outcomes[kind].seconds,
                finals.get(kind),
            )
            if not several
            else seeds_summary(config, seed_tracks[kind], params[kind], outcomes[kind], finals.get(kind))
            for kind in models
        }
        judged = {"baseline_val_loss": baseline, "solved_below": solved_below}
        verdicts = [verdict_record(v) for v in pair_verdicts(metrics)]
        seeds = {"seeds": config.seeds, "verdicts": verdicts} if several else {}
        ran_on = {"status": status, "device": device, "backend": keras_backend()}  # what Keras really ran on
        folder.write_json("metrics.json", {**ran_on, **judged, **seeds, "models": metrics})
        return metrics, [str(v["text"]) for v in verdicts]

    # Written at once, so a process killed while forecasting or saving still leaves the truth.
    write_metrics({})
    for kind, outcome in outcomes.items():
        sink(ModelFinished(kind, outcome.status, outcome.epochs_done))

    sink(Phase(Stage.FORECASTING))
    finals: dict[str, ForecastReport | SampleReport] = {}
    for kind in models:  # in the configured order, which forecast.csv's columns follow
        outcome = outcomes[kind]
        if outcome.status != Status.DIVERGED and outcome.epochs_done > 0:
            finals[kind] = previews[kind](outcome.epochs_done, True)
            on_preview(finals[kind])
            if kind in insides:
                on_inside(insides[kind](outcome.epochs_done, True))
                folder.write_states(latest_inside[kind])
    forecasts = {k: r.forecast for k, r in finals.items() if isinstance(r, ForecastReport)}
    folder.write_forecasts(with_blanks(list(models), forecasts, dataset, config))  # a diverged model's: empty
    metrics, verdicts = write_metrics(finals)
    for kind, model in models.items():
        if outcomes[kind].epochs_done == 0:  # an untrained model is not a result (metrics.json's files say so)
            continue
        if kind in replicas:  # the trained weights, copied back from the stack into the Keras models
            replicas[kind].copy_back()
        if several:
            for seed, seed_model in zip(seed_values(config), replicas[kind].models, strict=True):
                folder.save_model(f"{kind}-seed{seed}", seed_model)
        else:
            folder.save_model(kind, model)
    evidence = Evidence(
        config,
        dict(histories),
        params,
        {k: r.forecast for k, r in finals.items() if isinstance(r, ForecastReport)},
        baseline,
        {k: r for k, r in finals.items() if isinstance(r, SampleReport)},
        latest_inside,
    )
    said = observations(evidence)
    if several:  # the rules read one curve per model: here the medians, which no single seed drew
        said.insert(
            0,
            f"With {config.seeds} seeds per model, what follows reads the median curves and the median "
            "forecast (a median of oscillations out of phase is flatter than any of them); the verdict on "
            "the Metrics tab compares the seeds themselves.",
        )
    folder.write_text("observations.md", observations_markdown(said))
    write_metrics(finals)  # again, now that its list of files is complete
    folder.complete = True
    finished = RunFinished(folder.path, status, metrics, tuple(said), tuple(verdicts))
    sink(finished)
    return finished


def run_status(statuses: list[Status]) -> Status:
    """The run's status: interrupted or stopped if it was cut short, diverged if any model was."""
    for status in (Status.INTERRUPTED, Status.STOPPED, Status.DIVERGED):
        if status in statuses:
            return status
    return Status.FINISHED
