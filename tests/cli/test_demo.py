"""`aidcoord demo --no-serve`: a fresh database with nsatu and a report, exit 0."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from aidcoord.cli.main import app


def test_demo_no_serve_prints_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    db = tmp_path / "demo.db"
    db.write_bytes(b"not a database: the demo must start afresh")
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--db", str(db)])
    assert result.exit_code == 0, result.output
    out = result.output
    for heading in ("Pledged value by capability", "Requirements by priority class", "Hub capacity"):
        assert heading in out
    assert "HUB-RZE" in out
    assert "air-defence" in out
    # One user per role, with a password to sign in with.
    for role in ("coordinator", "auditor", "nation_officer", "viewer", "hub_operator", "recipient_officer"):
        assert role in out
    assert "/api/v1/auth/login" in out
