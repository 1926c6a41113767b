"""Paths a hostile user gives the command line's file options (issue 30, follow-up): ``~`` of no user, a name
longer than the system allows, a device, a FIFO, a socket. Each is one line naming the option, the path and
what is allowed (exit code 2), never a traceback, a hang or a read until memory runs out."""

from __future__ import annotations

import os
import pwd
import resource
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cli import UsageError, parse_invocation
from engine.inputs.csvfile import read_text_file
from engine.settings.declare import ConfigError

NO_USER = "nosuchuser_hostile30"
LONG = "a" * 300
KINDS = {"csv": "CSV", "text": "text"}
"""The options that name a data file, and how their allowed text names the file."""
MEMORY = 2 * 2**30
"""Address space a child gets: a reader of ``/dev/zero`` fails fast there instead of eating the machine."""


def _refusal(argv: list[str]) -> str:
    with pytest.raises(UsageError) as caught:
        parse_invocation(argv)
    return str(caught.value)


def _data(option: str, path: str) -> list[str]:
    return ["--task", option, f"--{option}", path]


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)
    return path


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "s.csv"
    with socket.socket(socket.AF_UNIX) as bound:
        bound.bind(str(path))
        yield path


@pytest.mark.parametrize("option", KINDS)
def test_a_home_folder_of_no_user_is_one_line(option: str) -> None:
    """Before: ``RuntimeError: Could not determine home directory.`` from ``Path.expanduser``."""
    with pytest.raises(KeyError):
        pwd.getpwnam(NO_USER)
    typed = f"~{NO_USER}/data"
    assert _refusal(_data(option, typed)) == (
        f"--{option} {typed}: no user is named {NO_USER} (~NAME means NAME's home folder); "
        f"allowed: a readable UTF-8 {KINDS[option]} file"
    )


@pytest.mark.parametrize("option", KINDS)
def test_a_name_or_path_too_long_for_the_system_is_one_line(option: str) -> None:
    """Before: ``OSError: [Errno 36] File name too long`` from ``stat``."""
    said = _refusal(_data(option, LONG))
    assert said.startswith(f"--{option} {'a' * 20}")
    assert said.endswith(
        f"…: a name in it is 300 bytes long (at most 255); allowed: a readable UTF-8 {KINDS[option]} file"
    )
    deep = "a/" * 3000  # no name too long, the whole path is
    said = _refusal(_data(option, deep))
    assert said.endswith(
        f"…: the path is 6,000 bytes long, too long for the system; allowed: a readable UTF-8 {KINDS[option]} file"
    )


def test_a_socket_or_a_symbolic_link_loop_is_refused_by_name(tmp_path: Path, unix_socket: Path) -> None:
    """Before: a socket raised ``OSError: No such device or address`` on open."""
    with pytest.raises(ConfigError, match="is a socket, not a regular file"):
        read_text_file(str(unix_socket), "csv", "CSV")
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    with pytest.raises(ConfigError, match="a symbolic link that loops"):
        read_text_file(str(loop), "csv", "CSV")


def test_a_device_is_refused_not_read_as_empty() -> None:
    """Before: ``/dev/null`` was read and called "empty", as if it were a file that held nothing."""
    assert _refusal(_data("csv", "/dev/null")) == (
        "--csv /dev/null: is a device, not a regular file; allowed: a readable UTF-8 CSV file"
    )


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux's /proc")
def test_no_more_than_the_limit_is_read_even_when_stat_says_less() -> None:
    """``/proc`` files say size 0: before, the size check passed and the whole file was read, whatever the limit."""
    with pytest.raises(ConfigError) as caught:
        read_text_file("/proc/self/status", "text", "text", max_bytes=10)
    assert caught.value.reason == "larger than 10 bytes"


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


@pytest.mark.parametrize("option", KINDS)
@pytest.mark.parametrize("what", ["/dev/zero", "fifo"])
def test_a_device_or_a_fifo_neither_hangs_nor_eats_memory(tmp_path: Path, fifo: Path, option: str, what: str) -> None:
    """Before: ``/dev/zero`` was read until MemoryError (a traceback, after eating memory), a FIFO hung forever.
    A child with bounded memory and a timeout, so a regression fails this test instead of the machine."""
    path = str(fifo) if what == "fifo" else what
    result = subprocess.run(
        [sys.executable, "-m", "tui.cli", "--headless", *_data(option, path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        preexec_fn=_limited,
    )
    kind = "a named pipe (FIFO)" if what == "fifo" else "a device"
    assert result.stderr.strip().splitlines() == [
        f"rnnlstm-tui: error: --{option} {path}: is {kind}, not a regular file; "
        f"allowed: a readable UTF-8 {KINDS[option]} file"
    ]
    assert result.returncode == 2


@pytest.mark.parametrize("argv", [["--open", LONG], ["--compare", LONG], [LONG], ["--runs", LONG]])
def test_a_run_folder_name_too_long_is_one_line(argv: list[str]) -> None:
    """Before: ``OSError: [Errno 36] File name too long`` from ``is_file``/``is_dir`` in the command line's checks."""
    said = _refusal(argv)
    assert f"{'a' * 60}…: not a" in said
    assert LONG not in said  # the line stays a line


DOORS = [
    (option, target)
    for option in ("--open", "--compare", "--runs", "--out")
    for target in ("fifo", "/dev/zero", f"~{NO_USER}/x")
    if (option, target) != ("--out", f"~{NO_USER}/x")  # a new folder literally named so: made, not refused
]


@pytest.mark.parametrize(("option", "target"), DOORS)
def test_other_doors_refuse_a_device_or_fifo_in_one_line(fifo: Path, option: str, target: str) -> None:
    """These were already one line before (kept from regressing): the run-folder options never read the path as a
    file. A quoted ``~name`` is a literal folder name to them, as to every program the shell does not expand for."""
    said = _refusal([option, str(fifo) if target == "fifo" else target])
    assert "\n" not in said
    assert "allowed:" in said
