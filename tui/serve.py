"""``--serve [HOST:]PORT``: the app in browser tabs (textual-serve), every tab a viewer of training that goes on.

The training is started once, detached (:mod:`engine.detach`); each tab that opens runs ``rnnlstm-tui RUN_DIR``
under Textual's web driver and follows the folder, so a refresh, a closed tab or a dropped SSH tunnel never stops
it, and a new tab attaches. With a RUN_DIR or ``--runs`` nothing is trained: each tab shows that run or the runs.
textual-serve has no authentication: the default host is 127.0.0.1 (reached through an SSH tunnel), and any other
must be an address of this machine and is served with a warning.
"""

from __future__ import annotations

import errno
import importlib.util
import ipaddress
import shlex
import socket
import sys
from pathlib import Path
from typing import Any

from engine.cli import Invocation, fail
from engine.detach import detach
from engine.runs.paths import shown
from engine.sweep.grid import SweepError
from engine.sweep.headless import prepare

INSTALL_WEB = "pip install 'rnnlstm-tui[web]'"


def web_missing() -> bool:
    """Whether the web extra (textual-serve) is missing."""
    return importlib.util.find_spec("textual_serve") is None


def check_address(host: str, port: int) -> str:
    """Refuse, in one line, a host that is not this machine's or a port that cannot be bound; return the warning
    to print for a host beyond loopback ("" for loopback)."""
    where = f"--serve {shown(host)}:{port}"
    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError):
        fail(f"{where}: no such host; allowed: 127.0.0.1 (and an SSH tunnel), or an address of this machine")
    with socket.socket(family, kind) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: TIME_WAIT is no refusal
        try:
            probe.bind(address)
        except OSError as error:
            said = {
                errno.EADDRNOTAVAIL: "not an address of this machine",
                errno.EADDRINUSE: "the port is in use",
                errno.EACCES: "the port needs root (below 1024)",
            }.get(error.errno or 0, error.strerror or str(error))
            fail(f"{where}: {said}; allowed: a free port on 127.0.0.1 (with an SSH tunnel) or on this machine")
    if ipaddress.ip_address(str(address[0]).split("%", 1)[0]).is_loopback:
        return ""
    return (
        f"rnnlstm-tui: warning: serving on {host}:{port}, beyond this machine: anyone who can reach that port "
        "controls the app (textual-serve has no authentication) and can stop the run; the safe way is the default "
        f"host and an SSH tunnel: ssh -L {port}:127.0.0.1:{port} THIS_MACHINE"
    )


def tab_command(invocation: Invocation, folder: Path | None) -> list[str]:
    """What each tab runs: a viewer of ``folder`` (the detached run, or the RUN_DIR given), or the runs browser."""
    app = [sys.executable, "-m", "tui.cli"]
    if folder is not None:
        return [*app, "--open", str(folder)]
    return [*app, "--runs", str(invocation.runs or Path("runs"))]


def serve_main(invocation: Invocation) -> int:
    """Check the address, start the training detached (unless a run or the runs are to be shown), then serve."""
    assert invocation.serve is not None
    host, port = invocation.serve
    if web_missing():
        fail(f"--serve: textual-serve is not installed; install with {INSTALL_WEB}")
    warning = check_address(host, port)
    if invocation.open is not None or invocation.runs is not None:
        folder = invocation.open
    else:
        if invocation.sweep is not None:
            try:
                prepare(invocation)  # bad sweep options are named before anything starts
            except SweepError as error:
                fail(str(error))
        folder, process = detach(invocation)
        print(f"{process.kind} folder: {folder}; training detached, pid {process.pid}")
        print(f"it goes on when the tabs close or this server stops; stop it: rnnlstm-tui --stop {folder}")
    if warning:
        print(warning, file=sys.stderr, flush=True)
    url_host = f"[{host}]" if ":" in host else host
    print(f"open http://{url_host}:{port} (over SSH: ssh -L {port}:127.0.0.1:{port} THIS_MACHINE, then", end=" ")
    print(f"http://localhost:{port}); ctrl+c stops serving", flush=True)
    _server(shlex.join(tab_command(invocation, folder)), host, port).serve()
    return 0


def _server(command: str, host: str, port: int) -> Any:
    """textual-serve's server for ``command``, its page pointing back at whatever address it was opened by.

    textual-serve writes one public URL (from ``host``) into the page for its websocket: through an SSH tunnel
    to another local port, or with ``0.0.0.0``, that address is not the one the browser used; each page gets
    the address of its own request instead.
    """
    from aiohttp import web
    from textual_serve.server import Server

    class TabServer(Server):
        async def handle_index(self, request: web.Request) -> Any:
            self.public_url = f"{request.scheme}://{request.host}"  # no await before the page is made: no race
            return await super().handle_index(request)

    return TabServer(command, host=host, port=port, title="rnnlstm-tui")
