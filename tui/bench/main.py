"""``python -m tui.bench``: the TUI's measurements, alone or (``--suite``) after the engine's benchmark.

Time to the first frame; alternating pairs of the same run as whole processes, the TUI in a
pseudo-terminal and ``--headless`` (:mod:`tui.bench.terminal`); the key-press-to-repaint latency
while training (driven by ``App.run_test``); and keys with a million epochs in (:mod:`tui.bench.long`).
It lives here, not in ``engine/``, because it drives the app: the engine knows nothing of the UI.
Nothing here asserts on timing.
"""

from __future__ import annotations

import asyncio
import math
import os
import pty
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from textual.message import Message

from engine.bench import main as bench
from engine.bench import suite
from engine.bench.suite import Figures
from engine.cli import Invocation, parse_invocation
from engine.config.config import Config
from engine.report.events import Stage
from engine.train import runtime
from tui.app import RnnLstmApp
from tui.bench.long import LONG_EPOCHS, LONG_EPOCHS_QUICK, long_table, measure_long_history
from tui.bench.terminal import KEY_SECONDS, SIZE, run_process
from tui.messages import RunDone

REPEATS = 6
"""TUI / headless pairs measured (1 with ``--quick``): their difference is of the order of the machine's noise."""


def measure_first_frame(extra_args: list[str]) -> float:
    """Seconds from starting ``rnnlstm-tui`` in a pseudo-terminal to its first drawn frame."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", *extra_args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=(folder := tempfile.mkdtemp()),
    )
    os.close(follower)
    seen, elapsed = b"", float("nan")
    try:
        while time.perf_counter() - started < 30:
            ready, _, _ = select.select([leader], [], [], 1.0)
            if ready:
                seen += os.read(leader, 65536)
                if b"Training" in seen:  # the tab strip: the layout has been drawn
                    elapsed = time.perf_counter() - started
                    break
    finally:
        process.terminate()
        process.wait(timeout=30)
        os.close(leader)
        shutil.rmtree(folder, ignore_errors=True)
    return elapsed


def measure_key_latency(config: Config) -> Figures:
    """Key press to repaint while ``config`` trains in the app, driven by ``App.run_test`` (same process).

    While training runs it presses ``l`` (log scale) and ``m`` (smoothing) a few times and times
    each press until the app has handled it and repainted. (The training slowdown is measured on
    the real command instead, by :func:`tui.bench.terminal.run_process`: ``Pilot`` adds work of its own.)
    """
    runtime.prepare_device(config.device)  # TensorFlow's import is not the TUI's cost
    painted: list[float] = []

    class TimedApp(RnnLstmApp):
        """Stamps the first screen refresh after each toggle: what the user sees change."""

        def action_toggle_log(self) -> None:
            super().action_toggle_log()
            self.call_after_refresh(lambda: painted.append(time.perf_counter()))

        def action_toggle_smooth(self) -> None:
            super().action_toggle_smooth()
            self.call_after_refresh(lambda: painted.append(time.perf_counter()))

    async def drive() -> Figures:
        with tempfile.TemporaryDirectory() as temp:
            app = TimedApp(Invocation(config=config, out=None, headless=False), run_root=Path(temp))
            latencies: list[float] = []
            async with app.run_test(size=(100, 30)) as pilot:
                for _ in range(1000):  # until training has begun (bounded)
                    if app.state == Stage.TRAINING or not app.active:
                        break
                    await pilot.pause(0.05)
                for key in "lmlmlmlm":
                    before, pressed = len(painted), time.perf_counter()
                    await pilot.press(key)  # returns once the app is idle, which can lag the repaint
                    for _ in range(500):
                        if len(painted) > before:
                            break
                        await pilot.pause(0.01)
                    if len(painted) > before:  # else no repaint was seen: nothing to report
                        latencies.append(painted[-1] - pressed)
                await app.workers.wait_for_complete()
                return {"key_latency_ms": sorted(1000 * x for x in latencies)}

    return asyncio.run(drive())


def _as_process(ours: Figures) -> Figures:
    """The compare section's headless run (:func:`engine.bench.suite.measure_ours`) as :func:`run_process` gives one."""
    models = ours["models"]
    figures = {key: {m: f[key] for m, f in models.items()} for key in ("train_s", "epochs_per_s")}
    return {**figures, **{key: ours[key] for key in ("whole_s", "cpu_s", "peak_rss_mb")}, "code": 0}


def _median(values: list[float]) -> str:
    values = sorted(values)
    if not values:  # every TUI run failed: its exit codes are in bench.json
        return "—"
    return f"{100 * values[len(values) // 2]:+.1f} % ({100 * values[0]:+.1f} … {100 * values[-1]:+.1f})"


