"""The run folder: every file a run leaves behind, written so an interruption loses nothing.

JSON is written atomically (temp file + rename); ``history.csv`` gets one flushed line per
epoch, so a killed run keeps every epoch it finished.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.report.events import EpochReport, Forecast, InsideReport, SampleReport, Status
from engine.runs.paths import DETACHED_FILES, path_problem, shown
from engine.runs.safeio import LineFile, abandon, append_lines, run_files, save_atomic, write_atomic

HISTORY_COLUMNS = ("model", "epoch", "loss", "val_loss", "seconds")
ACCURACY_COLUMNS = ("accuracy", "val_accuracy")
"""Added to ``history.csv`` for a classifier (the text task)."""


class RunFolderError(ValueError):
    """The requested run folder cannot be used (holds a run already, is a file, not writable)."""


def check_out_dir(path: Path) -> None:
    """Refuse a folder that is a file, already holds a run, or cannot be made or written
    (see :func:`engine.runs.paths.path_problem`)."""
    problem = path_problem(path)  # first: a name too long would make the checks below raise
    if problem is None and path.exists() and not path.is_dir():
        problem = ("is a file", "a new or empty folder")
    elif problem is None and (path / "config.json").exists():
        problem = ("already holds a run", "a new or empty folder")
    elif problem is None and path.is_dir() and any(p.name not in DETACHED_FILES for p in path.iterdir()):
        problem = ("is not empty", "a new or empty folder")  # its files would be overwritten; --detach's own are not
    if problem is not None:
        raise RunFolderError(f"--out {shown(path)}: {problem[0]}; allowed: {problem[1]}")


def check_run_root(root: Path) -> None:
    """Refuse a folder of runs (``runs/``) in which no run folder can be made."""
    problem = path_problem(root)
    if root.is_file():
        problem = (f"{shown(root)} is a file", "a folder, or --out DIR")
    if problem is not None:
        raise RunFolderError(f"cannot create a run folder in {shown(root)}: {problem[0]}; allowed: {problem[1]}")


def new_run_dir(root: Path = Path("runs")) -> Path:
    """Create and return a fresh, empty ``root/<timestamp>`` (``-2``, ``-3``… if taken).

    ``mkdir`` without ``exist_ok`` claims the name atomically, so two runs started in the
    same second never share a folder.
    """
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    check_run_root(root)
    for n in range(1, 10_000):
        candidate = root / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            candidate.mkdir(parents=True)
        except FileExistsError:
            continue
        except OSError as error:  # e.g. a full disk: the folder cannot be made, so nothing can run
            raise RunFolderError(f"cannot create a run folder in {shown(root)}: {error.strerror}") from None
        return candidate
    raise RunFolderError(f"cannot create a run folder in {root}: too many runs named {stamp}")


def write_json_atomic(path: Path, data: Any, *, forced: bool = False) -> None:
    """Write ``data`` as JSON so readers see the old file or the new one, never half of one
    (``forced``: also into a folder given up on, see :func:`engine.runs.safeio.abandon`)."""
    write_atomic(path, (json.dumps(_json_safe(data), indent=2) + "\n").encode("utf-8"), forced=forced)


def _cell(value: float) -> str:
    """A forecast value as ``forecast.csv`` holds it: exact, or empty where there is none (NaN)."""
    return repr(value) if math.isfinite(value) else ""


def _json_safe(value: Any) -> Any:
    """Non-finite floats become null: JSON has no NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


