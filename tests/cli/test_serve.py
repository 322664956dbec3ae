"""`aidcoord serve` answers HTTP on 127.0.0.1 and refuses an unmigrated database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aidcoord.cli.main import app


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
    port = free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        body = b""
        for _ in range(100):  # bounded: at most about 20 s
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/sites?kind=hub", timeout=2) as r:
                    body = r.read()
                break
            except OSError:
                time.sleep(0.2)
        assert b"HUB-RZE" in body
    finally:
        server.terminate()
        server.wait(timeout=10)
