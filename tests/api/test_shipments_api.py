"""The shipments routes: made from the approved plan, events, problems, roles, pagination; both databases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from aidcoord.access.actor import SYSTEM, Actor
from aidcoord.api.app import create_app
from aidcoord.api.deps import get_actor
from aidcoord.dataset import service as dataset
from aidcoord.db import session_scope
from aidcoord.scenario.generate import generate
from tests.api.helpers import problem, sign_in
from tests.jobs.helpers import job_of
from tests.shipments.factory import RECIPIENT, SEED, hub_operator
from tests.shipments.fixtures import shipped_engine, shipped_template  # noqa: F401 (fixtures used by name)

BASE = "/api/v1/shipments"


@pytest.fixture
def shipped_api(shipped_engine: Engine) -> Iterator[TestClient]:  # noqa: F811
    """A client on this test's copy of a database holding the approved plan's shipments."""
    app = create_app(shipped_engine.url.render_as_string(hide_password=False))
    with TestClient(app) as client:
        sign_in(client, shipped_engine)
        yield client
    app.state.engine.dispose()


@pytest.fixture
def made(shipped_api: TestClient) -> list[dict[str, Any]]:
    listed = shipped_api.get(BASE, params={"limit": 1000}).json()
    items: list[dict[str, Any]] = listed["items"]
    assert listed["total"] == len(items) > 0
    return items


def post_event(api: TestClient, shipment_id: str, **body: Any) -> Any:
    return api.post(f"{BASE}/{shipment_id}/events", json=body)


def test_create_needs_an_approved_plan_and_is_idempotent(api: TestClient, migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", SEED))
    body = problem(api.post(BASE), 409, "conflict")
    assert "no plan is approved" in body["detail"]
    assert job_of(api, api.post("/api/v1/plans", json={"method": "greedy"}))["status"] == "succeeded"
    assert api.post("/api/v1/plans/1/approve", json={"reason": "board"}).status_code == 200

    first = api.post(BASE, json={"version": 1})
    assert first.status_code == 201, first.text
    created = first.json()
    assert created["plan_version"] == 1
    assert created["created"] == len(created["shipment_ids"]) > 0
    assert created["existing"] == 0
    assert all(sid.startswith("SHP-1-") for sid in created["shipment_ids"])
    again = api.post(BASE).json()
    assert (again["created"], again["existing"], again["shipment_ids"]) == (0, created["created"], [])
    assert api.get(BASE).json()["total"] == created["created"]
    problem(api.post(BASE, json={"version": 7}), 404, "not_found")
    problem(api.post(BASE, json={"version": 0}), 422, "validation_failed")


def test_list_filters_and_pagination(shipped_api: TestClient, made: list[dict[str, Any]]) -> None:
    api = shipped_api
    total = len(made)
    first = made[0]
    assert first["status"] == "planned"
    assert first["next_events"] == ["dispatched"]
    assert first["quantity_open"] == first["quantity"]
    page = api.get(BASE, params={"limit": 5, "offset": 5}).json()
    assert (page["total"], page["limit"], page["offset"]) == (total, 5, 5)
    assert [s["shipment_id"] for s in page["items"]] == [s["shipment_id"] for s in made[5:10]]
    hub = first["hub_site_id"]
    expected = [s["shipment_id"] for s in made if s["hub_site_id"] == hub]
    by_hub = api.get(BASE, params={"hub": hub, "limit": 1000}).json()
    assert (by_hub["total"], [s["shipment_id"] for s in by_hub["items"]]) == (len(expected), expected)
    nation = first["nation_id"]
    assert api.get(BASE, params={"nation": nation}).json()["total"] == sum(
        1 for s in made if s["nation_id"] == nation
    )
    for name, key in (("requirement", "requirement_id"), ("offer", "offer_id")):
        got = api.get(BASE, params={name: first[key]}).json()
        assert got["total"] == sum(1 for s in made if s[key] == first[key])
    assert api.get(BASE, params={"q": first["shipment_id"]}).json()["total"] >= 1
    assert api.get(BASE, params={"status": "received"}).json()["total"] == 0
    body = problem(api.get(BASE, params={"status": "floating", "limit": 0}), 422, "validation_failed")
    assert {p["column"] for p in body["problems"]} == {"status", "limit"}


def test_events_walk_and_the_timeline(shipped_api: TestClient, made: list[dict[str, Any]]) -> None:
    api = shipped_api
    s = next(x for x in made if x["quantity"] >= 10)
    sid = s["shipment_id"]
    for kind, extra, status in (
        ("dispatched", {"week": 1}, "dispatched"),
        ("delayed", {"note": "weather"}, "dispatched"),
        ("at_hub", {}, "at_hub"),
        ("damaged", {"quantity": 2}, "at_hub"),
        ("left_hub", {}, "left_hub"),
        ("delivered", {}, "delivered"),
    ):
        response = post_event(api, sid, kind=kind, **extra)
        assert response.status_code == 201, response.text
        out = response.json()
        assert (out["event"]["kind"], out["shipment"]["status"], out["replayed"]) == (kind, status, False)

    body = problem(
        post_event(api, sid, kind="received", quantity=s["quantity"], signatory="Col. Y"),
        409,
        "quantity_exceeds_remaining",
    )
    assert f"has {s['quantity'] - 2} of {s['quantity']} units left" in body["detail"]
    body = problem(post_event(api, sid, kind="received"), 422, "validation_failed")
    assert [p["column"] for p in body["problems"]] == ["quantity", "signatory"]
    body = problem(post_event(api, sid, kind="teleported"), 422, "validation_failed")
    assert [(p["file"], p["column"]) for p in body["problems"]] == [("body", "kind")]

    received = post_event(
        api, sid, kind="received", quantity=s["quantity"] - 2, signatory="Col. Y", idempotency_key="rcv-1"
    )
    assert received.status_code == 201, received.text
    assert received.json()["shipment"]["quantity_received"] == s["quantity"] - 2
    replay = post_event(
        api, sid, kind="received", quantity=s["quantity"] - 2, signatory="Col. Y", idempotency_key="rcv-1"
    )
    assert replay.status_code == 200
    assert replay.json()["replayed"] is True
    assert replay.json()["event"] == received.json()["event"]
    problem(
        post_event(api, sid, kind="received", quantity=1, signatory="Col. Y", idempotency_key="rcv-1"),
        409,
        "idempotency_key_reused",
    )

    body = problem(post_event(api, sid, kind="dispatched"), 409, "invalid_transition")
    assert f"shipment {sid} is received" in body["detail"]
    assert "allowed from received: damaged" in body["detail"]

    shown = api.get(f"{BASE}/{sid}").json()
    assert shown["status"] == "received"
    assert shown["delayed"] is True
    assert [e["kind"] for e in shown["events"]] == [
        "dispatched",
        "delayed",
        "at_hub",
        "damaged",
        "left_hub",
        "delivered",
        "received",
    ]
    assert shown["events"][-1]["signatory"] == "Col. Y"
    assert shown["events"][0]["recorded_by"] == "coord"
    problem(api.get(f"{BASE}/SHP-9-9"), 404, "not_found")
    problem(post_event(api, "SHP-9-9", kind="dispatched"), 404, "not_found")


def test_roles_and_openapi(shipped_api: TestClient, made: list[dict[str, Any]]) -> None:
    api = shipped_api
    hubs = sorted({s["hub_site_id"] for s in made})
    mine = next(s for s in made if s["hub_site_id"] == hubs[0])
    theirs = next(s for s in made if s["hub_site_id"] == hubs[1])
    for s in (mine, theirs):
        assert post_event(api, s["shipment_id"], kind="dispatched").status_code == 201

    def acting(actor: Actor) -> None:
        api.app.dependency_overrides[get_actor] = lambda: actor  # type: ignore[attr-defined]

    try:
        acting(hub_operator(hubs[0]))
        assert post_event(api, mine["shipment_id"], kind="at_hub").status_code == 201
        # Another hub's shipment does not exist for this operator: 404, naming nothing of it.
        body = problem(post_event(api, theirs["shipment_id"], kind="at_hub"), 404, "not_found")
        assert hubs[1] not in body["detail"]
        problem(post_event(api, mine["shipment_id"], kind="lost"), 403, "forbidden")
        problem(api.post(BASE), 403, "forbidden")
        seen = api.get(BASE, params={"limit": 1000}).json()
        assert {s["hub_site_id"] for s in seen["items"]} == {hubs[0]}
        problem(api.get(f"{BASE}/{theirs['shipment_id']}"), 404, "not_found")
        acting(RECIPIENT)
        problem(post_event(api, mine["shipment_id"], kind="left_hub"), 403, "forbidden")
    finally:
        api.app.dependency_overrides.clear()  # type: ignore[attr-defined]

    spec = api.get("/openapi.json").json()
    events = spec["paths"]["/api/v1/shipments/{shipment_id}/events"]["post"]["responses"]
    assert {"200", "201", "403", "404", "409", "422"} <= set(events)
    assert "ProblemDetails" in str(events["409"])
    assert {"200", "422"} <= set(spec["paths"]["/api/v1/shipments"]["get"]["responses"])
    assert {"201", "409"} <= set(spec["paths"]["/api/v1/shipments"]["post"]["responses"])


def test_events_take_if_match_and_answer_the_shipments_etag(
    shipped_api: TestClient, made: list[dict[str, Any]]
) -> None:
    api = shipped_api
    path = f"{BASE}/{made[0]['shipment_id']}"
    first = api.get(path)
    tag = first.headers["ETag"]
    assert api.get(path).headers["ETag"] == tag
    stale = '"' + "0" * 64 + '"'
    refused = api.post(f"{path}/events", json={"kind": "dispatched", "week": 1}, headers={"If-Match": stale})
    assert tag in problem(refused, 412, "precondition_failed")["detail"]
    assert api.get(path).json() == first.json()
    assert api.get(path).headers["ETag"] == tag

    body = {"kind": "dispatched", "week": 1, "idempotency_key": "etag-1"}
    dispatched = api.post(f"{path}/events", json=body, headers={"If-Match": tag})
    assert dispatched.status_code == 201, dispatched.text
    new_tag = dispatched.headers["ETag"]
    assert new_tag != tag
    assert api.get(path).headers["ETag"] == new_tag
    # a retry of the same request (same key, now-stale tag) is still answered with the stored event
    replayed = api.post(f"{path}/events", json=body, headers={"If-Match": tag})
    assert (replayed.status_code, replayed.json()["replayed"]) == (200, True)
    problem(
        api.post(f"{path}/events", json={"kind": "at_hub"}, headers={"If-Match": tag}),
        412,
        "precondition_failed",
    )
    assert api.post(f"{path}/events", json={"kind": "at_hub"}).status_code == 201  # no If-Match
