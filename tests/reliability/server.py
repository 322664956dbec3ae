"""A real `aidcoord serve` in a subprocess on a free port: started, waited for, stopped or killed."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from aidcoord.access import service as access
from aidcoord.access.actor import SYSTEM
from aidcoord.db import session_scope

STARTUP_LIMIT_S = 60.0


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def coordinator_token(engine: Engine, user_id: str = "coord") -> str:
    """A new coordinator of the cell (made if missing) and an API token for it."""
    with session_scope(engine) as session:
        if not any(o.organisation_id == "CELL" for o in access.list_all(session, actor=SYSTEM)):
            access.add_many(
                session,
                actor=SYSTEM,
                organisations=[access.Organisation("CELL", "Coordination cell", "coordination_cell")],
            )
        access.add_user(session, actor=SYSTEM, user_id=user_id, organisation_id="CELL", roles=["coordinator"])
        return access.create_token(session, actor=SYSTEM, user_id=user_id).secret


@dataclass
class Server:
    """A running server process and where it listens."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> tuple[int, dict[str, str], Any]:
        """One request on a new connection: status, headers (lower-case names) and the JSON body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            payload = json.dumps(body).encode() if body is not None else None
            sent = {"Content-Type": "application/json", **(headers or {})}
            connection.request(method, path, body=payload, headers=sent)
            response = connection.getresponse()
            data = response.read()
            answer = json.loads(data) if data else None
            return response.status, {k.lower(): v for k, v in response.getheaders()}, answer
        finally:
            connection.close()

    def kill(self) -> None:
        """SIGKILL: no shutdown of any kind."""
        self.process.kill()
        self.process.wait(timeout=30)

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM and wait for the exit; its exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


def start_server(database_url: str, log: Path, *options: str, port: int | None = None) -> Server:
    """Start `aidcoord serve` on `database_url` and return once /healthz answers (stderr goes to `log`)."""
    port = port or free_port()
    env = {**os.environ, "AIDCOORD_DATABASE_URL": database_url}
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "aidcoord.cli", "serve", "--port", str(port), *options],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    server = Server(process, port, log)
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            status, _, _ = server.request("GET", "/healthz", timeout=2)
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    process.kill()
    raise AssertionError(f"the server did not answer within {STARTUP_LIMIT_S} s:\n{log.read_text()[-3000:]}")
