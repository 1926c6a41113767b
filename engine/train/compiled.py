"""The three things Keras's backends do differently for our compiled code, and nothing else.

The engine's maths (cells, losses, optimizer steps, forecasts) is written once with
``keras.ops``. What it cannot say in ``keras.ops`` is how a function is compiled, how a gradient
is taken and how a loop with a fixed number of turns is written so that it can be differentiated
— the split Keras 3 makes itself between its per-backend trainers. This module holds exactly
those three, for TensorFlow and for JAX, chosen by the backend Keras was loaded with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras

Function = Callable[..., Any]
"""A function of tensors, before or after it is compiled."""
Tensor = Any
"""A tensor of the backend Keras runs on (TensorFlow's or JAX's array type)."""


def backend() -> str:
    """The backend Keras runs on in this process: ``tensorflow`` or ``jax``."""
    return str(keras.backend.backend())


def compile_function(
    function: Function, xla: bool = True, donate: tuple[int, ...] = (), example: tuple[Any, ...] | None = None
) -> Function:
    """``function`` compiled for the backend.

    TensorFlow: a ``tf.function``, XLA-compiled unless ``xla`` is off (plain graph mode), traced without
    AutoGraph (the maths has no Python control flow on tensors to convert: a quarter of the trace time).
    JAX always compiles with XLA (``xla`` has no meaning there); the arguments at the positions in
    ``donate`` give their buffers to the result (weights updated in place, not copied per epoch).

    ``example``: arguments of the shapes the function will be called with, to trace it now rather than at
    its first call. TensorFlow names what it traces with a process-wide counter, and its cache of compiled
    programs on disk (:func:`engine.train.runtime.prepare_device`) knows a program by those names: traced
    one after another in a fixed order, before the training threads start, a run's programs get the same
    names as the last run's and load from the cache; traced by two threads at once, they seldom would.
    """
    if backend() == "jax":
        import jax

        jitted: Function = jax.jit(function, donate_argnums=donate)
        return jitted
    import tensorflow as tf

    traced = tf.function(function, jit_compile=xla, autograph=False)
    if example is not None:
        traced.get_concrete_function(*example)
    compiled: Function = traced
    return compiled


def value_and_grad(function: Function) -> Function:
    """``function(params, *args) → (value, aux)`` → ``f(params, *args) → ((value, aux), gradients)``.

    The gradient is that of the scalar ``value`` with respect to ``params`` (a list of tensors).
    """
    if backend() == "jax":
        import jax

        return jax.value_and_grad(function, has_aux=True)
    import tensorflow as tf

    def with_tape(params: list[Any], *args: Any) -> tuple[tuple[Any, Any], list[Any]]:
        with tf.GradientTape() as tape:
            tape.watch(params)
            value, aux = function(params, *args)
        return (value, aux), tape.gradient(value, params)

    return with_tape


def repeat(turns: int, body: Callable[[Any, Any], Any], initial: Any) -> Any:
    """``body(i, carry) → carry`` for i = 0 … turns−1, as a compiled loop that can be differentiated.

    Not unrolled: XLA compiles a loop over 100 steps in about a second, where an unrolled copy per
    step took twenty, and it runs as fast. TensorFlow needs the bound stated to differentiate a
    loop under XLA (``maximum_iterations``); JAX's ``fori_loop`` with a fixed count is a ``scan``.
    """
    if backend() == "jax":
        import jax

        return jax.lax.fori_loop(0, turns, body, initial)
    import tensorflow as tf

    return tf.while_loop(
        lambda i, _: i < turns,
        lambda i, carry: (i + 1, body(i, carry)),
        (tf.constant(0), initial),
        maximum_iterations=turns,
    )[1]
