"""The command line: bad input gets one clear line and exit 2, before anything loads (no TensorFlow; the
headless runs themselves are tested in tests/e2e/test_headless.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import main

COMMAND = [sys.executable, "-m", "tui.cli"]


def _run(args: list[str], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], cwd=cwd, capture_output=True, text=True, timeout=120, **kwargs)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--epochs", "ten"], "--epochs ten: not a whole number"),
        (["--epochs", "1.5"], "--epochs 1.5: not a whole number"),
        (["--epochs", "0"], "--epochs 0: not allowed; allowed: an integer from 1"),
        (["--units", "-4"], "--units -4: not allowed"),
        (["--lr", "nan"], "--lr nan: not finite"),
        (["--lr", "inf"], "--lr inf: not finite"),
        (["--lr", "0"], "--lr 0: not allowed; allowed: a finite number greater than 0"),
        (["--lr", "fast"], "--lr fast: not a number"),
        (["--tau", "-1"], "--tau -1: not allowed"),
        (["--validation-split", "abc"], "--validation-split abc: not a number; allowed: a number in (0, 0.5]"),
        (["--batch-size", "500"], "allowed: an integer from 1 to the number of training windows (162)"),
        (["--window", "199"], "--window 199: not allowed; allowed: an integer from 1 to the series' length - 2"),
        (["--validation-split", "0.9"], "--validation-split 0.9: not allowed; allowed: a number in (0, 0.5]"),
        (["--models", "rnn,rnn"], "--models rnn,rnn: not allowed; allowed: a non-empty list of distinct"),
        (["--models", "rnn,transformer"], "--models rnn,transformer: not allowed"),
        (["--models", ""], "--models (none): not allowed"),
        (["--trainer", "magic"], "--trainer magic: not allowed; allowed: one of fast, keras, fit"),
        (["--device", "tpu"], "--device tpu: not allowed; allowed: one of auto, cpu, gpu"),
    ],
)
def test_bad_option_values_get_one_line_and_exit_2(
    args: list[str], expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # In this process (the command's main): a whole process per case would only add its start-up; the command
    # as a process says the same in test_unknown_options_get_one_line_with_the_nearest_option.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as ended:
        main([*args, "--headless"])
    said = capsys.readouterr()
    assert ended.value.code == 2 and said.out == ""
    assert expected in said.err and said.err.startswith("rnnlstm-tui: error: ")
    assert len(said.err.strip().splitlines()) == 1 and "Traceback" not in said.err
    assert not (tmp_path / "runs").exists()  # nothing was started


def test_out_that_is_a_file_or_holds_a_run_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def refused(out: Path) -> str:
        with pytest.raises(SystemExit) as ended:
            main(["--headless", "--out", str(out)])
        said = capsys.readouterr().err
        assert ended.value.code == 2 and len(said.splitlines()) == 1
        return said

    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me")
    assert "is a file" in refused(a_file)
    assert "is a file" in refused(a_file / "run")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "config.json").write_text("{}")
    assert "already holds a run" in refused(tmp_path / "old")
    assert a_file.read_text() == "keep me" and (tmp_path / "old" / "config.json").read_text() == "{}"


def test_unknown_options_get_one_line_with_the_nearest_option(tmp_path: Path) -> None:
    result = _run(["--epoch", "5", "--headless"], tmp_path)
    assert result.returncode == 2 and "unknown option --epoch; did you mean --epochs?" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_tui_refuses_a_non_terminal_stdout(tmp_path: Path) -> None:
    result = _run(["--epochs", "2"], tmp_path)
    assert result.returncode == 2 and "--headless" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
