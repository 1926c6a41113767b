"""The optimizer steps Keras would take (SGD; Adam with per-variable norm clipping), for K replicas at once.

Written with ``keras.ops`` as pure functions of the stacked weights (:mod:`engine.train.replicas`), so that
one compiled epoch updates every replica on its own, each at its own learning rate.
"""

from __future__ import annotations

from collections.abc import Callable

from keras import ops

from engine.config.config import Config
from engine.train.compiled import Tensor


def make_update(config: Config) -> Callable[[list[Tensor], list[Tensor], list[Tensor], Tensor], tuple[Tensor, ...]]:
    """The optimizer step Keras would take, applied to each replica on its own, at its own learning rate.

    ``update(params, gradients, state, rates) → (params, state)``; ``rates`` holds each replica's learning
    rate (``[K]``: a sweep over the learning rate trains its points as replicas of one call). SGD:
    ``w -= lr·g`` (no state). Adam (``clipnorm=1``): each gradient clipped by its own norm, per replica,
    then Keras's Adam update (epsilon 1e-7); its state is the step count and each weight's two moments.
    """
    if config.optimizer != "adam":

        def sgd(
            params: list[Tensor], gradients: list[Tensor], state: list[Tensor], rates: Tensor
        ) -> tuple[Tensor, ...]:
            return [p - per_replica(rates, p) * g for p, g in zip(params, gradients, strict=True)], state

        return sgd

    beta_1, beta_2, epsilon, clipnorm = 0.9, 0.999, 1e-7, 1.0

    def clip(gradient: Tensor) -> Tensor:
        axes = tuple(range(1, len(gradient.shape)))
        squares = ops.sum(ops.square(gradient), axis=axes, keepdims=True)
        norm = ops.where(squares > 0, ops.sqrt(ops.where(squares > 0, squares, 1.0)), squares)
        return gradient * clipnorm / ops.maximum(norm, clipnorm)

    def adam(params: list[Tensor], gradients: list[Tensor], state: list[Tensor], rates: Tensor) -> tuple[Tensor, ...]:
        n = len(params)
        iterations, moments, velocities = state[0] + 1.0, state[1 : 1 + n], state[1 + n :]
        alpha = rates * ops.sqrt(1.0 - ops.power(beta_2, iterations)) / (1.0 - ops.power(beta_1, iterations))
        new_params, new_m, new_v = [], [], []
        for p, m, v, g in zip(params, moments, velocities, gradients, strict=True):
            g = clip(g)
            m = m + (g - m) * (1.0 - beta_1)
            v = v + (ops.square(g) - v) * (1.0 - beta_2)
            new_params.append(p - m * per_replica(alpha, p) / (ops.sqrt(v) + epsilon))
            new_m.append(m)
            new_v.append(v)
        return new_params, [iterations, *new_m, *new_v]

    return adam


def per_replica(values: Tensor, weight: Tensor) -> Tensor:
    """``values`` (``[K]``, one per replica) shaped to multiply ``weight`` (``[K, …]``) replica by replica."""
    return ops.reshape(values, (-1,) + (1,) * (len(weight.shape) - 1))


def first_state(config: Config, params: list[Tensor]) -> list[Tensor]:
    """The optimizer's state before its first step: nothing for SGD; for Adam a zero count and zero moments."""
    if config.optimizer != "adam":
        return []
    return [ops.convert_to_tensor(0.0), *[ops.zeros_like(p) for p in params], *[ops.zeros_like(p) for p in params]]
