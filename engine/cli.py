"""Command-line options shared by the TUI and the headless mode, validated before TensorFlow loads."""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from engine.artifacts import RunFolderError, check_out_dir
from engine.config import DEFAULT, DEVICES, MODEL_KINDS, TRAINERS, Config, ConfigError

OPTION_OF_FIELD = {
    "points": "--points",
    "tau": "--tau",
    "window": "--window",
    "units": "--units",
    "batch_size": "--batch-size",
    "epochs": "--epochs",
    "validation_split": "--validation-split",
    "learning_rate": "--lr",
    "models": "--models",
    "seed": "--seed",
    "trainer": "--trainer",
    "device": "--device",
    "forecast_every": "--forecast-every",
}
"""Which option sets which ``Config`` field, so errors name what the user typed."""

INT_FIELDS = ("points", "window", "units", "batch_size", "epochs", "seed", "forecast_every")
FLOAT_FIELDS = ("tau", "validation_split", "learning_rate")


class UsageError(ValueError):
    """Bad command-line input: reported as one line, exit code 2."""


@dataclass(frozen=True)
class Invocation:
    """What the user asked for: the experiment, where to write it, and how to show it."""

    config: Config
    out: Path | None
    headless: bool


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnnlstm-tui",
        allow_abbrev=False,  # "--epoch 5" is a typo to report, not a prefix to guess
        description="Train a SimpleRNN and an LSTM side by side on a damped oscillation, "
        "watch the losses live, then compare closed-loop forecasts. "
        "Defaults reproduce the seed notebook.",
    )
    add = parser.add_argument
    add("--headless", action="store_true", help="run without the TUI: log lines, then a metrics table")
    add("--epochs", metavar="N", help=f"training epochs (default {DEFAULT.epochs})")
    add("--batch-size", metavar="N", help=f"windows per SGD step (default {DEFAULT.batch_size})")
    add("--window", metavar="N", help=f"time steps per window (default {DEFAULT.window})")
    add("--units", metavar="N", help=f"recurrent units (default {DEFAULT.units})")
    add("--lr", metavar="X", help=f"SGD learning rate (default {DEFAULT.learning_rate})")
    add("--tau", metavar="X", help=f"decay constant of exp(-x/tau)cos(x) (default {DEFAULT.tau:g})")
    add("--points", metavar="N", help=f"samples of the series on [0, 5π] (default {DEFAULT.points})")
    add(
        "--validation-split",
        metavar="X",
        help=f"fraction of windows held out, the last ones (default {DEFAULT.validation_split})",
    )
    add(
        "--models",
        metavar="LIST",
        help=f"comma-separated, from {','.join(MODEL_KINDS)} (default {','.join(DEFAULT.models)})",
    )
    add("--seed", metavar="N", help=f"random seed for weights and shuffling (default {DEFAULT.seed})")
    add(
        "--forecast-every",
        metavar="N",
        help=f"epochs between live forecast previews, 0 = off (default {DEFAULT.forecast_every})",
    )
    add(
        "--trainer",
        metavar="NAME",
        help=f"{' or '.join(TRAINERS)}: the compiled loop, or plain model.fit (default {DEFAULT.trainer})",
    )
    add("--device", metavar="NAME", help=f"{', '.join(DEVICES)} (default {DEFAULT.device})")
    add(
        "--no-xla",
        dest="xla",
        action="store_false",
        default=None,
        help="plain graph mode instead of XLA: ~400 MB less peak memory, ~3× slower training",
    )
    add(
        "--out",
        metavar="DIR",
        type=Path,
        help="run folder to create (default: a new runs/<timestamp>/); refuses one that holds a run",
    )
    return parser


def parse_invocation(argv: list[str] | None = None) -> Invocation:
    """Parse and validate ``argv``; raise :class:`UsageError` with a one-line message."""
    args = build_parser().parse_args(argv)
    values: dict[str, object] = {}
    for field_name, option in OPTION_OF_FIELD.items():
        raw = _typed(args, option)
        if raw is None:
            continue
        if field_name in INT_FIELDS:
            values[field_name] = parse_int(option, raw)
        elif field_name in FLOAT_FIELDS:
            allowed = "a number in (0, 0.5]" if field_name == "validation_split" else ""
            values[field_name] = parse_float(option, raw, allowed or "a finite number greater than 0")
        elif field_name == "models":
            values[field_name] = tuple(part.strip().lower() for part in raw.split(","))
        else:
            values[field_name] = raw.strip().lower()
    if args.xla is not None:
        values["xla"] = args.xla
    try:
        config = Config(**values)  # type: ignore[arg-type]
        config.validate()
    except ConfigError as error:
        typed = _typed(args, OPTION_OF_FIELD.get(error.field_name, "--"))
        raise UsageError(message_for(error, typed)) from None
    if args.out is not None:
        try:
            check_out_dir(args.out)
        except RunFolderError as error:
            raise UsageError(str(error)) from None
    return Invocation(config=config, out=args.out, headless=args.headless)


def _typed(args: argparse.Namespace, option: str) -> str | None:
    """What the user typed for ``option`` ("--batch-size" is stored as ``batch_size``), if anything."""
    return getattr(args, option[2:].replace("-", "_"), None)


def message_for(error: ConfigError, typed: str | None = None) -> str:
    """A ``ConfigError`` phrased with the option's name, and the value as typed when known."""
    option = OPTION_OF_FIELD.get(error.field_name, error.field_name)
    value = ",".join(error.value) if isinstance(error.value, tuple) else error.value
    value = typed if typed is not None else value
    return f"{option} {value!s}: not allowed; allowed: {error.allowed}"


def parse_int(option: str, raw: str) -> int:
    """Whole numbers only: "1.5", "1e3" and "ten" are refused, not rounded."""
    try:
        return int(raw.strip())
    except ValueError:
        raise UsageError(f"{option} {raw}: not a whole number; allowed: an integer such as 10") from None


def parse_float(option: str, raw: str, allowed: str = "a finite number greater than 0") -> float:
    """A finite number; "nan", "inf" and "fast" are refused with what ``allowed`` says."""
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{option} {raw}: not a number; allowed: {allowed}") from None
    if not math.isfinite(value):
        raise UsageError(f"{option} {raw}: not finite; allowed: {allowed}")
    return value


def fail(message: str) -> NoReturn:
    """Print one line on stderr and exit 2."""
    print(f"rnnlstm-tui: error: {message}", file=sys.stderr)
    raise SystemExit(2)
