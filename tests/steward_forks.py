"""A fork server for the ``steward`` commands of the README walk-throughs.

Each ``steward`` a walk-through types used to start a new interpreter that imported the package
again (about half a second, some sixty times a run). Here one process imports the CLI once and
forks a child per command: a small ``steward`` executable on the ``PATH`` hands the child its
arguments, working folder, environment and standard streams (the file descriptors themselves,
over a Unix socket), and the child runs :func:`modelsteward.cli.main.main` — what the console
script runs — and reports its exit code, which the executable exits with.

What this leaves out, the import of the package in a fresh interpreter, is tested elsewhere:
``tests/cli/test_cli_executable.py`` runs the installed console script and
``tests/cli/test_cli_startup.py`` checks what a fresh interpreter imports.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import random
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_LENGTH = 8  # bytes of the request's length, sent with the three descriptors

# The executable a walk-through finds on its PATH (python -S -E: no site, no PYTHON* settings,
# so it starts in a few milliseconds).
_CLIENT = '''#!{python} -SE
import json, os, socket, sys
connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
connection.connect({path!r})
request = json.dumps({{"argv": sys.argv[1:], "cwd": os.getcwd(),
                      "env": dict(os.environ)}}).encode()
socket.send_fds(connection, [len(request).to_bytes({length}, "big")], [0, 1, 2])
connection.sendall(request)
answer = b""
while len(answer) < 4:
    chunk = connection.recv(4 - len(answer))
    if not chunk:
        sys.exit(70)  # the child died without answering (EX_SOFTWARE)
    answer += chunk
sys.exit(int.from_bytes(answer, "big", signed=True))
'''


def _preload() -> None:
    """Import the CLI and everything its commands use, but the HTTP server's modules (the
    walk-throughs never serve)."""
    import modelsteward

    for found in pkgutil.walk_packages(modelsteward.__path__, "modelsteward."):
        if not found.name.startswith(("modelsteward.api", "modelsteward.demo")):
            importlib.import_module(found.name)


def _receive(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise EOFError("the steward executable went away")
        data += chunk
    return data


def _run_command(connection: socket.socket) -> None:
    """In the forked child: become the command the executable was asked for, run it, answer
    its exit code; never returns."""
    code = 70
    try:
        header, fds, _flags, _address = socket.recv_fds(connection, _LENGTH, 3)
        header += _receive(connection, _LENGTH - len(header))
        request = json.loads(_receive(connection, int.from_bytes(header, "big")))
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the command may wait for its own
        random.seed()  # not the parent's sequence, which every child would repeat
        sys.argv = ["steward", *request["argv"]]
        from modelsteward.cli.main import main

        try:
            code = main(request["argv"])
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 0 if done.code is None else 1
        except BaseException:
            traceback.print_exc()
            code = 1
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BrokenPipeError:
            code = code or 120  # what Python's own shutdown reports for a closed pipe
    except BaseException:  # taking the request failed: say why (in the server's log, if so)
        traceback.print_exc()
    finally:
        try:
            connection.sendall(int(code).to_bytes(4, "big", signed=True))
        finally:
            os._exit(0)


def serve(path: str) -> None:
    """The server's loop: one forked child per connection (children are reaped by the
    system: SIGCHLD is ignored)."""
    _preload()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".new")
    listener.listen(16)
    os.rename(path + ".new", path)  # the path appears once it answers
    while True:
        connection, _ = listener.accept()
        if os.fork() == 0:
            listener.close()
            _run_command(connection)
        connection.close()


@contextmanager
def forked_steward(folder: Path, env: dict[str, str]) -> Iterator[Path]:
    """Start a fork server with ``env`` and yield a folder whose ``steward`` runs its commands
    through it; stop the server on exit."""
    folder.mkdir(parents=True, exist_ok=True)
    path = str(folder / "steward.sock")
    log = folder / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-c", f"from tests.steward_forks import serve; serve({path!r})"],
            cwd=Path(__file__).resolve().parents[1], env=env, stdin=subprocess.DEVNULL,
            stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not os.path.exists(path):
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the steward fork server did not start"
            time.sleep(0.01)
        client = folder / "bin" / "steward"
        client.parent.mkdir()
        client.write_text(_CLIENT.format(python=sys.executable, path=path, length=_LENGTH))
        client.chmod(0o755)
        yield client.parent
    finally:
        server.terminate()
        server.wait(timeout=10)
