"""Requirements over the HTTP API: routes, problem+json for 404/409/422, pagination; both databases."""

from __future__ import annotations

from typing import Any, cast

from fastapi import FastAPI
from fastapi.testclient import TestClient

from aidcoord.api.deps import get_actor
from tests.api.helpers import V1, columns, problem
from tests.offers.factory import RECIPIENT, VIEWER

NEW = {
    "requirement_id": "REQ-API",
    "item_id": "ITM-0001",
    "quantity": 12,
    "priority": 1,
    "weight": 3.0,
    "due_week": 10,
    "delivery_site_id": "DLV-01",
}


def test_create_edit_reprioritise_cancel(client: TestClient) -> None:
    created = client.post(f"{V1}/requirements", json=NEW)
    assert created.status_code == 201, created.text
    assert created.json() | {"extra": {}} == {
        **NEW,
        "capability": "air-defence",
        "status": "open",
        "replan_needed": False,
        "allocated": 0,
        "allowed_actions": ["cancel", "edit", "reprioritise"],
        "extra": {},
    }
    assert client.get(f"{V1}/requirements/REQ-API").json()["quantity"] == 12
    assert problem(client.post(f"{V1}/requirements", json=NEW), 409)["code"] == "conflict"
    bad = {**NEW, "requirement_id": "REQ-BAD", "delivery_site_id": "HUB-01", "due_week": 26}
    assert sorted(columns(problem(client.post(f"{V1}/requirements", json=bad), 422))) == [
        "delivery_site_id",
        "due_week",
    ]
    assert columns(problem(client.post(f"{V1}/requirements", json={**NEW, "quantity": 0}), 422)) == [
        "quantity"
    ]
    assert columns(problem(client.post(f"{V1}/requirements", json={**NEW, "colour": "red"}), 422)) == [
        "colour"
    ]

    edited = client.patch(f"{V1}/requirements/REQ-API", json={"quantity": 20, "due_week": 11})
    assert (edited.json()["quantity"], edited.json()["due_week"]) == (20, 11)
    assert columns(problem(client.patch(f"{V1}/requirements/REQ-API", json={"quantity": None}), 422)) == [
        "quantity"
    ]
    assert columns(problem(client.patch(f"{V1}/requirements/REQ-API", json={"priority": 2}), 422)) == [
        "priority"
    ]
    moved = client.post(f"{V1}/requirements/REQ-API/reprioritise", json={"priority": 3, "weight": 0.5})
    assert (moved.json()["priority"], moved.json()["weight"]) == (3, 0.5)
    cancelled = client.post(f"{V1}/requirements/REQ-API/cancel", json={"reason": "covered bilaterally"})
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["allowed_actions"]) == ("cancelled", [])
    refused = problem(client.post(f"{V1}/requirements/REQ-API/cancel"), 409)
    assert refused["code"] == "invalid_transition"
    assert "is cancelled" in refused["detail"]
    assert "allowed from cancelled: nothing" in refused["detail"]
    assert problem(client.patch(f"{V1}/requirements/REQ-API", json={"quantity": 5}), 409)["code"] == (
        "invalid_transition"
    )
    assert problem(client.post(f"{V1}/requirements/REQ-API/reprioritise", json={"priority": 1}), 409)
    for method, path in (
        ("GET", "/requirements/NOPE"),
        ("PATCH", "/requirements/NOPE"),
        ("POST", "/requirements/NOPE/cancel"),
    ):
        kwargs: dict[str, Any] = {"json": {"quantity": 1}} if method == "PATCH" else {}
        assert "NOPE" in problem(client.request(method, f"{V1}{path}", **kwargs), 404)["detail"]


def test_list_pages_sorts_and_filters_and_writers_are_cell_and_recipient(client: TestClient) -> None:
    page = client.get(f"{V1}/requirements", params={"limit": 5, "offset": 10, "sort": "-priority"}).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (60, 5, 10, 5)
    everything = client.get(f"{V1}/requirements", params={"limit": 1000, "sort": "-priority"}).json()["items"]
    assert [r["priority"] for r in everything] == sorted((r["priority"] for r in everything), reverse=True)
    assert page["items"] == everything[10:15]
    air = client.get(f"{V1}/requirements", params={"capability": "air-defence", "priority": 1}).json()
    assert air["total"] == sum(
        1 for r in everything if r["capability"] == "air-defence" and r["priority"] == 1
    )
    assert client.get(f"{V1}/requirements", params={"status": "cancelled"}).json()["total"] == 0
    assert columns(problem(client.get(f"{V1}/requirements", params={"sort": "colour"}), 422)) == ["sort"]
    assert columns(problem(client.get(f"{V1}/requirements", params={"status": "closed"}), 422)) == ["status"]
    assert columns(problem(client.get(f"{V1}/requirements", params={"limit": 0}), 422)) == ["limit"]
    app = cast(FastAPI, client.app)
    try:
        app.dependency_overrides[get_actor] = lambda: RECIPIENT
        assert client.post(f"{V1}/requirements", json=NEW).status_code == 201
        app.dependency_overrides[get_actor] = lambda: VIEWER
        assert client.get(f"{V1}/requirements/REQ-API").status_code == 200
        assert problem(client.post(f"{V1}/requirements/REQ-API/cancel"), 403)["code"] == "forbidden"
    finally:
        app.dependency_overrides.clear()
