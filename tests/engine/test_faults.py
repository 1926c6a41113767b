"""Faults without TensorFlow (issue 17): a full disk, the umask, paths the early check must refuse,
numbers typed with separators, long values echoed, a quit before training began."""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cli import UsageError, build_parser, parse_invocation
from engine.config.config import Config
from engine.report.events import EpochReport
from engine.runs import safeio
from engine.runs.folder import RunFolder
from tui.screens.settings import CHOICES, form_fields, read_form

FULL = OSError(errno.ENOSPC, "No space left on device")


def texts(**changes: str) -> dict[str, str]:
    """The settings form's fields at their defaults, with ``changes`` typed in."""
    base = {spec.name: spec.default_text(getattr(Config(), spec.name)) for spec in (*CHOICES, *form_fields("damped"))}
    return {**base, **changes}


def _leftovers(folder: Path) -> list[str]:
    """Temporary files a failed write might leave: all start with a dot."""
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_a_failed_append_is_cut_back_to_the_last_whole_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = RunFolder(tmp_path / "run")
    folder.append_epoch(EpochReport("lstm", 1, 9, 0.5, 0.25, 0.1))
    before = (tmp_path / "run" / "history.csv").read_bytes()

    def half_then_full(fd: int, data: memoryview) -> int:  # the disk fills up in the middle of a line
        if len(data) > 4:
            return os.write(fd, data[: len(data) // 2])
        raise FULL

    monkeypatch.setattr(safeio, "_os_write", half_then_full)
    with pytest.raises(OSError, match="No space"):
        folder.append_epoch(EpochReport("lstm", 2, 9, 0.4, 0.2, 0.1))
    folder.close()
    assert (tmp_path / "run" / "history.csv").read_bytes() == before  # no torn "lstm,2,0." line


def test_a_failed_atomic_write_keeps_the_old_file_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = RunFolder(tmp_path / "run")
    folder.write_json("metrics.json", {"status": "running", "models": {}})
    folder.write_text("forecast.csv", "index,x,truth\n")

    def full(fd: int) -> None:
        raise FULL

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError):
        folder.write_json("metrics.json", {"status": "finished", "models": {"rnn": {}}})
    with pytest.raises(OSError):
        folder.write_text("forecast.csv", "index,x,truth,rnn\n")
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["status"] == "running"
    assert (tmp_path / "run" / "forecast.csv").read_text() == "index,x,truth\n"
    assert _leftovers(tmp_path / "run") == []


def test_a_failed_model_save_leaves_no_file_under_its_name(tmp_path: Path) -> None:
    def save_half(path: Path) -> None:  # Keras writing its zip when the disk fills up
        path.write_bytes(b"PK\x03\x04 half a zip")
        raise FULL

    with pytest.raises(OSError):
        safeio.save_atomic(tmp_path / "rnn.keras", save_half)
    assert list(tmp_path.iterdir()) == []


def test_a_failure_is_recorded_in_place_when_no_temp_file_fits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    finished = {"status": "finished", "models": {"rnn": {"params": 89, "final_val_loss": 0.001}}}
    (tmp_path / "metrics.json").write_text(json.dumps(finished))
    (tmp_path / "rnn.keras").write_bytes(b"model")

    def no_room(*args: object, **kwargs: object) -> tuple[int, str]:
        raise FULL

    monkeypatch.setattr(tempfile, "mkstemp", no_room)
    assert safeio.record_failure(tmp_path, "OSError: [Errno 28] No space left on device")
    said = json.loads((tmp_path / "metrics.json").read_text())
    assert said["status"] == "error" and "No space" in said["error"]
    assert said["models"] == finished["models"]  # what training found is kept
    assert said["files"] == ["rnn.keras"]
    assert safeio.failure_note(tmp_path) == f" (see {tmp_path / 'metrics.json'})"


def test_when_nothing_can_be_recorded_the_message_names_no_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_room(*args: object, **kwargs: object) -> tuple[int, str]:
        raise FULL

    monkeypatch.setattr(tempfile, "mkstemp", no_room)
    assert not safeio.record_failure(tmp_path, "OSError: no space")
    assert not (tmp_path / "metrics.json").exists()
    note = safeio.failure_note(tmp_path)
    assert "metrics.json" not in note and str(tmp_path) in note
    assert safeio.failure_note(tmp_path / "never-made") == ""


@pytest.fixture
def umask_027() -> Iterator[None]:
    previous = os.umask(0o027)
    yield
    os.umask(previous)


def test_every_run_file_follows_the_umask(tmp_path: Path, umask_027: None) -> None:
    folder = RunFolder(tmp_path / "run")
    folder.append_epoch(EpochReport("rnn", 1, 2, 0.5, 0.25, 0.1))
    folder.write_json("config.json", {})
    folder.write_json("metrics.json", {"status": "running"})
    folder.write_text("observations.md", "- none\n")
    safeio.save_atomic(tmp_path / "run" / "rnn.keras", lambda path: path.write_bytes(b"model"))
    folder.close()
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "run").iterdir()}
    assert modes == dict.fromkeys(["history.csv", "config.json", "metrics.json", "observations.md", "rnn.keras"], 0o640)


def test_metrics_json_lists_the_files_written(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path / "run")
    folder.write_json("config.json", {})
    folder.write_json("metrics.json", {"status": "running", "models": {}})
    folder.close()
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["files"] == ["config.json", "history.csv"]


def _refusal(args: list[str]) -> str:
    with pytest.raises(UsageError) as caught:
        parse_invocation(["--headless", *args])
    return str(caught.value)


