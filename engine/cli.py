"""Command-line options shared by the TUI and the headless mode, validated before TensorFlow loads."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, TextIO

from engine.config.config import DEFAULT, SETTING, SETTINGS, Config, ConfigError, phrase
from engine.config.estimate import memory_verdict
from engine.config.tasks import for_task
from engine.runs.folder import RunFolderError, check_out_dir, check_run_root
from engine.runs.paths import shown
from engine.settings.declare import shorten
from engine.train.runtime import backend_missing

RUN_OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("--headless", "off", "run without the TUI: log lines, then a metrics table"),
    ("--out DIR", "runs/<timestamp>/", "run folder to create: a new or empty folder (refuses one that holds a run)"),
    ("--open DIR", "", "show a saved run (or `rnnlstm-tui DIR`); one still being written is followed live"),
    ("--runs [DIR]", "runs/", "browse the run folders under DIR: sort, filter, overlay, diff, open"),
    ("--compare DIR DIR…", "", "print what differs between runs and their metrics, as Markdown"),
    ("--sweep NAME=V1,V2,…", "", "vary a setting across runs (NAME=A..B/N: N values); twice: a grid"),
    ("--workers N", "from cores and memory", "sweep points run at once on this machine"),
    ("--ray ADDRESS", "", "run the sweep's points as Ray tasks: auto (a local Ray) or a cluster's HOST:PORT"),
    ("--resume DIR", "", "continue a sweep, skipping its finished points"),
    ("--detach", "off", "train (or sweep) in a background process of its own; `rnnlstm-tui DIR` attaches"),
    ("--stop DIR", "", "stop a detached run after its epoch (status stopped) or a detached sweep (resumable)"),
    (
        "--serve [HOST:]PORT",
        "127.0.0.1",
        "serve the app in browser tabs; trains detached (pip install 'rnnlstm-tui[web]')",
    ),
)
"""(option, default, help) of the options that are about the run, not the experiment."""
RUN_ROOT = Path("runs")
"""Where run folders are made without ``--out``."""
NUMBERS = "Numbers are written plainly: 1000, 0.01, 1e-3 (no _ separators, no spaces inside)."
"""How every number is typed, on the command line and in the settings form alike."""


HELP_HINT = "rnnlstm-tui --help lists them all"
"""Where an unknown option's error sends the user, instead of argparse's usage block."""


class UsageError(ValueError):
    """Bad command-line input: reported as one line, exit code 2."""


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one :class:`UsageError` line, not its eleven-line usage block
    (which buries the one line that says what was wrong): a typo'd option is named with the nearest real one."""

    def error(self, message: str) -> NoReturn:
        """Raise the error as one line (the caller prints it and exits 2, as for every bad input)."""
        options = [option for action in self._actions for option in action.option_strings]
        raise UsageError(usage_message(message, options))


def usage_message(message: str, options: list[str]) -> str:
    """argparse's ``message`` in one line: ``unknown option --epoch; did you mean --epochs? (… --help …)``."""
    unknown = message.removeprefix("unrecognized arguments: ")
    if unknown == message:  # "argument --epochs: expected one argument" and the like
        return f"{message.removeprefix('argument ')} (see rnnlstm-tui --help)"
    words = unknown.split()
    typed = next((word.split("=", 1)[0] for word in words if word.startswith("-")), None)
    if typed is None:  # a second saved run, or a value without its option
        return f"unexpected argument {shorten(words[0] if words else unknown)!r} ({HELP_HINT})"
    near = difflib.get_close_matches(typed, options, n=1)
    guess = f"; did you mean {near[0]}?" if near else ""
    return f"unknown option {shorten(typed)}{guess} ({HELP_HINT})"


@dataclass(frozen=True)
class Invocation:
    """What the user asked for: the experiment, where to write it, and how to show it."""

    config: Config
    out: Path | None
    headless: bool
    open: Path | None = None
    """A saved run to show instead of training."""
    runs: Path | None = None
    """A folder of runs to browse."""
    compare: tuple[Path, ...] = ()
    """Runs to compare on the command line."""
    sweep: SweepRequest | None = None
    """``--sweep``, ``--workers``, ``--ray``, ``--resume`` (checked by :mod:`engine.sweep`); ``None``: not a sweep."""
    detach: bool = False
    """Train in a background process of its own (``--detach``; ``--serve`` does too)."""
    stop: Path | None = None
    """A detached run or sweep to stop (``--stop``), alone on the command line."""
    serve: tuple[str, int] | None = None
    """``--serve``: the host and port to serve the app on, in browser tabs."""
    argv: tuple[str, ...] = ()
    """The command line as typed (a detached process gets it again, less ``--detach`` and ``--serve``)."""


@dataclass(frozen=True)
class SweepRequest:
    """The sweep's options as typed; :mod:`engine.sweep` checks them against the settings' declarations."""

    specs: tuple[str, ...] = ()
    """Each ``--sweep NAME=…`` as typed."""
    workers: str | None = None
    ray: str | None = None
    resume: Path | None = None
    fixed: tuple[str, ...] = ()
    """Settings also given with their own flag: a sweep may not vary those."""
    argv: tuple[str, ...] = ()
    """The command line, kept in ``sweep.json``."""


