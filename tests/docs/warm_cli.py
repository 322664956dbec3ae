"""A warm `aidcoord` for shell scripts under test: the command line, imported once, forked per call.

Every `aidcoord` process spends seconds importing the application before it does anything, which a
guide's worth of commands cannot afford inside the test budget. `start(socket_path)` forks the test
process — which has imported `aidcoord.cli.main:app`, what the `aidcoord` console script runs — into a
server that, for each call, forks a child that takes the caller's arguments, environment, working
directory and standard streams and runs the app as the console script would. `write_shim(bin_dir,
socket_path)` writes the `aidcoord` program that shell scripts find on PATH: it passes its streams to
the server and exits with the command's exit status.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any

from aidcoord.cli.main import app

MAX_REQUEST = 1 << 20

SHIM = """\
#!{python} -IS
# aidcoord, warm: the command runs in a child of a server that imported aidcoord once (tests/docs).
import json, os, socket, sys
conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
conn.connect({socket!r})
request = {{"argv": sys.argv[1:], "cwd": os.getcwd(), "env": dict(os.environ)}}
socket.send_fds(conn, [b"."], [0, 1, 2])
conn.sendall(json.dumps(request).encode())
conn.shutdown(socket.SHUT_WR)
answer = b""
while chunk := conn.recv(64):
    answer += chunk
if not answer:
    sys.stderr.write("aidcoord (warm): the command died without an exit status\\n")
    sys.exit(1)
sys.exit(int(answer))
"""


def write_shim(bin_dir: Path, socket_path: Path) -> Path:
    """Write the `aidcoord` program that forwards to the server at `socket_path`; its path."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / "aidcoord"
    shim.write_text(SHIM.format(python=sys.executable, socket=str(socket_path)))
    shim.chmod(0o755)
    return shim


def _become_the_caller(request: dict[str, Any], fds: list[int]) -> list[str]:
    """Take the caller's streams, directory and environment; the arguments to run."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    # The test runner had replaced the standard streams (output capture): open the caller's afresh.
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 (the process's own streams)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    warnings.resetwarnings()  # the test run's "warnings are errors" is not the console script's
    os.chdir(str(request["cwd"]))
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in request["env"].items()})
    argv = [str(a) for a in request["argv"]]
    sys.argv = ["aidcoord", *argv]
    return argv


def _run_child(conn: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
    """In the forked child: become the caller's process and run the command line; never returns."""
    code = 1
    try:
        argv = _become_the_caller(request, fds)
        try:
            app(args=argv, prog_name="aidcoord")
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        except BaseException:
            traceback.print_exc()
            code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        try:
            conn.sendall(str(code).encode())
        finally:
            os._exit(code)


def _serve(listener: socket.socket) -> None:
    """Accept calls and fork a child for each, until killed."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children reap themselves
    while True:
        conn, _ = listener.accept()
        _, fds, _flags, _address = socket.recv_fds(conn, 1, 3)
        message = b""
        while len(message) < MAX_REQUEST and (chunk := conn.recv(65536)):
            message += chunk
        if len(fds) == 3 and os.fork() == 0:
            listener.close()
            _run_child(conn, json.loads(message), fds)
        for fd in fds:
            os.close(fd)
        conn.close()


def start(socket_path: Path) -> int:
    """Fork the warm server, listening on `socket_path` before this returns; its process id."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(socket_path))
    listener.listen(16)
    pid = os.fork()
    if pid == 0:
        try:
            _serve(listener)
        finally:
            os._exit(1)
    listener.close()
    return pid
