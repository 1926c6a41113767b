"""Textual messages that carry engine events from the training threads to the UI thread.

The engine calls a plain sink from its own threads; :func:`to_message` wraps each event in
one of these messages and the sink posts it (``post_message`` is thread-safe). Every message
carries the ``run_id`` of the run that produced it, so events from a run the user already
replaced (restart) are recognised and dropped by the app.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from engine.report.events import (
    EpochReport,
    Event,
    ForecastReport,
    InsideReport,
    ModelFinished,
    Phase,
    RunFinished,
    RunStarted,
    SampleReport,
)


@dataclass
class EngineMessage(Message):
    """Base of every engine message: which run it belongs to."""

    run_id: int


@dataclass
class PhaseChanged(EngineMessage):
    """The engine moved on (loading TensorFlow, training, forecasting)."""

    phase: Phase


@dataclass
class RunBegan(EngineMessage):
    """TensorFlow is up and the models are built: device, summaries and parameter counts are known."""

    started: RunStarted


@dataclass
class EpochsDone(EngineMessage):
    """Epochs that finished since the last such message, in order (any models).

    Models can finish hundreds of epochs a second; one message per epoch would keep the
    UI thread busy and slow training, so :class:`tui.runner.Run` batches them (every
    report is kept: each is a point on a loss chart).
    """

    reports: tuple[EpochReport, ...]


@dataclass
class ForecastDone(EngineMessage):
    """A closed-loop forecast of one model, a preview during training or the final one."""

    report: ForecastReport

    def can_replace(self, message: Message) -> bool:
        """Whether ``message``, queued right behind this one, makes this one unnecessary.

        Textual asks this of the message it is about to handle; a newer forecast of the same
        model supersedes a preview. A final forecast is never dropped.
        """
        return (
            not self.report.final
            and isinstance(message, ForecastDone)
            and message.run_id == self.run_id
            and message.report.model == self.report.model
        )


@dataclass
class SampleDone(EngineMessage):
    """Text a model generated (the text task's preview, or its final sample)."""

    report: SampleReport


@dataclass
class InsideDone(EngineMessage):
    """A look inside a model: its gradient through time and its gates and states."""

    report: InsideReport


@dataclass
class ModelDone(EngineMessage):
    """One model stopped training (finished, stopped, diverged or interrupted)."""

    finished: ModelFinished


@dataclass
class RunDone(EngineMessage):
    """The run is complete and its folder written; carries the final metrics."""

    finished: RunFinished


def to_message(run_id: int, event: Event) -> EngineMessage:
    """Wrap an engine ``event`` of run ``run_id`` in the matching Textual message."""
    if isinstance(event, EpochReport):
        return EpochsDone(run_id, (event,))
    if isinstance(event, ForecastReport):
        return ForecastDone(run_id, event)
    if isinstance(event, SampleReport):
        return SampleDone(run_id, event)
    if isinstance(event, InsideReport):
        return InsideDone(run_id, event)
    if isinstance(event, Phase):
        return PhaseChanged(run_id, event)
    if isinstance(event, RunStarted):
        return RunBegan(run_id, event)
    if isinstance(event, ModelFinished):
        return ModelDone(run_id, event)
    if isinstance(event, RunFinished):
        return RunDone(run_id, event)
    raise TypeError(f"not an engine event: {event!r}")
