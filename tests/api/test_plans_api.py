"""The plans routes: plan, list, show (latest too), diff and approve, with their problems; both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from aidcoord.access.actor import SYSTEM, Actor
from aidcoord.api.deps import get_actor
from aidcoord.dataset import service as dataset
from aidcoord.db import session_scope
from aidcoord.scenario.generate import generate
from tests.api.helpers import problem
from tests.jobs.helpers import job_of

BASE = "/api/v1/plans"
OFFICER = Actor(
    "u-deu", "DEL-DEU", frozenset({"nation_officer"}), nation_id="DEU", organisation_kind="nation_delegation"
)


@pytest.fixture
def loaded(api: TestClient, migrated_engine: Engine) -> TestClient:
    with session_scope(migrated_engine) as session:
        dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", 23))
    return api


def test_plan_list_show_and_diff(loaded: TestClient) -> None:
    api = loaded
    problem(api.get(f"{BASE}/latest"), 404, "not_found")
    assert api.get(BASE).json() == []

    first = job_of(api, api.post(BASE, json={"method": "optimiser", "time_limit_s": 60}))
    assert first["status"] == "succeeded", first
    summary = first["result"]
    assert (summary["version"], summary["status"], summary["method"]) == (1, "draft", "optimiser")
    assert summary["figures"]["objective"] >= summary["baseline"]["objective"] - 1e-6
    assert summary["allocations"] > 0
    hubs = sorted({a["hub_site_id"] for a in api.get(f"{BASE}/1").json()["allocations"]})
    second = job_of(api, api.post(BASE, json={"method": "greedy", "excluded_hub_ids": hubs[:1]}))
    assert second["result"]["version"] == 2

    assert [p["version"] for p in api.get(BASE).json()] == [2, 1]
    latest = api.get(f"{BASE}/latest").json()
    assert latest["summary"]["version"] == 2
    assert all(a["hub_site_id"] != hubs[0] for a in latest["allocations"])
    detail = api.get(f"{BASE}/1").json()
    assert len(detail["allocations"]) == summary["allocations"]
    assert len(detail["unmet"]) == summary["unmet"]
    assert {u["reason"] for u in detail["unmet"]} <= {
        "no_supply",
        "supply_short",
        "too_late",
        "hub_capacity",
        "outranked",
    }
    assert all(u["explanation"] for u in detail["unmet"])
    assert detail["hub_load"]
    assert all(h["tonnes"] <= h["capacity_t"] + 1e-6 for h in detail["hub_load"])

    diff = api.get(f"{BASE}/1/diff/latest")
    assert diff.status_code == 200, diff.text
    d = diff.json()
    assert (d["before"]["version"], d["after"]["version"]) == (1, 2)
    before = {tuple(a.values()) for a in detail["allocations"]}
    after = {tuple(a.values()) for a in latest["allocations"]}
    assert {tuple(a.values()) for a in d["added"]} == after - before
    assert {tuple(a.values()) for a in d["removed"]} == before - after
    assert d["requirements"]

    problem(api.get(f"{BASE}/9"), 404, "not_found")
    problem(api.get(f"{BASE}/1/diff/9"), 404, "not_found")
    body = problem(api.get(f"{BASE}/first"), 422, "validation_failed")
    assert [(p["file"], p["column"]) for p in body["problems"]] == [("path", "version")]
    body = problem(api.get(f"{BASE}/0/diff/x"), 422, "validation_failed")
    assert [p["column"] for p in body["problems"]] == ["before"]
    body = problem(api.post(BASE, json={"method": "magic", "time_limit_s": 0}), 422, "validation_failed")
    assert {p["column"] for p in body["problems"]} == {"method", "time_limit_s"}
    problem(api.post(BASE, json={"unknown": 1}), 422, "validation_failed")


def test_approve(loaded: TestClient) -> None:
    api = loaded
    problem(api.post(f"{BASE}/1/approve", json={"reason": "board"}), 404, "not_found")
    for _ in range(2):
        assert job_of(api, api.post(BASE, json={"method": "greedy"}))["status"] == "succeeded"
    body = problem(api.post(f"{BASE}/1/approve", json={}), 422, "validation_failed")
    assert [p["column"] for p in body["problems"]] == ["reason"]
    problem(api.post(f"{BASE}/1/approve", json={"reason": ""}), 422, "validation_failed")
    body = problem(api.post(f"{BASE}/1/approve", json={"reason": "   "}), 422, "reason_required")
    assert "reason" in body["detail"]
    assert api.get(f"{BASE}/1").json()["summary"]["status"] == "draft"

    api.app.dependency_overrides[get_actor] = lambda: OFFICER  # type: ignore[attr-defined]
    try:
        problem(api.post(f"{BASE}/1/approve", json={"reason": "mine"}), 403, "forbidden")
        problem(api.post(BASE, json={"method": "greedy"}), 403, "forbidden")
    finally:
        api.app.dependency_overrides.clear()  # type: ignore[attr-defined]

    approved = api.post(f"{BASE}/1/approve", json={"reason": "weekly board"})
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["approval_reason"]) == ("approved", "weekly board")
    assert approved.json()["approved_by"] == "coord"
    body = problem(api.post(f"{BASE}/1/approve", json={"reason": "again"}), 409, "conflict")
    assert "only a draft plan can be approved" in body["detail"]

    assert api.post(f"{BASE}/latest/approve", json={"reason": "next week"}).json()["version"] == 2
    assert {p["version"]: p["status"] for p in api.get(BASE).json()} == {1: "superseded", 2: "approved"}

    spec = api.get("/openapi.json").json()
    approve = spec["paths"]["/api/v1/plans/{version}/approve"]["post"]["responses"]
    assert {"200", "404", "409", "422"} <= set(approve)
    assert "ProblemDetails" in str(approve["409"])
    assert {"202", "422"} <= set(spec["paths"]["/api/v1/plans"]["post"]["responses"])
    assert "/api/v1/plans/{before}/diff/{after}" in spec["paths"]
