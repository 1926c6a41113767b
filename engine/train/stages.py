"""A run's stages, in the order they happen: data → models → previews → training → forecasts → files.

:func:`engine.experiment.run_experiment` loads this module once Keras's backend is chosen and calls
:func:`run_stages`; each stage is a function of its own so that a run reads as the list below and a
sweep can reuse the same steps. Everything a stage leaves for the next is on :class:`Built`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import keras

from engine.config.config import Config
from engine.config.tasks import solved_threshold
from engine.data.datasets import Dataset, baseline_loss, describe, describe_text, make_dataset
from engine.report.events import (
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
    run_status,
)
from engine.report.metrics import LossTrack, model_metrics
from engine.report.observe import Evidence, observations, observations_markdown
from engine.report.stop import StopSignal
from engine.report.verdicts import pair_verdicts, verdict_record
from engine.runs.folder import RunFolder
from engine.train.callbacks import PreviewCallback, StreamingCallback
from engine.train.compiled import backend as keras_backend
from engine.train.forecast import Preview, make_preview, with_blanks
from engine.train.inside import Inside, make_inside
from engine.train.models import build_for, summary_text
from engine.train.replicas import Replicas, ReplicaWeights, make_replica_epoch
from engine.train.seeds import build_replicas, seed_inside, seed_preview, seed_values, seeds_summary, train_seeds
from engine.train.trainer import Outcome, train_all
from engine.train.trainers import trainer_for

Finals = dict[str, ForecastReport | SampleReport]
"""Each model's last preview (forecast or samples), taken once training ended."""


@dataclass
class Built:
    """What the stages hand on: the data, the models and what watches them train."""

    config: Config
    folder: RunFolder
    sink: EventSink
    device: str
    """What it trains on, as ``metrics.json`` names it."""
    dataset: Dataset
    models: dict[str, keras.Model]
    replicas: dict[str, Replicas]
    """Every seed's weights stacked, per model (``--trainer fast``; empty for the others)."""
    params: dict[str, int]
    baseline: float
    solved_below: float | None
    previews: dict[str, Preview] = field(default_factory=dict)
    insides: dict[str, Inside] = field(default_factory=dict)
    histories: dict[str, LossTrack] = field(default_factory=dict)
    seed_tracks: dict[str, list[LossTrack]] = field(default_factory=dict)
    latest_inside: dict[str, InsideReport] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    @property
    def several(self) -> bool:
        """Whether each model trains several seeds (a band, a verdict) rather than one."""
        return self.config.seeds > 1


def run_stages(config: Config, device: str, folder: RunFolder, sink: EventSink, stop: StopSignal) -> RunFinished:
    """The whole run after Keras has loaded: every stage in turn; the last event is returned."""
    if stop.is_set():  # stopped while TensorFlow loaded (a restart, a quit): building models would only delay it
        finished = RunFinished(folder.path, stop.reason)
        said = {"status": stop.reason, "device": device, "models": {}, "note": "stopped before training"}
        folder.write_json("metrics.json", said)
        folder.complete = True
        sink(finished)
        return finished
    built = build(config, device, folder, sink)
    watch(built)
    train(built, stop)
    finals = forecast(built)
    return finish(built, finals)


def build(config: Config, device: str, folder: RunFolder, sink: EventSink) -> Built:
    """Stage 1: the data and the models; their summaries are written and announced (``RunStarted``)."""
    dataset = make_dataset(config)
    about = describe(dataset)
    if about:  # a CSV's scale, a text's size and stride: kept with the settings
        folder.write_json("config.json", {**config.to_dict(), "data": about})
    # The fast trainer trains every seed's weights stacked (one seed: a stack of one); the Keras
    # model of the first seed stays the one that previews, looks inside and is summarised.
    replicas: dict[str, Replicas] = (
        {kind: build_replicas(kind, config, dataset) for kind in config.models} if config.trainer == "fast" else {}
    )
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
    return Built(config, folder, sink, device, dataset, models, replicas, params, baseline, solved_below)


