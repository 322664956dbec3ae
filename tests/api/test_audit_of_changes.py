"""Every change through the API appends its audit record, in the same transaction, with the request id."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from aidcoord.access.actor import SYSTEM
from aidcoord.audit import service as audit
from aidcoord.db import session_scope
from tests.api.helpers import V1, problem
from tests.jobs.helpers import wait_for_job

PLEDGE = {
    "offer_id": "OFF-AUD",
    "nation_id": "N001",
    "item_id": "ITM-0002",
    "quantity": 40,
    "available_week": 3,
    "origin_site_id": "DEP-N001-1",
    "valuation_method": "market",
}
NEED = {
    "requirement_id": "REQ-AUD",
    "item_id": "ITM-0002",
    "quantity": 12,
    "priority": 1,
    "weight": 3.0,
    "due_week": 10,
    "delivery_site_id": "DLV-01",
}

CHANGES: list[tuple[str, str, dict[str, Any] | None, str, str]] = [
    # method, path, body, action recorded, entity id recorded
    ("patch", "/nations/N001", {"name": "Renamed"}, "nation.update", "N001"),
    ("patch", "/items/ITM-0002", {"name": "Renamed item"}, "item.update", "ITM-0002"),
    ("patch", "/sites/HUB-01", {"throughput_t_per_week": 999.0}, "site.update", "HUB-01"),
    ("post", "/offers", PLEDGE, "offer.announce", "OFF-AUD"),
    ("patch", "/offers/OFF-AUD", {"quantity": 45}, "offer.amend", "OFF-AUD"),
    ("post", "/offers/OFF-AUD/commit", None, "offer.commit", "OFF-AUD"),
    ("post", "/requirements", NEED, "requirement.create", "REQ-AUD"),
    ("post", "/requirements/REQ-AUD/reprioritise", {"priority": 2}, "requirement.reprioritise", "REQ-AUD"),
    ("post", "/plans", {"method": "greedy"}, "plan.create", "1"),
    ("post", "/plans/1/approve", {"reason": "weekly board"}, "plan.approve", "1"),
    ("post", "/shipments", {"version": 1}, "shipments.create", "1"),
    ("post", "/offers/OFF-AUD/withdraw", {"reason": "needed at home"}, "offer.withdraw", "OFF-AUD"),
    ("post", "/requirements/REQ-AUD/cancel", {"reason": "no longer needed"}, "requirement.cancel", "REQ-AUD"),
    ("post", "/auth/tokens", {"name": "script"}, "token.create", ""),
]


def _records(engine: Engine, request_id: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT * FROM audit_log WHERE request_id = :r ORDER BY seq"), {"r": request_id}
        ).mappings()
        return [dict(r) for r in rows]


def test_each_change_appends_who_what_before_and_after(client: TestClient, migrated_engine: Engine) -> None:
    for n, (method, path, body, action, entity_id) in enumerate(CHANGES):
        rid = f"req-{n}"
        response = client.request(method.upper(), V1 + path, json=body, headers={"X-Request-ID": rid})
        assert response.status_code < 300, f"{method} {path}: {response.text}"
        if response.status_code == 202:
            # A job (a plan): its work is recorded under the request that submitted it, when it ends.
            assert wait_for_job(client, response.headers["Location"])["status"] == "succeeded"
        records = [r for r in _records(migrated_engine, rid) if r["action"] != "job.submit"]
        assert [r["action"] for r in records] == [action], path
        (record,) = records
        assert (record["user_id"], record["organisation_id"]) == ("coord", "CELL")
        if entity_id:
            assert record["entity_id"] == entity_id
        if method == "patch":
            before, after = json.loads(record["before"]), json.loads(record["after"])
            for field, value in (body or {}).items():
                assert after[field] == value
                assert before[field] != value
    withdrawal = _records(migrated_engine, "req-11")[0]
    assert withdrawal["reason"] == "needed at home"
    assert json.loads(withdrawal["before"])["status"] == "committed"
    assert json.loads(withdrawal["after"])["offer"]["status"] == "withdrawn"
    assert _records(migrated_engine, "req-9")[0]["reason"] == "weekly board"
    with session_scope(migrated_engine, write=False) as session:
        assert audit.verify(session, actor=SYSTEM).ok


def test_a_refused_change_leaves_no_record(client: TestClient, migrated_engine: Engine) -> None:
    with migrated_engine.connect() as connection:
        before = connection.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    problem(client.post(f"{V1}/offers", json={**PLEDGE, "quantity": 0}), 422)
    problem(client.post(f"{V1}/plans/99/approve", json={"reason": "x"}), 404)
    problem(client.post(f"{V1}/offers/OFF-000001/withdraw", json={"reason": " "}), 422)
    with migrated_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == before
