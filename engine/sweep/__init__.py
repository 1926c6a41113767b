"""Sweeps: one command varies one or two settings across runs (``--sweep NAME=V1,V2,…``).

A sweep is a grid of points; each point is a normal run, written by :func:`engine.experiment.run_experiment`
into its own run folder inside the sweep folder. The rooms, from the bottom up: :mod:`~engine.sweep.grid`
(what ``--sweep`` means), :mod:`~engine.sweep.plan` (the points, their cost, whether they fit),
:mod:`~engine.sweep.reader` and :mod:`~engine.sweep.tables` (a sweep folder read back, without TensorFlow),
:mod:`~engine.sweep.lesson` (the horizon in words), :mod:`~engine.sweep.folder` (writing it),
:mod:`~engine.sweep.worker`, :mod:`~engine.sweep.local` and :mod:`~engine.sweep.ray_runner` (running the
points), :mod:`~engine.sweep.runner` (the loop that drives them) and :mod:`~engine.sweep.headless`.
engine/sweep/README.md describes the folder format.
"""
