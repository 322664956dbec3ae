"""`aidcoord serve` answers HTTP on 127.0.0.1 and refuses an unmigrated database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
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