class RunFolder:
    """One run's folder and its files."""

    def __init__(self, path: Path, *, classifier: bool = False, first_seed: int = 0) -> None:
        check_out_dir(path)
        self.classifier = classifier
        self.first_seed = first_seed
        """The run's ``--seed``; with several seeds, history rows carry ``first_seed + k``."""
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()  # models report from their own threads
        self.complete = False
        """Set once every file is written: a later failure (printing, say) must not mark the run failed."""
        self._history = LineFile(path / "history.csv")  # a failed append never leaves a torn line
        if self._history.tell() == 0:
            columns = HISTORY_COLUMNS + (ACCURACY_COLUMNS if classifier else ()) + ("seed",)
            self._history.write(",".join(columns) + "\n")

    def append_epoch(self, report: EpochReport) -> None:
        """Append one epoch's row — one per seed where there are several — and flush it to disk at once."""
        if report.seed_loss:
            blank = (math.nan,) * len(report.seed_loss)
            accuracies, val_accuracies = report.seed_accuracy or blank, report.seed_val_accuracy or blank
            rows = list(zip(report.seed_loss, report.seed_val_loss, accuracies, val_accuracies, strict=True))
        else:
            rows = [(report.loss, report.val_loss, report.accuracy, report.val_accuracy)]
        line = ""
        for k, (loss, val_loss, accuracy, val_accuracy) in enumerate(rows):
            line += f"{report.model},{report.epoch},{loss!r},{val_loss!r},{report.seconds:.4f}"
            line += f",{accuracy!r},{val_accuracy!r}" if self.classifier else ""
            line += f",{self.first_seed + k}\n"
        with self._lock:
            if not self._history.closed:
                self._history.write(line)  # one write of a whole line: no torn rows
                self._history.flush()

    def write_json(self, name: str, data: Any) -> None:
        """Write a JSON file atomically; ``metrics.json`` also lists the files written so far."""
        if name == "metrics.json" and isinstance(data, dict):
            data = {**data, "files": run_files(self.path)}
        write_json_atomic(self.path / name, data)

    def write_text(self, name: str, text: str) -> None:
        """Write a whole text file atomically (UTF-8)."""
        write_atomic(self.path / name, text.encode("utf-8"))

    def save_model(self, name: str, model: Any) -> None:
        """``<name>.keras``, saved under a temporary name first: never a half-written model file."""
        save_atomic(self.path / f"{name}.keras", model.save)

    def write_forecasts(self, forecasts: dict[str, Forecast]) -> None:
        """``forecast.csv``: index, x, truth, then one column per model, on the same rows (empty: no forecast).

        With several seeds a model's column is their median, followed by ``<model> min`` and
        ``<model> max``, the band's edges.
        """
        if not forecasts:
            return
        first = next(iter(forecasts.values()))
        columns = {model: f.predicted for model, f in forecasts.items()}
        for model, f in forecasts.items():
            if f.low is not None and f.high is not None:
                columns |= {f"{model} min": f.low, f"{model} max": f.high}
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["index", "x", "truth", *columns])
        for row, index in enumerate(first.index):
            values = [_cell(float(column[row])) for column in columns.values()]
            writer.writerow([int(index), repr(float(first.x[row])), repr(float(first.truth[row])), *values])
        self.write_text("forecast.csv", buffer.getvalue())

    def append_sample(self, report: SampleReport) -> None:
        """Append a generated text to ``samples.txt``, headed by its model and epoch."""
        kind = "final" if report.final else "preview"
        entry = f"=== {report.model}, epoch {report.epoch} ({kind}) ===\n{report.prompt}|{report.text}\n\n"
        with self._lock:
            append_lines(self.path / "samples.txt", entry)

    def append_gradients(self, report: InsideReport) -> None:
        """Append a look inside to ``gradients.csv``: ``model,epoch,lag,norm``, one row per lag."""
        path = self.path / "gradients.csv"
        rows = "".join(
            f"{report.model},{report.epoch},{lag},{float(norm)!r}\n" for lag, norm in enumerate(report.gradient)
        )
        with self._lock:
            append_lines(path, ("model,epoch,lag,norm\n" if not path.exists() else "") + rows)

    def write_states(self, report: InsideReport) -> None:
        """The trained model's gates and states for the first validation windows: ``states-<model>.npz``."""
        import numpy as np

        arrays = {name.replace(" ", "_"): value for name, value in report.states.items()}

        def save(temp: Path) -> None:
            with open(temp, "wb") as handle:
                np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]

        save_atomic(self.path / f"states-{report.model}.npz", save)

    def close(self) -> None:
        with self._lock:
            self._history.close()


def read_history(path: Path) -> list[dict[str, str]]:
    """Rows of a run's ``history.csv`` (for tests, the benchmark and reloading a run)."""
    with open(path / "history.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def mark_interrupted(run_dir: Path, config: Any) -> None:
    """Before a process gives up on a run that has not finished writing: make its folder say so.

    Called when the engine cannot be waited for (a signal or quit while TensorFlow imports or
    compiles, neither of which can be interrupted). Temporary files are removed; ``metrics.json``
    that still says ``running`` says ``interrupted``; one already final keeps its figures and gets
    the list of files as they are now. A folder still empty (quit while TensorFlow was loading)
    gets the run's ``config.json`` too, so it reads as a run interrupted before training began.
    """
    metrics_file = run_dir / "metrics.json"
    abandon(run_dir)  # the engine, still running, writes nothing more here
    with contextlib.suppress(OSError, ValueError):
        for temp in run_dir.glob(".*.tmp*"):  # writes the engine had begun (.x.json.tmp, .rnn.1a2b.tmp.keras)
            temp.unlink(missing_ok=True)
        if not (run_dir / "config.json").exists() and not metrics_file.exists():
            write_json_atomic(run_dir / "config.json", config.to_dict(), forced=True)
            said: dict[str, Any] = {"status": Status.INTERRUPTED, "models": {}, "note": "quit before training began"}
        else:
            said = json.loads(metrics_file.read_text())
            if said.get("status") == Status.RUNNING:
                said = {**said, "status": Status.INTERRUPTED, "note": "stopped before training ended"}
        write_json_atomic(metrics_file, {**said, "files": run_files(run_dir)}, forced=True)
