"""Identity: users and roles, hashed secrets, expiry and revocation at once, sessions with CSRF."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text, update
from typer.testing import CliRunner

from aidcoord.access import service as access
from aidcoord.access.actor import SYSTEM
from aidcoord.access.models import Credential
from aidcoord.api.app import create_app
from aidcoord.cli.main import app as cli
from aidcoord.dataset import service as dataset
from aidcoord.db import session_scope
from aidcoord.errors import ValidationFailed
from aidcoord.scenario.generate import generate
from tests.api.helpers import V1, problem

PASSWORD = "correct horse battery"


@pytest.fixture
def loaded(migrated_engine: Engine) -> Iterator[tuple[Engine, TestClient]]:
    """Scenario S with one officer of N003 (password and token), and an unauthenticated client."""
    with session_scope(migrated_engine) as session:
        dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", 1))
        access.add_user(
            session,
            actor=SYSTEM,
            user_id="olga",
            organisation_id="DEL-N003",
            roles=["nation_officer"],
            password=PASSWORD,
        )
    app = create_app(migrated_engine.url.render_as_string(hide_password=False))
    with TestClient(app) as client:
        yield migrated_engine, client
    app.state.engine.dispose()


def _token(engine: Engine, user_id: str = "olga") -> str:
    with session_scope(engine) as session:
        return access.create_token(session, actor=SYSTEM, user_id=user_id).secret


def test_no_or_bad_credentials_are_401_with_a_challenge(loaded: tuple[Engine, TestClient]) -> None:
    engine, client = loaded
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Bearer aid_0000.xyz"}):
        response = client.get(f"{V1}/offers", headers=headers)
        problem(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    token = _token(engine)
    forged = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    problem(client.get(f"{V1}/offers", headers={"Authorization": f"Bearer {forged}"}), 401)
    assert client.get(f"{V1}/offers", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_bad_credentials_are_401_before_anything_wrong_with_the_request(
    loaded: tuple[Engine, TestClient],
) -> None:
    # A caller who is not signed in learns nothing about its request: the credential check comes first
    # (a guard for any change that moves the check, e.g. into the handler's trip to the thread pool).
    engine, client = loaded
    offer = "OFF-N003-001"
    bad = {"Authorization": "Bearer aid_0000.xyz"}
    good = {"Authorization": f"Bearer {_token(engine)}"}
    invalid_body = {"quantity": "many"}
    for headers, status in ((bad, 401), (good, 422)):
        problem(client.patch(f"{V1}/offers/{offer}", json=invalid_body, headers=headers), status)
        problem(client.get(f"{V1}/offers", params={"limit": -1}, headers=headers), status)
        xml = client.post(
            f"{V1}/shipment-events/batch", content=b"<x/>", headers={**headers, "Content-Type": "text/xml"}
        )
        problem(xml, 401 if status == 401 else 415)
    # A session cookie that changes something without its CSRF token: 403 before the invalid body.
    client.post(f"{V1}/auth/login", json={"user_id": "olga", "password": PASSWORD})
    problem(client.patch(f"{V1}/offers/{offer}", json=invalid_body), 403, "forbidden")


def test_secrets_are_stored_only_hashed(loaded: tuple[Engine, TestClient]) -> None:
    engine, _ = loaded
    token = _token(engine)
    with engine.connect() as connection:
        stored_password = connection.execute(
            text("SELECT password_hash FROM users WHERE user_id='olga'")
        ).scalar()
        dump = " ".join(str(v) for row in connection.execute(text("SELECT * FROM credentials")) for v in row)
    assert str(stored_password).startswith("$argon2id$")
    assert PASSWORD not in str(stored_password)
    assert token.partition(".")[2] not in dump


def test_revocation_expiry_and_disabling_take_effect_at_once(loaded: tuple[Engine, TestClient]) -> None:
    engine, client = loaded
    first, second = _token(engine), _token(engine)
    bearer = {"Authorization": f"Bearer {first}"}
    assert client.get(f"{V1}/auth/me", headers=bearer).json()["roles"] == ["nation_officer"]
    result = CliRunner().invoke(
        cli, ["tokens", "revoke", access.credential_id_of(first)], env={"AIDCOORD_DATABASE_URL": _url(engine)}
    )
    assert result.exit_code == 0, result.output
    problem(client.get(f"{V1}/auth/me", headers=bearer), 401)

    other = {"Authorization": f"Bearer {second}"}
    assert client.get(f"{V1}/auth/me", headers=other).status_code == 200
    with session_scope(engine) as session:
        session.execute(
            update(Credential)
            .where(Credential.credential_id == access.credential_id_of(second))
            .values(expires_at=Credential.created_at)
        )
    problem(client.get(f"{V1}/auth/me", headers=other), 401)

    third = {"Authorization": f"Bearer {_token(engine)}"}
    assert client.get(f"{V1}/auth/me", headers=third).status_code == 200
    result = CliRunner().invoke(
        cli, ["users", "disable", "olga"], env={"AIDCOORD_DATABASE_URL": _url(engine)}
    )
    assert result.exit_code == 0, result.output
    problem(client.get(f"{V1}/auth/me", headers=third), 401)
    problem(client.post(f"{V1}/auth/login", json={"user_id": "olga", "password": PASSWORD}), 401)


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_a_session_cookie_needs_its_csrf_token_to_change_anything(loaded: tuple[Engine, TestClient]) -> None:
    _, client = loaded
    wrong = client.post(f"{V1}/auth/login", json={"user_id": "olga", "password": "wrong password!"})
    unknown = client.post(f"{V1}/auth/login", json={"user_id": "nobody", "password": "wrong password!"})
    assert problem(wrong, 401)["detail"] == problem(unknown, 401)["detail"]

    signed = client.post(f"{V1}/auth/login", json={"user_id": "olga", "password": PASSWORD})
    assert signed.status_code == 200, signed.text
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    csrf = signed.json()["csrf_token"]
    assert client.get(f"{V1}/auth/me").json()["user_id"] == "olga"  # the cookie alone reads

    offer = client.get(f"{V1}/offers", params={"limit": 1}).json()["items"][0]["offer_id"]
    body = {"quantity": 1}
    problem(client.patch(f"{V1}/offers/{offer}", json=body), 403, "forbidden")
    problem(client.patch(f"{V1}/offers/{offer}", json=body, headers={"X-CSRF-Token": "guess"}), 403)
    changed = client.patch(f"{V1}/offers/{offer}", json=body, headers={"X-CSRF-Token": csrf})
    assert changed.status_code == 200, changed.text

    assert client.post(f"{V1}/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.clear()
    problem(client.get(f"{V1}/auth/me"), 401)


def test_own_tokens_through_the_api(loaded: tuple[Engine, TestClient]) -> None:
    engine, client = loaded
    bearer = {"Authorization": f"Bearer {_token(engine)}"}
    made = client.post(f"{V1}/auth/tokens", json={"name": "script", "expires_in_days": 7}, headers=bearer)
    assert made.status_code == 201, made.text
    new = {"Authorization": f"Bearer {made.json()['token']}"}
    assert client.get(f"{V1}/auth/me", headers=new).status_code == 200
    listed = client.get(f"{V1}/auth/tokens", headers=bearer).json()
    assert {c["name"] for c in listed} == {"api", "script"}
    assert all("token" not in c and "secret_hash" not in c for c in listed)
    assert (
        client.delete(f"{V1}/auth/tokens/{made.json()['credential_id']}", headers=bearer).status_code == 204
    )
    problem(client.get(f"{V1}/auth/me", headers=new), 401)


def test_users_add_checks_roles_against_the_organisation(migrated_engine: Engine, tmp_path: Path) -> None:
    with session_scope(migrated_engine) as session:
        dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", 1))
    env = {"AIDCOORD_DATABASE_URL": _url(migrated_engine)}
    runner = CliRunner()
    refused = runner.invoke(
        cli, ["users", "add", "hans", "-o", "DEL-N003", "-r", "hub_operator", "--no-password"], env=env
    )
    assert refused.exit_code == 2
    assert "role hub_operator cannot act for DEL-N003" in refused.output
    assert "roles" in refused.output
    unknown = runner.invoke(
        cli, ["users", "add", "hans", "-o", "DEL-XXX", "-r", "viewer", "--no-password"], env=env
    )
    assert unknown.exit_code == 2
    assert "organisation 'DEL-XXX' does not exist" in unknown.output
    short = runner.invoke(
        cli,
        ["users", "add", "hans", "-o", "CELL", "-r", "coordinator", "--password-stdin"],
        env=env,
        input="short\n",
    )
    assert short.exit_code == 2
    assert "password" in short.output
    made = runner.invoke(
        cli,
        ["users", "add", "hans", "-o", "CELL", "-r", "coordinator", "--password-stdin"],
        env=env,
        input=PASSWORD,
    )
    assert made.exit_code == 0, made.output
    again = runner.invoke(
        cli, ["users", "add", "hans", "-o", "CELL", "-r", "viewer", "--no-password"], env=env
    )
    assert again.exit_code == 2
    assert "already exists" in again.output
    listed = runner.invoke(cli, ["users", "list"], env={**env, "COLUMNS": "200"})
    assert listed.exit_code == 0
    assert "hans" in listed.output
    assert "coordinator" in listed.output
    created = runner.invoke(cli, ["tokens", "create", "hans"], env=env)
    assert created.exit_code == 0
    assert created.output.strip().splitlines()[-1].startswith("aid_")
    with session_scope(migrated_engine) as session, pytest.raises(ValidationFailed) as error:
        access.add_user(session, actor=SYSTEM, user_id="Bad Name", organisation_id="CELL", roles=["auditor"])
    assert {p.column for p in error.value.problems} == {"user_id", "roles"}


def test_every_denial_is_logged(loaded: tuple[Engine, TestClient], caplog: pytest.LogCaptureFixture) -> None:
    engine, client = loaded
    bearer = {"Authorization": f"Bearer {_token(engine)}"}
    with caplog.at_level(logging.WARNING, logger="aidcoord.access.denials"):
        client.get(f"{V1}/offers")
        client.post(f"{V1}/plans", json={"method": "greedy"}, headers=bearer)
        client.get(
            f"{V1}/offers/OFF-NOPE",
            headers=bearer,
        )
    lines = [r.getMessage() for r in caplog.records if r.name == "aidcoord.access.denials"]
    assert len(lines) == 3
    assert "status=401" in lines[0]
    assert "status=403" in lines[1]
    assert "user=olga" in lines[1]
    assert "organisation=DEL-N003" in lines[1]
    assert "status=404" in lines[2]
    assert "/api/v1/offers/OFF-NOPE" in lines[2]
