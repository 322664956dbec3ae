"""`aidcoord audit verify` and `aidcoord audit log` on a migrated database of each backend."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from aidcoord.cli.main import app
from tests.audit.helpers import append_history, drop_guards, execute


@pytest.fixture
def database(migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The migrated database as AIDCOORD_DATABASE_URL, holding the six-record history."""
    monkeypatch.setenv("AIDCOORD_DATABASE_URL", migrated_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("COLUMNS", "250")
    append_history(migrated_engine)
    return migrated_engine


def invoke(*args: str) -> Result:
    """Run the CLI (an exception other than an exit fails the test)."""
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_verify_says_intact_and_prints_the_head(database: Engine) -> None:
    result = invoke("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "audit trail intact: 6 records" in result.stdout
    assert "head: record 6, hash " in result.stdout


def test_verify_fails_naming_an_altered_record(database: Engine) -> None:
    drop_guards(database)
    execute(database, "UPDATE audit_log SET after = :after WHERE seq = 4", after='{"quantity":3000}')
    result = invoke("audit", "verify")
    assert result.exit_code == 1
    assert "audit trail BROKEN at record 4: record 4 was altered" in result.stderr
    assert "intact" not in result.stdout


def test_verify_fails_naming_a_deleted_record(database: Engine) -> None:
    drop_guards(database)
    execute(database, "DELETE FROM audit_log WHERE seq = 2")
    result = invoke("audit", "verify")
    assert result.exit_code == 1
    assert "audit trail BROKEN at record 2: record 2 is missing (the next record is 3)" in result.stderr


def test_log_shows_the_history_newest_first(database: Engine) -> None:
    result = invoke("audit", "log")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "6 of 6 records" in out
    assert out.index("user.delete") < out.index("offer.withdraw") < out.index("offer.announce")
    assert "budget cut — Ausfuhr gestoppt" in out
    assert "quantity: 40 → 30; value_eur: 1500000.0 → 1125000.0" in out
    assert "approved_at: null → 2025-03-04T12:00:00.000000Z; status: draft → approved" in out


def test_log_filters(database: Engine) -> None:
    result = invoke(
        "audit", "log", "--entity", "offer", "--entity-id", "OFF-1", "--actor", "del-n001", "--limit", "2"
    )
    assert result.exit_code == 0, result.output
    assert "2 of 4 records" in result.stdout
    assert "offer.withdraw" in result.stdout
    assert "offer.amend" in result.stdout
    assert "offer.commit" not in result.stdout
    result = invoke("audit", "log", "--action", "plan.approve")
    assert "1 of 1 records" in result.stdout
    assert "weekly board" in result.stdout


def test_log_refuses_a_bad_window(database: Engine) -> None:
    result = invoke("audit", "log", "--limit", "0")
    assert result.exit_code == 2
    assert "limit must be in [1, 1000]" in result.stderr