def build_parser() -> argparse.ArgumentParser:
    """The command line: one option per declared setting that has a flag, plus the run's own options."""
    parser = OneLineParser(
        prog="rnnlstm-tui",
        allow_abbrev=False,  # "--epoch 5" is a typo to report, not a prefix to guess
        description="Train a SimpleRNN and an LSTM side by side on a damped oscillation, "
        "watch the losses live, then compare closed-loop forecasts. "
        "Defaults reproduce the seed notebook.",
        epilog=NUMBERS,
    )
    parser.add_argument("--headless", action="store_true", help=RUN_OPTIONS[0][2])
    for spec in SETTINGS:
        if spec.flag is None:
            continue
        if spec.kind == "bool":
            action = "store_false" if spec.negate else "store_true"
            parser.add_argument(spec.flag, dest=spec.name, action=action, default=None, help=spec.help)
        else:
            default = spec.default_text(getattr(DEFAULT, spec.name))
            parser.add_argument(
                spec.flag,
                dest=spec.name,
                metavar=spec.metavar,
                help=f"{spec.help}; {spec.allowed()} (default {default})",
            )
    parser.add_argument("--out", metavar="DIR", type=Path, help=f"{RUN_OPTIONS[1][2]} (default {RUN_OPTIONS[1][1]})")
    parser.add_argument("--open", metavar="DIR", type=Path, help=RUN_OPTIONS[2][2])
    parser.add_argument("--runs", metavar="DIR", type=Path, nargs="?", const=Path("runs"), help=RUN_OPTIONS[3][2])
    parser.add_argument("--compare", metavar="DIR", type=Path, nargs="+", help=RUN_OPTIONS[4][2])
    sweep_options = RUN_OPTIONS[5:9]
    parser.add_argument("--sweep", metavar="NAME=VALUES", action="append", help=sweep_options[0][2])
    parser.add_argument("--workers", metavar="N", help=f"{sweep_options[1][2]} (default {sweep_options[1][1]})")
    parser.add_argument("--ray", metavar="ADDRESS", help=f"{sweep_options[2][2]} (pip install 'rnnlstm-tui[ray]')")
    parser.add_argument("--resume", metavar="DIR", type=Path, help=sweep_options[3][2])
    parser.add_argument("--detach", action="store_true", help=RUN_OPTIONS[9][2])
    parser.add_argument("--stop", metavar="DIR", type=Path, help=RUN_OPTIONS[10][2])
    parser.add_argument("--serve", metavar="[HOST:]PORT", help=f"{RUN_OPTIONS[11][2]} (default host 127.0.0.1)")
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path, nargs="?", help="a saved run to show (like --open)")
    return parser


def options_table() -> str:
    """The README's options table, made from the same declarations as ``--help`` and the form."""
    rows = ["| option | default | allowed | what it sets |", "|---|---|---|---|"]
    for spec in SETTINGS:
        if spec.flag is None:
            continue
        option = spec.flag if spec.kind == "bool" else f"{spec.flag} {spec.metavar}"
        allowed = "a flag" if spec.kind == "bool" else spec.allowed()
        default = spec.default_text(getattr(DEFAULT, spec.name))
        only = f" (task {' or '.join(spec.tasks)})" if spec.tasks else ""
        rows.append(f"| `{option}` | `{default}` | {allowed} | {spec.help}{only} |")
    rows += [f"| `{option}` | `{default}` | | {text} |" for option, default, text in RUN_OPTIONS]
    return "\n".join(rows)


def parse_invocation(argv: list[str] | None = None) -> Invocation:
    """Parse and validate ``argv``; raise :class:`UsageError` with a one-line message."""
    args = build_parser().parse_args(argv)
    line = tuple(sys.argv[1:] if argv is None else argv)
    if args.stop is not None:
        return stop_request(args, line)
    typed: dict[str, str] = {}
    values: dict[str, object] = {}
    for spec in SETTINGS:
        raw = getattr(args, spec.name, None)
        if raw is None:
            continue
        if isinstance(raw, bool):
            values[spec.name] = raw
            continue
        typed[spec.name] = raw
        try:
            values[spec.name] = spec.parse(raw)
        except ConfigError as error:
            raise UsageError(message_for(error, typed=raw)) from None
    try:
        config = for_task(str(values.pop("task", DEFAULT.task)), **values)
    except ConfigError as error:
        raise UsageError(message_for(error, typed.get(error.field_name))) from None
    opened, compare = args.open or args.run_dir, tuple(args.compare or ())
    if opened is None and not compare and args.runs is None and (missing := backend_missing(config.backend)):
        raise UsageError(missing)
    if opened is None and not compare and args.runs is None:  # a run will be trained: will it fit?
        verdict, said = memory_verdict(config)
        if verdict == "refuse":
            raise UsageError(
                f"--units {config.units} with {len(config.models)} models and {config.seeds} seeds: {said}"
            )
    try:
        if args.out is not None:
            check_out_dir(args.out)
        elif opened is None and not compare and args.runs is None:  # a run will be made under runs/
            check_run_root(RUN_ROOT)
    except RunFolderError as error:
        raise UsageError(str(error)) from None
    if opened is not None or compare:
        for folder in (*([opened] if opened is not None else []), *compare):
            if not any(_is(Path.is_file, folder / name) for name in ("config.json", "metrics.json", "sweep.json")):
                said = "not a run folder (no config.json or metrics.json)"
                raise UsageError(f"{shown(folder)}: {said}; allowed: a run folder")
    if args.runs is not None and not _is(Path.is_dir, args.runs):
        raise UsageError(f"--runs {shown(args.runs)}: not a folder; allowed: a folder of run folders, such as runs")
    sweep = sweep_request(args, argv, opened is not None or bool(compare) or args.runs is not None)
    serve = serve_address(args.serve) if args.serve is not None else None
    check_detach(args, serve is not None, opened is not None or args.runs is not None)
    shown_only = (opened, args.runs, compare, sweep)
    return Invocation(config, args.out, args.headless, *shown_only, detach=args.detach, serve=serve, argv=line)


