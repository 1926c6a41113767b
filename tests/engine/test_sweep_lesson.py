"""The lesson of a sweep, in words computed from hand-made numbers: a horizon, none, all failing, no single one."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from engine.report.spread import Verdict
from engine.sweep.lesson import Mark, comparison, horizon, lesson_lines, point_note
from engine.sweep.reader import AxisInfo, ModelCell, PointInfo, SweepInfo

ADDING = "the adding problem"


def marks(*counts: tuple[int, int], values: tuple[Any, ...] = (10, 25, 50, 100, 200)) -> list[Mark]:
    return [Mark(v, solved, of) for v, (solved, of) in zip(values, counts, strict=True)]


def test_a_horizon_is_where_a_model_stops_solving() -> None:
    said = horizon("SimpleRNN", "T", marks((3, 3), (3, 3), (0, 3), (0, 3), (0, 3)), ADDING)
    assert said == "SimpleRNN solves the adding problem up to T = 25 (3 of 3 seeds) and fails from T = 50"


def test_seeds_that_still_solve_past_the_horizon_are_counted_and_order_does_not_matter() -> None:
    shuffled = [Mark(50, 1, 3), Mark(10, 2, 3), Mark(200, 0, 3), Mark(25, 3, 3), Mark(100, 0, 3)]
    said = horizon("SimpleRNN", "T", shuffled, ADDING)
    assert said == (
        "SimpleRNN solves the adding problem up to T = 25 (3 of 3 seeds) and fails from T = 50 "
        "(1 of 3 seeds solve it there)"
    )


def test_every_point_solved_or_none_is_no_horizon_in_this_range() -> None:
    assert horizon("LSTM", "T", marks(*[(3, 3)] * 5)) == "LSTM solves every T up to 200"
    assert horizon("LSTM", "T", marks(*[(3, 3)] * 5), ADDING) == "LSTM solves the adding problem at every T up to 200"
    # Most seeds everywhere, not all: the clause says where (the adding sweep found this at T = 200).
    assert (
        horizon("LSTM", "T", marks(*[(3, 3)] * 4, (2, 3))) == "LSTM solves every T up to 200 (2 of 3 seeds at T = 200)"
    )
    none = horizon("SimpleRNN", "T", marks(*[(0, 3)] * 5), ADDING)
    assert none == "SimpleRNN does not solve the adding problem at any T from 10 to 200: no horizon in this range"
    some = horizon("SimpleRNN", "T", marks((1, 3), (0, 3), (0, 3), (0, 3), (0, 3)))
    assert some == "SimpleRNN solves no T from 10 to 200 (some seeds do at T = 10): no horizon in this range"


def test_a_model_that_starts_solving_and_one_that_zigzags() -> None:
    rising = horizon("LSTM", "units", marks((0, 3), (1, 3), (2, 3), values=(8, 32, 128)))
    assert rising == "LSTM fails up to units = 32 and solves from units = 128 (2 of 3 seeds)"
    zigzag = horizon("GRU", "T", marks((3, 3), (0, 3), (3, 3), (0, 3), (0, 3)), ADDING)
    assert (
        zigzag == "GRU solves the adding problem at T = 10, 50 but not at 25, 100, 200: no single horizon in this range"
    )


def test_one_value_is_named_not_spanned() -> None:
    solved, failed, partly = marks((3, 3), values=(10,)), marks((0, 3), values=(10,)), marks((1, 3), values=(10,))
    assert horizon("SimpleRNN", "T", solved, ADDING) == "SimpleRNN solves the adding problem at T = 10 (3 of 3 seeds)"
    assert horizon("LSTM", "T", solved) == "LSTM solves it at T = 10 (3 of 3 seeds)"
    assert horizon("SimpleRNN", "T", failed, ADDING) == "SimpleRNN does not solve the adding problem at T = 10"
    assert horizon("LSTM", "T", partly) == "LSTM does not solve it at T = 10 (1 of 3 seeds do)"
    adam = [Mark("adam", 2, 3)]
    assert horizon("GRU", "optimizer", adam, numeric=False) == "GRU solves it with optimizer = adam (2 of 3 seeds)"
    sgd = [Mark("sgd", 0, 3)]
    assert horizon("GRU", "optimizer", sgd, ADDING, numeric=False) == (
        "GRU does not solve the adding problem with optimizer = sgd"
    )
    assert comparison("LSTM", "SimpleRNN", "lr", [(0.01, "first")]) == (
        "LSTM's final val loss is lower than SimpleRNN's at lr = 0.01"
    )


def test_two_values_are_named_not_spanned() -> None:
    both = marks((3, 3), (2, 3), values=(10, 50))
    assert (
        horizon("LSTM", "T", both, ADDING) == "LSTM solves the adding problem at T = 10 and 50 (2 of 3 seeds at T = 50)"
    )
    assert horizon("LSTM", "T", both) == "LSTM solves it at T = 10 and 50 (2 of 3 seeds at T = 50)"
    neither = horizon("SimpleRNN", "T", marks((1, 3), (0, 3), values=(10, 50)), ADDING)
    assert neither == (
        "SimpleRNN does not solve the adding problem at T = 10 or 50 (some seeds do at T = 10): "
        "no horizon in this range"
    )
    stops = horizon("SimpleRNN", "T", marks((3, 3), (0, 3), values=(10, 50)), ADDING)
    assert stops == "SimpleRNN solves the adding problem up to T = 10 (3 of 3 seeds) and fails from T = 50"


def test_a_choice_no_model_solves_reads_as_a_choice() -> None:
    none = [Mark("sgd", 0, 3), Mark("adam", 0, 3), Mark("rmsprop", 1, 3)]
    said = horizon("SimpleRNN", "optimizer", none, ADDING, numeric=False)
    assert said == (
        "SimpleRNN does not solve the adding problem with any optimizer tried (some seeds do with optimizer = rmsprop)"
    )
    assert horizon("LSTM", "optimizer", none[:2], numeric=False) == "LSTM does not solve it with any optimizer tried"


def test_a_sweep_of_one_value_has_a_lesson_that_reads_well() -> None:
    info = SweepInfo(
        Path("."),
        task="adding",
        base={"models": ["rnn", "lstm"], "seeds": 3},
        axes=[AxisInfo("length", "length", "T", [10])],
        points=[point(0, {"length": 10}, {"rnn": 0, "lstm": 3})],
    )
    assert lesson_lines(info) == [
        "SimpleRNN does not solve the adding problem at T = 10; LSTM solves it at T = 10 (3 of 3 seeds)."
    ]


def test_choices_are_named_not_ordered() -> None:
    said = horizon("LSTM", "optimizer", [Mark("sgd", 0, 3), Mark("adam", 3, 3)], numeric=False)
    assert said == "LSTM solves with optimizer = adam, not with sgd"


def test_without_a_solved_mark_the_verdicts_say_where_a_model_is_lower() -> None:
    said = comparison("LSTM", "SimpleRNN", "lr", [(0.001, "even"), (0.01, "first"), (0.1, "first"), (1, "second")])
    assert said == (
        "LSTM's final val loss is lower than SimpleRNN's at lr = 0.01, 0.1; "
        "SimpleRNN's final val loss is lower than LSTM's at lr = 1; no clear difference between them at lr = 0.001"
    )
    assert comparison("LSTM", "SimpleRNN", "lr", [(0.1, "even"), (1, "even")]) == (
        "no clear difference between them at every lr tried"
    )


def point(index: int, values: dict[str, Any], solved: dict[str, int], verdict: list[float] | None = None) -> PointInfo:
    cells = {m: ModelCell(m, 0.1, 0.1, 0.1, k, 3, 3) for m, k in solved.items()}
    ratio = (verdict[0] + verdict[1]) / 2 if verdict else math.nan
    interval = (verdict[0], verdict[1]) if verdict else None
    verdicts = [Verdict("LSTM", "SimpleRNN", "final val loss", 2, 3, ratio, interval, "")] if verdict else []
    return PointInfo(index, values, f"p{index}", "finished", Path("."), cells=cells, verdicts=verdicts,
                     solved_below=0.01 if solved else None)  # fmt: skip


def length_by_units(path: Path) -> SweepInfo:
    """A finished 2×2 adding sweep (T = 10, 50 × units = 8, 32): both models solve T = 10; at T = 50 only the
    LSTM of 32 units does."""
    return SweepInfo(
        path,
        task="adding",
        base={"models": ["rnn", "lstm"], "seeds": 3},
        axes=[AxisInfo("length", "length", "T", [10, 50]), AxisInfo("units", "units", "units", [8, 32])],
        points=[
            point(0, {"length": 10, "units": 8}, {"rnn": 3, "lstm": 3}),
            point(1, {"length": 10, "units": 32}, {"rnn": 3, "lstm": 3}),
            point(2, {"length": 50, "units": 8}, {"rnn": 0, "lstm": 0}),
            point(3, {"length": 50, "units": 32}, {"rnn": 0, "lstm": 3}),
        ],
    )


def test_the_lesson_of_a_grid_is_a_sentence_per_value_of_the_second_setting() -> None:
    info = length_by_units(Path("."))
    assert lesson_lines(info) == [
        "With units = 8: SimpleRNN solves the adding problem up to T = 10 (3 of 3 seeds) and fails from T = 50; "
        "LSTM solves up to T = 10 (3 of 3 seeds) and fails from T = 50.",
        "With units = 32: SimpleRNN solves the adding problem up to T = 10 (3 of 3 seeds) and fails from T = 50; "
        "LSTM solves it at T = 10 and 50.",
    ]
    info.points[3].status = "running"
    assert lesson_lines(info)[-1] == "(3 of 4 points finished: the lesson reads only those.)"


def test_a_point_opened_from_its_sweep_is_told_which_sweep_its_values_and_the_lesson_of_its_curve() -> None:
    info = length_by_units(Path("runs/20261207-015216-sweep"))
    for p in info.points:
        p.path = info.path / p.dir
    info.points[2].status = "running"
    note = point_note(info, info.path / "p3")
    assert note == (
        "**Part of a sweep.** This run is point 4 of 4 of the sweep in `runs/20261207-015216-sweep`, "
        "at T = 50, units = 32. The sweep's lesson: With units = 32: SimpleRNN solves the adding problem up to "
        "T = 10 (3 of 3 seeds) and fails from T = 50; LSTM solves it at T = 10 and 50. "
        "(3 of 4 points finished: the lesson reads only those.)"
    )  # only its own curve's sentence: the one of units = 8 is the sweep view's to show
    assert point_note(info, Path("runs/elsewhere")) == ""  # a run that is no point of this sweep
    info.points[0].status = "running"
    assert "lesson: With units = 8: no point has finished yet: no lesson to draw. (2 of 4" in point_note(
        info, info.path / "p2"
    )
    for p in info.points:
        p.status = "running"
    assert point_note(info, info.path / "p3").endswith(
        "The sweep's lesson: No point has finished yet: no lesson to draw."
    )


def test_the_lesson_of_a_task_without_a_solved_mark_reads_the_verdicts() -> None:
    info = SweepInfo(
        Path("."),
        task="damped",
        base={"models": ["rnn", "lstm"], "seeds": 3},
        axes=[AxisInfo("learning_rate", "lr", "lr", [0.01, 0.1])],
        points=[point(0, {"learning_rate": 0.01}, {}, [0.2, 0.5]), point(1, {"learning_rate": 0.1}, {}, [0.5, 2.0])],
    )
    assert lesson_lines(info) == [
        "LSTM's final val loss is lower than SimpleRNN's at lr = 0.01; no clear difference between them at lr = 0.1."
    ]
