"""`aidcoord serve`: answers HTTP, refuses an unmigrated database or bad options, runs workers, logs
JSON with request ids and finishes the requests in flight on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from aidcoord.cli.main import app
from aidcoord.db import make_engine
from aidcoord.db.migrate import upgrade
from tests.reliability.server import coordinator_token, start_server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_refuses_an_unmigrated_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIDCOORD_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = CliRunner().invoke(app, ["serve", "--port", str(free_port())])
    assert result.exit_code == 2
    assert "aidcoord db upgrade" in result.output


def test_serve_answers_the_api(tmp_path: Path) -> None:
    env = {**os.environ, "AIDCOORD_DATABASE_URL": f"sqlite:///{tmp_path / 'api.db'}"}
    cli = [sys.executable, "-m", "aidcoord.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "scenario", "load", "nsatu"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*cli, "users", "add", "ops", "-o", "OPS-HUB-RZE", "-r", "hub_operator", "--no-password"],
        env=env,
        check=True,
        capture_output=True,
    )
    made = subprocess.run(
        [*cli, "tokens", "create", "ops"], env=env, check=True, capture_output=True, text=True
    )
    token = made.stdout.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        body = b""
        url = f"http://127.0.0.1:{port}/api/v1/sites?kind=hub"
        signed = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        for _ in range(100):  # bounded: at most about 20 s
            try:
                with urllib.request.urlopen(signed, timeout=2) as r:
                    body = r.read()
                break
            except urllib.error.HTTPError:
                raise
            except OSError:
                time.sleep(0.2)
        assert b"HUB-RZE" in body
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=2)
        assert refused.value.code == 401
        assert refused.value.headers["WWW-Authenticate"].startswith("Bearer")
        refused.value.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_refuses_bad_options_and_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIDCOORD_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    refused = CliRunner().invoke(app, ["serve", "--workers", "0", "--log-format", "xml"])
    assert refused.exit_code == 2
    assert "--workers" in refused.output
    assert "--log-format" in refused.output
    monkeypatch.setenv("AIDCOORD_DB_POOL_SIZE", "many")
    for command in (["serve"], ["scenario", "show"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2, command
        assert "AIDCOORD_DB_POOL_SIZE" in result.output
        assert "Traceback" not in result.output
    monkeypatch.delenv("AIDCOORD_DB_POOL_SIZE")
    monkeypatch.setenv("AIDCOORD_MAX_BODY_BYTES", "ten megabytes")
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "AIDCOORD_MAX_BODY_BYTES" in result.output


def _migrated(tmp_path: Path) -> tuple[str, str]:
    """A migrated SQLite database with a coordinator: its URL and the coordinator's token."""
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        return url, coordinator_token(engine)
    finally:
        engine.dispose()


def _read_until(sock: socket.socket, end: bytes) -> bytes:
    data = b""
    while end not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


@pytest.mark.slow
def test_sigterm_lets_the_request_in_flight_finish_and_exits_0(tmp_path: Path) -> None:
    url, token = _migrated(tmp_path)
    server = start_server(url, tmp_path / "serve.log", "--graceful-timeout", "30")
    body = json.dumps({"name": "in flight"}).encode()
    head = (
        "POST /api/v1/auth/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\nX-Request-ID: in-flight\r\n\r\n"
    )
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(head.encode())
            # The server says 100 Continue when the app starts reading the body: the request is in flight.
            assert _read_until(sock, b"\r\n\r\n").startswith(b"HTTP/1.1 100")
            server.process.send_signal(signal.SIGTERM)
            # Wait until the server refuses new connections: it is shutting down, our request still open.
            for _ in range(300):  # bounded: at most about 30 s
                try:
                    socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
                except OSError:
                    break
                time.sleep(0.1)
            else:
                pytest.fail("the server kept accepting connections after SIGTERM")
            sock.sendall(body)
            answer = _read_until(sock, b"}")
        assert answer.startswith(b"HTTP/1.1 201"), answer[:300]
        assert b"x-request-id: in-flight" in answer.lower()
        assert server.process.wait(timeout=60) == 0
    finally:
        if server.process.poll() is None:
            server.kill()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            names = connection.execute(text("SELECT name FROM credentials")).scalars().all()
        assert "in flight" in names
    finally:
        engine.dispose()
    assert "Shutting down" in (tmp_path / "serve.log").read_text()


@pytest.mark.slow
def test_workers_answer_with_json_access_logs_and_stop_on_sigterm(tmp_path: Path) -> None:
    url, token = _migrated(tmp_path)
    log = tmp_path / "serve.log"
    server = start_server(url, log, "--workers", "2", "--log-format", "json")
    try:
        for n in range(6):
            status, headers, me = server.request(
                "GET",
                "/api/v1/auth/me",
                headers={"Authorization": f"Bearer {token}", "X-Request-ID": f"r-{n}"},
            )
            assert (status, headers["x-request-id"], me["user_id"]) == (200, f"r-{n}", "coord")
        status, headers, _ = server.request("GET", "/api/v1/auth/me")
        assert status == 401
        new_id = headers["x-request-id"]
        assert server.request("GET", "/readyz")[0] == 200
    finally:
        assert server.terminate() == 0
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    access = {line["request_id"]: line for line in lines if line["logger"] == "aidcoord.access_log"}
    first = access["r-0"]
    assert (first["method"], first["path"], first["status"], first["user"]) == (
        "GET",
        "/api/v1/auth/me",
        200,
        "coord",
    )
    assert first["duration_ms"] >= 0
    assert (access[new_id]["status"], access[new_id]["user"]) == (401, None)
    assert {"r-1", "r-2", "r-3", "r-4", "r-5"} <= access.keys()