def tui_table(data: Figures) -> list[str]:
    """The TUI rows: first frame, the medians over alternating TUI / headless process pairs, key latency."""
    pairs = data["tui_pairs"]
    models = [m for _, tui in pairs for m in tui["train_s"]]
    trains = [tui["train_s"][m] / alone["train_s"][m] - 1 for alone, tui in pairs for m in tui["train_s"]]
    rates = [alone["epochs_per_s"][m] / tui["epochs_per_s"][m] - 1 for alone, tui in pairs for m in tui["train_s"]]
    each = ", ".join(f"{tui['whole_s']:.1f} vs {alone['whole_s']:.1f} s" for alone, tui in pairs)
    keys = data.get("tui_keys", {}).get("key_latency_ms") or [math.nan]
    return [
        f"TUI ({len(pairs)} alternating pairs of whole processes with the same options: `rnnlstm-tui` in a "
        f"{SIZE[0]}×{SIZE[1]} pseudo-terminal, switching tabs every {KEY_SECONDS:.0f} s, and `--headless`; "
        f"{len(set(models))} models each)",
        "",
        "| TUI | value |",
        "|---|---:|",
        f"| first frame after the command starts | {data['first_frame_s']:.2f} s |",
        f"| launch to a finished `metrics.json`, TUI vs headless | {each} |",
        f"| training seconds per model (`metrics.json`), TUI vs headless, median (min … max) | {_median(trains)} |",
        f"| time per epoch after compiling, TUI vs headless, median (min … max) | {_median(rates)} |",
        "| CPU seconds of the process, TUI vs headless, median (min … max) | "
        f"{_median([tui['cpu_s'] / alone['cpu_s'] - 1 for alone, tui in pairs])} |",
        f"| key press to repaint while training (`App.run_test`), median / max | {keys[len(keys) // 2]:.0f} / "
        f"{keys[-1]:.0f} ms |",
        f"| TUI peak RSS | {max(tui['peak_rss_mb'] for _, tui in pairs):.0f} MB |",
    ]


def measure_open(run_dir: Path) -> Figures:
    """Opening a saved run: first frame in a pseudo-terminal, and (Pilot) until every curve is drawn."""
    first_frame = measure_first_frame(["--open", str(run_dir)])
    drawn: list[float] = []

    async def drive() -> float:
        started = time.perf_counter()
        app = RnnLstmApp(parse_invocation(["--open", str(run_dir)]), run_dir.parent)

        def hook(message: Message) -> None:
            if isinstance(message, RunDone):
                drawn.append(time.perf_counter())

        async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            await app.screen.wait_for_refresh()
        return (drawn[-1] if drawn else time.perf_counter()) - started

    return {"first_frame_s": first_frame, "drawn_s": asyncio.run(drive())}


def tui_section(config: Config, data: Figures, quick: bool) -> list[str]:
    """Measure the TUI into ``data`` and return its Markdown rows."""
    data["first_frame_s"] = measure_first_frame(["--epochs", "1"])
    if quick and "ours" in data:  # a smoke test of the code path: the compare section's headless run will do
        data["tui_pairs"] = [(_as_process(data["ours"]), run_process(config, True))]
    else:
        pairs = range(1 if quick else REPEATS)
        data["tui_pairs"] = [(run_process(config, False), run_process(config, True)) for _ in pairs]
    if not quick:  # (a smoke test leaves it out: the long section's keys go through the same code)
        data["tui_keys"] = suite.in_child(measure_key_latency, config)
    return tui_table(data)


def long_section(config: Config, data: Figures, quick: bool) -> list[str]:
    """Key latency with a million epochs in the app (see :mod:`tui.bench.long`)."""
    data["long"] = measure_long_history(LONG_EPOCHS_QUICK if quick else LONG_EPOCHS)
    return long_table(data["long"])


def main(argv: list[str] | None = None) -> int:
    """The TUI section alone, or with ``--suite`` the engine's sections first, then the TUI's and the long one."""
    every = ("compare", "scaling", "listing", "seeds", "startup", "tui", "long")
    suite = tuple(name for name in every if name != "startup")
    config, args = bench.parse_args("python -m tui.bench", argv, every, suite)
    sections = {args.only} if args.only else set(suite) if args.suite else {"tui"}
    extra = [section for name, section in (("tui", tui_section), ("long", long_section)) if name in sections]
    print(bench.run(config, sections - {"tui", "long"}, args.quick, args.results, extra))
    return 0