def watch(built: Built) -> None:
    """Stage 2: the previews and looks inside that run every ``forecast_every`` epochs, and the loss tracks."""
    config, models, replicas = built.config, built.models, built.replicas
    built.previews = {kind: make_preview(kind, model, built.dataset, config) for kind, model in models.items()}
    built.histories = {kind: LossTrack(solved_below=built.solved_below) for kind in models}
    if built.several:
        built.seed_tracks = {
            kind: [LossTrack(solved_below=built.solved_below) for _ in range(config.seeds)] for kind in replicas
        }
    if replicas:  # every seed's preview through the first seed's model, merged into a median and band
        built.previews = {kind: seed_preview(replicas[kind], models[kind], built.previews[kind]) for kind in models}
    if config.inside:
        built.insides = {kind: make_inside(kind, model, built.dataset, config) for kind, model in models.items()}
    if replicas:
        built.insides = {kind: seed_inside(replicas[kind], models[kind], look) for kind, look in built.insides.items()}


def on_epoch(built: Built, report: EpochReport) -> None:
    """An epoch ended: tracked, appended to ``history.csv``, passed on."""
    built.histories[report.model].add_report(report)
    for k, track in enumerate(built.seed_tracks.get(report.model, ())):
        track.add_seed(report, k)
    built.folder.append_epoch(report)
    built.sink(report)


def on_preview(built: Built, report: ForecastReport | SampleReport | InsideReport) -> None:
    """A preview was taken: samples are appended to ``samples.txt``, everything is passed on."""
    if isinstance(report, SampleReport):
        built.folder.append_sample(report)
    built.sink(report)


def on_inside(built: Built, report: ForecastReport | SampleReport | InsideReport) -> None:
    """A look inside was taken: kept as the latest, its gradients appended, passed on."""
    assert isinstance(report, InsideReport)
    built.latest_inside[report.model] = report
    built.folder.append_gradients(report)
    built.sink(report)


def callbacks_for(built: Built, kind: str) -> list[keras.callbacks.Callback]:
    """The callbacks that stream ``kind``'s epochs and previews to the caller."""
    callbacks: list[keras.callbacks.Callback] = [
        StreamingCallback(kind, built.config.epochs, lambda report: on_epoch(built, report)),
        PreviewCallback(built.config.forecast_every, built.previews[kind], lambda report: on_preview(built, report)),
    ]
    if kind in built.insides:
        callbacks.append(
            PreviewCallback(built.config.forecast_every, built.insides[kind], lambda report: on_inside(built, report))
        )
    return callbacks


def train(built: Built, stop: StopSignal) -> None:
    """Stage 3: every model trains, each in its own thread; ``metrics.json`` is written as soon as they end."""
    config, dataset = built.config, built.dataset
    if built.replicas:
        stacks = {kind: stack for kind, stack in built.replicas.items() if isinstance(stack, ReplicaWeights)}
        # Each model's compiled epoch is made here, one after another, before the threads start: traced in a
        # fixed order, it loads from the compile cache (see engine.train.compiled.compile_function).
        epochs = {kind: make_replica_epoch(stack, dataset, config) for kind, stack in stacks.items()}

        def work(kind: str) -> Outcome:
            return train_seeds(kind, stacks[kind], dataset, config, callbacks_for(built, kind), stop, epochs[kind])

        built.outcomes = train_all(stacks, work, stop)
    else:
        trainer = trainer_for(config.trainer)
        models = built.models
        built.outcomes = train_all(
            models, lambda kind: trainer(kind, models[kind], dataset, config, callbacks_for(built, kind), stop), stop
        )
    models_ended(built)


def models_ended(built: Built) -> None:
    """Training is over: ``metrics.json`` is written at once and each model's end announced."""
    # Written at once, so a process killed while forecasting or saving still leaves the truth.
    write_metrics(built, {})
    for kind, outcome in built.outcomes.items():
        built.sink(ModelFinished(kind, outcome.status, outcome.epochs_done))


