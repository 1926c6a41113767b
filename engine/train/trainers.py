"""The trainers by name, and the one signature they share (:class:`Trainer`).

``--trainer fast`` trains a Keras model's weights stacked as replicas (:mod:`engine.train.seeds`);
``keras`` runs the Keras layers in a compiled loop and ``fit`` is plain ``model.fit``
(:mod:`engine.train.trainer`). ``seeds`` is the fast trainer handed a stack of replicas itself,
as a run with ``--seeds N`` does.
"""

from __future__ import annotations

from typing import Any, Protocol

import keras

from engine.config.config import Config
from engine.data.datasets import Dataset
from engine.report.stop import StopSignal
from engine.train.seeds import train_model, train_seeds
from engine.train.trainer import Outcome, train_fast, train_fit


class Trainer(Protocol):
    """Train ``model`` (a Keras model, or a stack of replicas for ``seeds``) for ``config.epochs``.

    Callbacks run once per epoch, as under ``fit``; ``stop`` ends training after the current epoch.
    """

    def __call__(
        self,
        name: str,
        model: Any,
        dataset: Dataset,
        config: Config,
        callbacks: list[keras.callbacks.Callback],
        stop: StopSignal,
        /,
    ) -> Outcome: ...


TRAINERS: dict[str, Trainer] = {"fast": train_model, "keras": train_fast, "fit": train_fit, "seeds": train_seeds}
"""Every trainer by name: ``--trainer``'s choices, and ``seeds`` for replica stacks."""


def trainer_for(name: str) -> Trainer:
    """The training function called ``name`` (see :data:`TRAINERS`)."""
    return TRAINERS[name]
