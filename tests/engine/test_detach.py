"""Detached runs without TensorFlow: the process record, "process gone", --stop, and the options' refusals.

The whole processes (a real detached run, attached in a pseudo-terminal, killed, served in Chromium) are
the heavy tests in tests/e2e/test_detach_e2e.py and tests/e2e/test_browser.py.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.detached_runs import dead_record, running_folder, stand_in

from engine.cli import UsageError, parse_invocation
from engine.detach import child_command
from engine.runs.detached import alive, describe, read_record, write_record
from engine.runs.folder import RunFolderError, check_out_dir
from engine.runs.paths import DETACHED_LOG, DETACHED_RECORD, shown
from engine.runs.reader import compare_report, list_runs, read_run
from tui import serve
from tui.cli import main


def test_a_running_folder_whose_process_is_gone_reads_process_gone_at_its_last_epoch(tmp_path: Path) -> None:
    folder = running_folder(tmp_path / "run")
    assert read_run(folder).status == "running"  # no record: another process's run, followed as before
    dead_record(folder)
    assert read_run(folder).status == "process gone at epoch 3"
    assert [run.status for run in list_runs(tmp_path)] == ["process gone at epoch 3"]  # the runs screen, --runs
    assert "| run | rnn | process gone at epoch 3 |" in compare_report([read_run(folder)])  # --headless --open


def test_a_reused_pid_is_not_the_recorded_process(tmp_path: Path) -> None:
    folder = running_folder(tmp_path / "run")
    me = describe(os.getpid())
    write_record(folder, me)
    assert alive(me) is True and read_run(folder).status == "running"
    assert me.started is not None
    write_record(folder, dataclasses.replace(me, started=me.started - 1))  # same pid, started at another moment
    assert read_run(folder).status == "process gone at epoch 3"
    write_record(folder, dataclasses.replace(me, boot="another boot"))
    assert read_run(folder).status == "process gone at epoch 3"
    write_record(folder, dataclasses.replace(me, host="another-machine"))  # cannot be told from here: as it says
    assert read_run(folder).status == "running"


def test_a_process_that_exited_but_was_not_reaped_is_gone(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    record = describe(process.pid)
    assert alive(record) is True
    process.kill()
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)  # it has exited, and stays a zombie until waited for
    assert Path(f"/proc/{process.pid}").exists() and alive(record) is False
    process.wait()


def test_a_damaged_record_is_no_record(tmp_path: Path) -> None:
    folder = running_folder(tmp_path / "run")
    for text in ("", "[]", '{"pid": "12"}', '{"pid": -1}', '{"pid": true}', "{" * 100_000):
        (folder / DETACHED_RECORD).write_text(text)
        assert read_record(folder) is None and read_run(folder).status == "running", text


def test_the_detached_files_do_not_make_a_folder_taken(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / DETACHED_LOG).write_text("starting\n")
    (folder / DETACHED_RECORD).write_text("{}")
    check_out_dir(folder)  # the detached process's own --out: its log and record are already there
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(RunFolderError, match="is not empty"):
        check_out_dir(folder)


def test_stop_ends_the_detached_process_and_its_folder_says_stopped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = running_folder(tmp_path / "run")
    process = stand_in(folder)
    assert main(["--stop", str(folder)]) == 0
    assert process.wait(timeout=30) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"stopped; run folder: {folder}"
    with pytest.raises(SystemExit) as ended:  # once more: it has ended
        main(["--stop", str(folder)])
    assert ended.value.code == 2
    assert (
        capsys.readouterr().err
        == f"rnnlstm-tui: error: --stop {shown(folder)}: nothing to stop, it has ended (stopped)\n"
    )


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda folder: running_folder(folder), "not a detached run (no detached.json)"),
        (lambda folder: dead_record(running_folder(folder)), "nothing to stop, it has ended (process gone at epoch 3)"),
        (lambda folder: None, "no such folder"),
    ],
)
def test_stop_refuses_what_it_cannot_stop_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, said: str
) -> None:
    folder = tmp_path / "run"
    make(folder)  # type: ignore[operator]
    with pytest.raises(SystemExit) as ended:
        main(["--stop", str(folder)])
    err = capsys.readouterr().err
    assert ended.value.code == 2 and said in err and len(err.splitlines()) == 1, err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--stop", "x", "--epochs", "3"], "--stop: not with --epochs; allowed: rnnlstm-tui --stop RUN_DIR alone"),
        (["--stop", "x", "--headless"], "--stop: not with --headless"),
        (["--detach", "--headless"], "--detach: not with --headless"),
        (["--serve", "8000", "--headless"], "--serve: not with --headless"),
        (["--serve", "http"], "--serve http: not [HOST:]PORT"),
        (["--serve", "70000"], "--serve 70000: not [HOST:]PORT"),
        (["--serve", "::1:8000"], "--serve ::1:8000: not [HOST:]PORT"),
    ],
)
def test_the_options_refuse_what_means_nothing(argv: list[str], said: str) -> None:
    with pytest.raises(UsageError) as error:
        parse_invocation(argv)
    assert said in str(error.value)


def test_detach_with_a_run_to_show_is_refused(tmp_path: Path) -> None:
    folder = running_folder(tmp_path / "run")
    with pytest.raises(UsageError, match="--detach: nothing to train"):
        parse_invocation(["--detach", str(folder)])


def test_serve_takes_a_host_and_a_port() -> None:
    assert parse_invocation(["--serve", "8000"]).serve == ("127.0.0.1", 8000)
    assert parse_invocation(["--serve", "0.0.0.0:8080"]).serve == ("0.0.0.0", 8080)
    assert parse_invocation(["--serve", "[::1]:9000"]).serve == ("::1", 9000)


def test_the_detached_process_gets_the_command_line_less_detach_and_serve(tmp_path: Path) -> None:
    invocation = parse_invocation(["--epochs", "4", "--detach", "--serve", "8000", "--models", "lstm"])
    command = child_command(invocation, tmp_path / "run")
    assert command[1:] == [
        "-m",
        "tui.cli",
        "--headless",
        "--epochs",
        "4",
        "--models",
        "lstm",
        "--out",
        str(tmp_path / "run"),
    ]
    given = parse_invocation(["--serve=8000", "--out", str(tmp_path / "mine")])
    assert child_command(given, tmp_path / "mine")[3:] == ["--headless", "--out", str(tmp_path / "mine")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_refuses_a_busy_port_and_an_address_not_of_this_machine(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    assert serve.check_address("127.0.0.1", port) == ""  # loopback: no warning
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        with pytest.raises(SystemExit) as ended:
            serve.check_address("127.0.0.1", port)
    assert ended.value.code == 2 and "the port is in use" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        serve.check_address("192.0.2.1", port)  # TEST-NET-1: never an address of this machine
    assert "192.0.2.1:" in (err := capsys.readouterr().err) and "not an address of this machine" in err


def test_serve_beyond_loopback_warns_that_anyone_controls_the_app() -> None:
    warning = serve.check_address("0.0.0.0", free_port())
    assert "anyone who can reach that port controls the app" in warning and "no authentication" in warning


def test_serve_without_the_web_extra_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(serve, "web_missing", lambda: True)
    with pytest.raises(SystemExit) as ended:
        main(["--serve", str(free_port())])
    assert ended.value.code == 2
    assert capsys.readouterr().err == (
        "rnnlstm-tui: error: --serve: textual-serve is not installed; install with pip install 'rnnlstm-tui[web]'\n"
    )


def test_each_tab_runs_a_viewer_of_the_run_or_the_runs_browser(tmp_path: Path) -> None:
    folder = running_folder(tmp_path / "run")
    assert serve.tab_command(parse_invocation(["--serve", "8000", str(folder)]), folder)[3:] == ["--open", str(folder)]
    runs = parse_invocation(["--serve", "8000", "--runs", str(tmp_path)])
    assert serve.tab_command(runs, None)[3:] == ["--runs", str(tmp_path)]


def test_serve_with_a_sweep_detaches_the_sweep_and_serves_viewers_of_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(serve, "web_missing", lambda: False)
    started: list[list[str]] = []
    served: list[str] = []

    def detach(invocation: object) -> tuple[Path, object]:
        started.append(list(invocation.sweep.argv))  # type: ignore[attr-defined]
        return tmp_path / "sweep", describe(os.getpid(), "sweep")

    class Server:
        def __init__(self, command: str) -> None:
            served.append(command)

        def serve(self) -> None:
            pass

    monkeypatch.setattr(serve, "detach", detach)
    monkeypatch.setattr(serve, "_server", lambda command, host, port: Server(command))
    port = str(free_port())
    assert main(["--serve", port, "--task", "adding", "--sweep", "length=10,25", "--seeds", "2"]) == 0
    out = capsys.readouterr().out
    assert len(started) == 1 and "length=10,25" in started[0]  # the sweep itself, as the command line gave it
    assert f"sweep folder: {tmp_path / 'sweep'}; training detached" in out
    assert served and served[0].endswith(f"--open {tmp_path / 'sweep'}")
    with pytest.raises(SystemExit) as ended:  # a bad value is refused before anything starts
        main(["--serve", port, "--task", "adding", "--sweep", "length=3,25"])
    assert ended.value.code == 2 and len(started) == 1
    assert "--sweep length=3: not allowed" in capsys.readouterr().err
