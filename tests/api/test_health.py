"""Probes (/healthz, /readyz), request ids (echoed, logged, audited) and the JSON log format."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from aidcoord.api.app import create_app
from aidcoord.api.logs import JsonFormatter, logging_config
from aidcoord.db.migrate import head_revision
from tests.api.helpers import V1, problem


def test_probes_need_no_credentials_and_stay_out_of_the_openapi(api: TestClient) -> None:
    api.headers.pop("Authorization")
    alive = api.get("/healthz")
    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
    ready = api.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready", "schema": head_revision()})
    paths = api.get("/openapi.json").json()["paths"]
    assert "/healthz" not in paths
    assert "/readyz" not in paths


def test_readyz_is_503_until_the_schema_is_at_the_head(empty_database_url: str) -> None:
    app = create_app(empty_database_url)
    # With the lifespan: the jobs worker it starts on SQLite must wait for the schema, not die.
    try:
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 200
            body = problem(client.get("/readyz"), 503, "not_ready")
    finally:
        app.state.engine.dispose()
    assert "aidcoord db upgrade" in body["detail"]


def test_readyz_is_503_when_the_database_does_not_answer(caplog: pytest.LogCaptureFixture) -> None:
    # Nothing listens on port 1: the connection is refused at once, the liveness probe stays green.
    app = create_app("postgresql://aidcoord@127.0.0.1:1/none")
    client = TestClient(app)
    with caplog.at_level(logging.WARNING, logger="aidcoord.api.health"):
        assert client.get("/healthz").status_code == 200
        body = problem(client.get("/readyz"), 503, "not_ready")
    assert body["detail"] == "the database does not answer"
    assert "127.0.0.1" not in json.dumps(body)  # the reason is logged, not shown
    assert any("does not answer" in r.getMessage() for r in caplog.records)


def _audited_request_ids(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                text("SELECT request_id FROM audit_log WHERE action = 'token.create'")
            ).scalars()
        )


def test_one_request_id_is_echoed_logged_and_audited(
    client: TestClient, migrated_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="aidcoord.access_log"):
        given = client.post(f"{V1}/auth/tokens", json={"name": "a"}, headers={"X-Request-ID": "req-given-1"})
        fresh = client.post(f"{V1}/auth/tokens", json={"name": "b"})
        odd = client.post(f"{V1}/auth/tokens", json={"name": "c"}, headers={"X-Request-ID": "x" * 65})
        refused = client.get(
            f"{V1}/auth/me", headers={"Authorization": "Bearer nope", "X-Request-ID": "r-401"}
        )
    assert given.status_code == fresh.status_code == odd.status_code == 201
    assert given.headers["X-Request-ID"] == "req-given-1"
    fresh_id, odd_id = fresh.headers["X-Request-ID"], odd.headers["X-Request-ID"]
    assert len(fresh_id) == len(odd_id) == 32
    assert fresh_id != odd_id
    assert refused.headers["X-Request-ID"] == "r-401"
    assert _audited_request_ids(migrated_engine)[-3:] == ["req-given-1", fresh_id, odd_id]
    logged = {r.request_id: r for r in caplog.records if r.name == "aidcoord.access_log"}
    line = logged["req-given-1"]
    assert (line.method, line.path, line.status, line.user) == ("POST", f"{V1}/auth/tokens", 201, "coord")
    assert line.duration_ms >= 0
    assert (logged["r-401"].status, logged["r-401"].user) == (401, None)
    assert fresh_id in logged


def test_the_json_formatter_writes_one_object_a_line_with_the_extras() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("aidcoord.test", logging.ERROR, __file__, 1, "went %s", ("wrong",), exc_info)
    record.request_id = "r-1"
    line = JsonFormatter().format(record)
    assert "\n" not in line.split('"exception"')[0]
    parsed = json.loads(line)
    assert (parsed["level"], parsed["logger"], parsed["message"], parsed["request_id"]) == (
        "ERROR",
        "aidcoord.test",
        "went wrong",
        "r-1",
    )
    assert "ValueError: boom" in parsed["exception"]
    assert parsed["time"].endswith("+00:00")


def test_the_logging_config_refuses_an_unknown_format() -> None:
    assert logging_config("json")["handlers"]["stderr"]["formatter"] == "json"
    with pytest.raises(ValueError, match="json, text"):
        logging_config("xml")