def forecast(built: Built) -> Finals:
    """Stage 4: each trained model's final preview and look inside; ``forecast.csv`` and the states are written."""
    built.sink(Phase(Stage.FORECASTING))
    finals: Finals = {}
    for kind in built.models:  # in the configured order, which forecast.csv's columns follow
        outcome = built.outcomes[kind]
        if outcome.status != Status.DIVERGED and outcome.epochs_done > 0:
            finals[kind] = built.previews[kind](outcome.epochs_done, True)
            on_preview(built, finals[kind])
            if kind in built.insides:
                on_inside(built, built.insides[kind](outcome.epochs_done, True))
                built.folder.write_states(built.latest_inside[kind])
    forecasts = {k: r.forecast for k, r in finals.items() if isinstance(r, ForecastReport)}
    built.folder.write_forecasts(with_blanks(list(built.models), forecasts, built.dataset, built.config))
    return finals


def finish(built: Built, finals: Finals) -> RunFinished:
    """Stage 5: the figures, the trained models, the observations; the folder is complete."""
    metrics, verdicts = write_metrics(built, finals)
    save_models(built)
    config = built.config
    evidence = Evidence(
        config,
        dict(built.histories),
        built.params,
        {k: r.forecast for k, r in finals.items() if isinstance(r, ForecastReport)},
        built.baseline,
        {k: r for k, r in finals.items() if isinstance(r, SampleReport)},
        built.latest_inside,
    )
    said = observations(evidence)
    if built.several:  # the rules read one curve per model: here the medians, which no single seed drew
        said.insert(
            0,
            f"With {config.seeds} seeds per model, what follows reads the median curves and the median "
            "forecast (a median of oscillations out of phase is flatter than any of them); the verdict on "
            "the Metrics tab compares the seeds themselves.",
        )
    built.folder.write_text("observations.md", observations_markdown(said))
    write_metrics(built, finals)  # again, now that its list of files is complete
    built.folder.complete = True
    status = run_status([o.status for o in built.outcomes.values()])
    finished = RunFinished(built.folder.path, status, metrics, tuple(said), tuple(verdicts))
    built.sink(finished)
    return finished


def save_models(built: Built) -> None:
    """Each trained model as a ``.keras`` file (every seed's, with several); an untrained one is not a result."""
    for kind, model in built.models.items():
        if built.outcomes[kind].epochs_done == 0:  # metrics.json's list of files says so
            continue
        if kind in built.replicas:  # the trained weights, copied back from the stack into the Keras models
            built.replicas[kind].copy_back()
        if built.several:
            seeds_models = zip(seed_values(built.config), built.replicas[kind].models, strict=True)
            for seed, seed_model in seeds_models:
                built.folder.save_model(f"{kind}-seed{seed}", seed_model)
        else:
            built.folder.save_model(kind, model)


def write_metrics(built: Built, finals: Finals) -> tuple[dict[str, dict[str, object]], list[str]]:
    """``metrics.json`` as things stand: each model's figures, the verdicts; returns the figures and verdicts."""
    config, outcomes = built.config, built.outcomes
    metrics: dict[str, dict[str, object]] = {
        kind: (
            model_metrics(
                built.histories[kind],
                built.params[kind],
                outcomes[kind].status,
                outcomes[kind].epochs_done,
                outcomes[kind].seconds,
                finals.get(kind),
            )
            if not built.several
            else seeds_summary(config, built.seed_tracks[kind], built.params[kind], outcomes[kind], finals.get(kind))
        )
        for kind in built.models
    }
    judged = {"baseline_val_loss": built.baseline, "solved_below": built.solved_below}
    verdicts = [verdict_record(v) for v in pair_verdicts(metrics)]
    seeds = {"seeds": config.seeds, "verdicts": verdicts} if built.several else {}
    status = run_status([o.status for o in outcomes.values()])
    ran_on = {"status": status, "device": built.device, "backend": keras_backend()}  # what Keras really ran on
    built.folder.write_json("metrics.json", {**ran_on, **judged, **seeds, "models": metrics})
    return metrics, [str(v["text"]) for v in verdicts]