def stop_request(args: argparse.Namespace, line: tuple[str, ...]) -> Invocation:
    """``--stop DIR``, which takes no other option: anything else given with it is refused."""
    named: dict[str, object] = {spec.flag or spec.name: getattr(args, spec.name, None) for spec in SETTINGS}
    options = ("out", "open", "runs", "compare", "sweep", "workers", "ray", "resume", "serve")
    named |= {f"--{name}": getattr(args, name) for name in options}
    named |= {"--headless": args.headless or None, "--detach": args.detach or None, "RUN_DIR": args.run_dir}
    others = [name for name, value in named.items() if value is not None]
    if others:
        raise UsageError(f"--stop: not with {others[0]}; allowed: rnnlstm-tui --stop RUN_DIR alone")
    return Invocation(DEFAULT, None, False, stop=args.stop, argv=line)


def check_detach(args: argparse.Namespace, serving: bool, showing: bool) -> None:
    """Refuse ``--detach`` and ``--serve`` where they mean nothing: with --headless (a detached run is headless
    already, its log in its folder), ``--detach`` with a run or runs to show, ``--serve`` with ``--compare``."""
    for flag, given in (("--detach", args.detach), ("--serve", serving)):
        if given and args.headless:  # a detached run is headless already
            raise UsageError(f"{flag}: not with --headless; allowed: {flag} without it (its log is in the run folder)")
    if args.detach and (showing or args.compare):
        raise UsageError("--detach: nothing to train with --open, --runs or --compare; allowed: --detach [settings]")
    if serving and args.compare:
        raise UsageError("--serve: not with --compare; allowed: --serve PORT with settings, a RUN_DIR or --runs")


def serve_address(text: str) -> tuple[str, int]:
    """``[HOST:]PORT`` as (host, port); the host defaults to 127.0.0.1 (this machine only: an SSH tunnel)."""
    host, _, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]") if host.startswith("[") else host  # [::1]:8000
    if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535) or (":" in host and "[" not in text):
        raise UsageError(
            f"--serve {shorten(text)}: not [HOST:]PORT; allowed: a port from 1 to 65535, "
            "with a host before it (127.0.0.1:8000, [::1]:8000) or not"
        )
    return host or "127.0.0.1", int(port)


def _is(test: Callable[[Path], bool], path: Path) -> bool:
    """``test(path)``, false where the system refuses the path itself (a name too long) instead of raising."""
    try:
        return test(path)
    except OSError:
        return False


def sweep_request(args: argparse.Namespace, argv: list[str] | None, showing: bool) -> SweepRequest | None:
    """The sweep's options, or ``None`` when none is given; refuses them where they mean nothing."""
    given = [flag for flag in ("sweep", "workers", "ray", "resume") if getattr(args, flag) is not None]
    if not given:
        return None
    if showing:
        raise UsageError(f"--{given[0]}: not with --open, --runs or --compare; allowed: a sweep or a saved run")
    if args.sweep is None and args.resume is None:
        raise UsageError(f"--{given[0]}: only with --sweep or --resume; allowed: --sweep NAME=V1,V2,…")
    fixed = tuple(spec.name for spec in SETTINGS if getattr(args, spec.name, None) is not None)
    line = tuple(sys.argv[1:] if argv is None else argv)
    return SweepRequest(tuple(args.sweep or ()), args.workers, args.ray, args.resume, fixed, line)


def message_for(error: ConfigError, typed: str | None = None) -> str:
    """A ``ConfigError`` as the command line says it: the flag, the value as typed, why, what is allowed."""
    spec = SETTING.get(error.field_name)
    name = spec.flag if spec is not None and spec.flag else error.field_name
    return phrase(error, name, typed)


def fail(message: str, stream: TextIO | None = None) -> NoReturn:
    """Print one line on stderr (or ``stream``) and exit 2."""
    with contextlib.suppress(OSError, ValueError):  # a closed stream loses the line, not the exit code
        print(f"rnnlstm-tui: error: {message}", file=stream or sys.stderr)
    raise SystemExit(2)
