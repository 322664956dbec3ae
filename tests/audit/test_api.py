"""GET /api/v1/audit and /api/v1/audit/verify."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from aidcoord.access.actor import SYSTEM, Actor
from aidcoord.api.deps import get_actor
from tests.api.helpers import V1, problem
from tests.audit.helpers import AUDITOR, VIEWER, append_history, drop_guards, execute


@pytest.fixture
def client(api: TestClient) -> Iterator[TestClient]:
    """The API with the caller chosen by the test (the coordination cell unless `acting_as`)."""
    acting_as(api, SYSTEM)
    yield api
    api.app.dependency_overrides.clear()  # type: ignore[attr-defined]


@pytest.fixture
def base(client: TestClient, migrated_engine: Engine) -> int:
    """How many records there were before the six-record history was appended after them."""
    with migrated_engine.connect() as connection:
        # Setting up the caller (users, tokens) may itself have been audited.
        before = int(connection.execute(text("SELECT count(*) FROM audit_log")).scalar_one())
    assert append_history(migrated_engine) == list(range(before + 1, before + 7))
    return before


def acting_as(client: TestClient, actor: Actor) -> None:
    """Make every request of `client` act as `actor`."""
    client.app.dependency_overrides[get_actor] = lambda: actor  # type: ignore[attr-defined]


def test_list_newest_first_with_snapshots_as_objects(client: TestClient, base: int) -> None:
    response = client.get(f"{V1}/audit", params={"limit": 6})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["total"], body["limit"], body["offset"]) == (base + 6, 6, 0)
    items = body["items"]
    assert [item["seq"] for item in items] == [base + n for n in (6, 5, 4, 3, 2, 1)]
    approval, first = items[3], items[5]
    assert approval["action"] == "plan.approve"
    assert approval["reason"] == "weekly board"
    assert approval["before"] == {"status": "draft"}
    assert approval["after"] == {"status": "approved", "approved_at": "2025-03-04T12:00:00.000000Z"}
    assert approval["prev_hash"] == items[4]["hash"]
    assert first["before"] is None
    assert first["after"]["announced_on"] == "2025-03-03"
    assert first["at"].endswith("Z")
    assert first["request_id"] == "req-0001"
    assert (first["user_id"], first["organisation_id"]) == ("del-n001", "DEL-N001")


def test_list_filters_and_window(client: TestClient, base: int) -> None:
    params = {"entity": "offer", "user_id": "del-n001", "limit": 1, "offset": 1}
    body = client.get(f"{V1}/audit", params=params).json()
    assert body["total"] == 4
    assert [item["action"] for item in body["items"]] == ["offer.amend"]
    body = client.get(f"{V1}/audit", params={"action": "offer.withdraw"}).json()
    assert [item["seq"] for item in body["items"]] == [base + 5]
    assert problem(client.get(f"{V1}/audit", params={"limit": 0}), 422)["problems"][0]["column"] == "limit"


def test_verify_reports_intact_then_the_first_broken_record(
    client: TestClient, base: int, migrated_engine: Engine
) -> None:
    body = client.get(f"{V1}/audit/verify").json()
    assert (body["ok"], body["checked"], body["first_broken_seq"], body["head_seq"]) == (
        True,
        base + 6,
        None,
        base + 6,
    )
    drop_guards(migrated_engine)
    execute(migrated_engine, "UPDATE audit_log SET entity_id = 'OFF-2' WHERE seq = :k", k=base + 2)
    body = client.get(f"{V1}/audit/verify").json()
    assert (body["ok"], body["checked"], body["first_broken_seq"]) == (False, base + 1, base + 2)
    assert body["problem"] == f"record {base + 2} was altered (its hash does not match its contents)"


def test_auditors_read_the_trail_and_viewers_do_not(client: TestClient, base: int) -> None:
    acting_as(client, AUDITOR)
    assert client.get(f"{V1}/audit").json()["total"] == base + 6
    assert client.get(f"{V1}/audit/verify").json()["ok"] is True
    acting_as(client, VIEWER)
    problem(client.get(f"{V1}/audit"), 403, "forbidden")
    problem(client.get(f"{V1}/audit/verify"), 403, "forbidden")
