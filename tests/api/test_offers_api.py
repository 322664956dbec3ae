"""Offers over the HTTP API: announce, commit, amend, withdraw (with replanning), lists; both databases."""

from __future__ import annotations

from typing import cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from aidcoord.access.actor import SYSTEM
from aidcoord.api.deps import get_actor
from aidcoord.db import session_scope
from aidcoord.plans import service as plans
from aidcoord.plans.models import PlanAllocation
from tests.api.helpers import V1, columns, problem
from tests.offers.factory import approve_greedy_plan, load, most_allocated, nation_officer

PLEDGE = {
    "offer_id": "OFF-API",
    "nation_id": "N001",
    "item_id": "ITM-0002",
    "quantity": 40,
    "available_week": 3,
    "origin_site_id": "DEP-N001-1",
    "valuation_method": "market",
    "value_eur": 1000000.0,
    "source": "https://example.org/announcement",
    "announced_on": "2025-03-03",
}


@pytest.fixture
def client(api: TestClient, migrated_engine: Engine) -> TestClient:
    """The API over the generated scenario S (seed 1) with an approved greedy plan."""
    with session_scope(migrated_engine) as session:
        load(session)
        approve_greedy_plan(session)
    return api


def test_announce_commit_amend_withdraw(client: TestClient) -> None:
    created = client.post(f"{V1}/offers", json=PLEDGE)
    assert created.status_code == 201, created.text
    body = created.json()
    assert {k: body[k] for k in PLEDGE} == PLEDGE
    assert (body["status"], body["value_computed"], body["capability"], body["allocated"]) == (
        "announced",
        False,
        "air-defence",
        0,
    )
    assert problem(client.post(f"{V1}/offers", json=PLEDGE), 409)["code"] == "conflict"
    without_method = {k: v for k, v in PLEDGE.items() if k != "valuation_method"}
    assert columns(problem(client.post(f"{V1}/offers", json=without_method), 422)) == ["valuation_method"]
    depot_less = {**PLEDGE, "offer_id": "OFF-X", "origin_site_id": "DLV-01"}
    assert columns(problem(client.post(f"{V1}/offers", json=depot_less), 422)) == ["origin_site_id"]
    computed = client.post(f"{V1}/offers", json={**PLEDGE, "offer_id": "OFF-C", "value_eur": None}).json()
    assert computed["value_computed"] is True
    assert computed["value_eur"] > 0

    amended = client.patch(f"{V1}/offers/OFF-API", json={"quantity": 45, "valuation_method": "book"})
    assert (amended.json()["quantity"], amended.json()["valuation_method"]) == (45, "book")
    assert columns(problem(client.patch(f"{V1}/offers/OFF-API", json={"item_id": "ITM-0001"}), 422)) == [
        "item_id"
    ]
    assert client.post(f"{V1}/offers/OFF-API/commit").json()["status"] == "committed"
    refused = problem(client.post(f"{V1}/offers/OFF-API/commit"), 409)
    assert refused["code"] == "invalid_transition"
    assert "is committed" in refused["detail"]
    assert "allowed from committed: amend, withdraw" in refused["detail"]
    assert columns(problem(client.post(f"{V1}/offers/OFF-API/withdraw", json={}), 422)) == ["reason"]
    withdrawn = client.post(f"{V1}/offers/OFF-API/withdraw", json={"reason": "sent elsewhere"})
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["offer"]["withdrawal_reason"] == "sent elsewhere"
    assert withdrawn.json()["affected_requirement_ids"] == []
    final = problem(client.patch(f"{V1}/offers/OFF-API", json={"quantity": 1}), 409)
    assert "is withdrawn" in final["detail"]
    assert "nothing (it is final)" in final["detail"]
    for method, path in (("GET", "/offers/NOPE"), ("POST", "/offers/NOPE/commit")):
        assert "NOPE" in problem(client.request(method, f"{V1}{path}"), 404)["detail"]


def test_list_then_allocated_offers_conflict_and_withdrawal_names_the_requirements(
    client: TestClient, migrated_engine: Engine
) -> None:
    page = client.get(f"{V1}/offers", params={"status": "committed", "sort": "-quantity", "limit": 4}).json()
    assert (page["total"], len(page["items"])) == (122, 4)
    quantities = [o["quantity"] for o in page["items"]]
    assert quantities == sorted(quantities, reverse=True)
    n3 = client.get(f"{V1}/offers", params={"nation_id": "N003", "limit": 1000}).json()
    assert n3["total"] == 29
    assert {o["nation_id"] for o in n3["items"]} == {"N003"}
    foreign = client.get(f"{V1}/offers", params={"nation_id": "N005", "limit": 1}).json()["items"][0][
        "offer_id"
    ]
    assert columns(problem(client.get(f"{V1}/offers", params={"sort": "size"}), 422)) == ["sort"]
    app = cast(FastAPI, client.app)
    try:
        app.dependency_overrides[get_actor] = lambda: nation_officer("N003")
        assert client.get(f"{V1}/offers").json()["total"] == 29
        assert problem(client.get(f"{V1}/offers/{foreign}"), 404)
        assert problem(client.post(f"{V1}/offers", json={**PLEDGE, "nation_id": "N001"}), 403)
    finally:
        app.dependency_overrides.clear()
    assert client.get(f"{V1}/offers/{foreign}").status_code == 200
    with session_scope(migrated_engine, write=False) as session:
        oid, units = most_allocated(session, PlanAllocation.offer_id)
        plan = plans.get_plan(session, actor=SYSTEM)
    served = sorted({a.requirement_id for a in plan.allocations if a.offer_id == oid})
    assert client.get(f"{V1}/offers/{oid}").json()["allocated"] == units
    conflict = problem(client.patch(f"{V1}/offers/{oid}", json={"quantity": units - 1}), 409)
    assert f"allocates {units} units" in conflict["detail"]
    withdrawn = client.post(f"{V1}/offers/{oid}/withdraw", json={"reason": "needed at home"}).json()
    assert withdrawn["affected_requirement_ids"] == served
    assert withdrawn["offer"]["allocated"] == 0
    flagged = client.get(f"{V1}/requirements", params={"replan_needed": True, "limit": 1000}).json()
    assert sorted(r["requirement_id"] for r in flagged["items"]) == served