@pytest.mark.parametrize(
    ("out", "expected"),
    [
        ("x" * 256, "a name in it is 256 bytes long; allowed: names of at most 255 bytes"),
        ("/".join(["y" * 200] * 21), "the full path is"),
        ("/proc/foo", "/proc is a system folder, not storage; allowed: a folder on a disk"),
        ("/sys/kernel/foo", "is a system folder, not storage"),
        ("dangling/run", "dangling is a symbolic link to nowhere, which does not exist"),
        ("loop", "loop is a symbolic link that loops"),
    ],
)
def test_out_paths_the_file_system_would_refuse_are_refused_early(
    out: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dangling").symlink_to("nowhere")
    (tmp_path / "loop").symlink_to("loop")
    message = _refusal(["--out", out])
    assert expected in message and message.startswith("--out ")
    assert len(message) < 200  # a 4,000-byte path is not echoed whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling", "loop"]  # nothing was made


def test_a_runs_that_is_a_file_is_refused_early(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").write_text("notes")
    assert _refusal([]) == "cannot create a run folder in runs: runs is a file; allowed: a folder, or --out DIR"
    assert (tmp_path / "runs").read_text() == "notes"


@pytest.mark.parametrize(
    ("flag", "field", "typed", "reason"),
    [
        ("--epochs", "epochs", "1_000", "digit separators (_) are not allowed"),
        ("--lr", "learning_rate", "0.000_1", "digit separators (_) are not allowed"),
        ("--epochs", "epochs", "١٢", "non-ASCII digits are not allowed"),
    ],
)
def test_numbers_with_separators_are_refused_on_the_command_line_and_in_the_form(
    flag: str, field: str, typed: str, reason: str
) -> None:
    assert f"{flag} {typed}: {reason}; allowed:" in _refusal([flag, typed])
    assert "no _ separators" in build_parser().format_help()  # --help says so
    config, errors = read_form(Config(), texts(**{field: typed}), ("rnn",))
    assert config is None and f" {typed}: {reason}; allowed:" in errors[field]


def test_long_values_are_echoed_cut_short() -> None:
    typed = "9" * 3000
    message = _refusal(["--epochs", typed])
    assert message == f"--epochs {'9' * 40}…: not allowed; allowed: an integer from 1 to 1000000"
    _, errors = read_form(Config(), texts(tau="x" * 3000), ("rnn",))
    assert errors["tau"] == f"τ (decay) {'x' * 40}…: not a number; allowed: a finite number greater than 0"


def test_a_quit_before_tensorflow_loaded_leaves_an_interrupted_run(tmp_path: Path) -> None:
    from engine.runs.folder import mark_interrupted

    config = Config(epochs=7)
    mark_interrupted(tmp_path, config)
    assert json.loads((tmp_path / "config.json").read_text())["epochs"] == 7
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["status"] == "interrupted" and metrics["note"] == "quit before training began"
    assert metrics["files"] == ["config.json"]


async def test_the_app_exits_1_when_its_run_failed(tmp_path: Path) -> None:
    from helpers.fake_engine import FakeEngine
    from helpers.pilot_helpers import SIZE, SMALL, fake_app, finished

    app = fake_app(SMALL, tmp_path, FakeEngine(fail_after=2))
    async with app.run_test(size=SIZE) as pilot:
        await finished(pilot)  # (waiting on the workers alone raced the run's start, and raises for a failed one)
        assert app.state == "error"
        await pilot.press("q")
    assert app.return_code == 1  # (what metrics.json says is the engine's part: tests/e2e/test_faults_run.py)


def test_a_folder_given_up_on_gets_no_more_writes_and_keeps_no_temporary_file(tmp_path: Path) -> None:
    from engine.runs.folder import mark_interrupted, write_json_atomic
    from engine.runs.safeio import AbandonedError, record_failure, write_atomic

    write_json_atomic(tmp_path / "config.json", Config().to_dict())
    write_json_atomic(tmp_path / "metrics.json", {"status": "running", "models": {}})
    (tmp_path / ".rnn.1a2b3c4d.tmp.keras").write_bytes(b"half a model")  # a save the engine had begun
    mark_interrupted(tmp_path, Config())
    assert not list(tmp_path.glob(".*"))
    with pytest.raises(AbandonedError):  # the engine, still running, tries to write on
        write_atomic(tmp_path / "forecast.csv", b"index,x\n")
    assert not (tmp_path / "forecast.csv").exists() and not list(tmp_path.glob(".*"))
    assert record_failure(tmp_path, "AbandonedError: given up") is False  # the mark is not overwritten
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["status"] == "interrupted" and metrics["files"] == ["config.json"]


def test_a_run_too_big_for_the_free_memory_is_refused_before_it_starts() -> None:
    from engine.config.estimate import parameters, peak_mb

    assert [parameters(k, 40, 1, 1) for k in ("rnn", "lstm", "gru")] == [1_721, 6_761, 5_201]  # Keras's counts
    assert peak_mb(Config(units=4096)) == pytest.approx(3536, rel=0.05)  # measured: 3,490 MB
    assert peak_mb(Config(units=2048, backend="jax")) == pytest.approx(1110, rel=0.1)  # measured: 1,110 MB
    message = _refusal(["--units", "4096", "--seeds", "64"])  # ~169 GB: no machine here has it free
    assert message.startswith("--units 4096 with 2 models and 64 seeds: needs about 168.7 GB") and "allowed:" in message
    _, errors = read_form(Config(), texts(units="4096", seeds="64"), ("rnn", "lstm"))
    assert errors["units"].startswith("units 4096, models and seeds: this run needs about 168.7 GB")
