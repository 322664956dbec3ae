"""Reference data over the HTTP API: sites, lanes, items, substitutes, organisations, nation changes.

Read for all, write for coordinators; every refusal is problem+json naming the field. Both databases.
"""

from __future__ import annotations

from typing import cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from aidcoord.access.actor import Actor
from aidcoord.api.deps import get_actor
from aidcoord.catalog import service as catalog
from aidcoord.db import session_scope
from aidcoord.errors import Forbidden
from aidcoord.nations import service as nations
from aidcoord.scenario.model import Item, Lane, Site, Substitute
from aidcoord.sites import service as sites
from tests.api.helpers import V1, columns, problem

VIEWER = Actor(
    user_id="vera", organisation_id="AUDIT", roles=frozenset({"viewer"}), organisation_kind="auditor"
)


def test_sites(client: TestClient) -> None:
    all_sites = client.get(f"{V1}/sites").json()
    assert len(all_sites) == 25
    assert [s["site_id"] for s in all_sites] == sorted(s["site_id"] for s in all_sites)
    hubs = client.get(f"{V1}/sites", params={"kind": "hub"}).json()
    assert [(h["site_id"], h["throughput_t_per_week"]) for h in hubs] == [("HUB-01", 69.0), ("HUB-02", 69.0)]
    assert columns(problem(client.get(f"{V1}/sites", params={"kind": "port"}), 422)) == ["kind"]
    assert client.get(f"{V1}/sites/DLV-01").json()["kind"] == "delivery"
    assert "NOPE" in problem(client.get(f"{V1}/sites/NOPE"), 404)["detail"]

    hub = {
        "site_id": "HUB-03",
        "name": "Constanța",
        "kind": "hub",
        "nation_id": "N002",
        "lat": 44.2,
        "lon": 28.6,
    }
    created = client.post(f"{V1}/sites", json={**hub, "throughput_t_per_week": 40})
    assert created.status_code == 201, created.text
    assert created.json()["throughput_t_per_week"] == 40
    assert client.get(f"{V1}/sites/HUB-03").json()["name"] == "Constanța"
    assert (
        problem(client.post(f"{V1}/sites", json={**hub, "throughput_t_per_week": 40}), 409)["code"]
        == "conflict"
    )
    # The package's rules: a hub needs a throughput, another kind has none, the nation must exist.
    assert columns(problem(client.post(f"{V1}/sites", json={**hub, "site_id": "HUB-04"}), 422)) == [
        "throughput_t_per_week"
    ]
    depot = {**hub, "site_id": "DEP-X", "kind": "depot", "throughput_t_per_week": 5}
    assert columns(problem(client.post(f"{V1}/sites", json=depot), 422)) == ["throughput_t_per_week"]
    nowhere = problem(
        client.post(f"{V1}/sites", json={**depot, "throughput_t_per_week": None, "nation_id": "ZZZ"}), 422
    )
    assert nowhere["code"] == "validation_failed"
    assert columns(nowhere) == ["nation_id"]
    assert "ZZZ" in nowhere["problems"][0]["message"]
    assert columns(
        problem(
            client.post(f"{V1}/sites", json={**depot, "kind": "port", "throughput_t_per_week": None}), 422
        )
    ) == ["kind"]

    patched = client.patch(f"{V1}/sites/HUB-01", json={"name": "Rzeszów", "throughput_t_per_week": 600})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["name"], patched.json()["throughput_t_per_week"], patched.json()["lat"]) == (
        "Rzeszów",
        600,
        hubs[0]["lat"],
    )
    assert client.get(f"{V1}/sites/HUB-01").json()["throughput_t_per_week"] == 600
    assert columns(problem(client.patch(f"{V1}/sites/HUB-01", json={"throughput_t_per_week": 0}), 422)) == [
        "throughput_t_per_week"
    ]
    assert columns(
        problem(client.patch(f"{V1}/sites/HUB-01", json={"throughput_t_per_week": None}), 422)
    ) == ["throughput_t_per_week"]
    assert columns(problem(client.patch(f"{V1}/sites/DLV-01", json={"throughput_t_per_week": 10}), 422)) == [
        "throughput_t_per_week"
    ]
    assert columns(problem(client.patch(f"{V1}/sites/DLV-01", json={"name": None}), 422)) == ["name"]
    assert columns(problem(client.patch(f"{V1}/sites/DLV-01", json={"kind": "hub"}), 422)) == ["kind"]
    assert client.get(f"{V1}/sites/HUB-01").json()["throughput_t_per_week"] == 600  # refusals changed nothing
    problem(client.patch(f"{V1}/sites/NOPE", json={"name": "x"}), 404)


def test_lanes(client: TestClient) -> None:
    assert len(client.get(f"{V1}/lanes").json()) == 44
    into_hub = client.get(f"{V1}/lanes", params={"to_site_id": "HUB-01"}).json()
    assert into_hub
    assert all(lane["to_site_id"] == "HUB-01" for lane in into_hub)
    one = client.get(f"{V1}/lanes", params={"from_site_id": "DEP-N001-1", "to_site_id": "HUB-02"}).json()
    assert [(lane["mode"], lane["lead_time_weeks"]) for lane in one] == [("road", 1)]

    client.post(
        f"{V1}/sites",
        json={
            "site_id": "DEP-NEW",
            "name": "New depot",
            "kind": "depot",
            "nation_id": "N003",
            "lat": 50,
            "lon": 10,
        },
    )
    lane = {
        "from_site_id": "DEP-NEW",
        "to_site_id": "HUB-01",
        "mode": "rail",
        "lead_time_weeks": 2,
        "cost_eur_per_t": 55.5,
    }
    created = client.post(f"{V1}/lanes", json=lane)
    assert created.status_code == 201, created.text
    assert client.get(f"{V1}/lanes", params={"from_site_id": "DEP-NEW"}).json() == [{**lane, "extra": {}}]
    assert "DEP-NEW" in problem(client.post(f"{V1}/lanes", json=lane), 409)["detail"]

    backwards = problem(
        client.post(f"{V1}/lanes", json={**lane, "from_site_id": "HUB-01", "to_site_id": "DEP-NEW"}), 422
    )
    assert columns(backwards) == ["to_site_id"]
    assert "depot→hub or hub→delivery" in backwards["problems"][0]["message"]
    unknown = problem(client.post(f"{V1}/lanes", json={**lane, "from_site_id": "NOPE"}), 422)
    assert columns(unknown) == ["from_site_id"]
    assert columns(problem(client.post(f"{V1}/lanes", json={**lane, "lead_time_weeks": -1}), 422)) == [
        "lead_time_weeks"
    ]

    patched = client.patch(f"{V1}/lanes/DEP-NEW/HUB-01", json={"lead_time_weeks": 0, "cost_eur_per_t": 0})
    assert patched.status_code == 200, patched.text
    assert patched.json() == {**lane, "lead_time_weeks": 0, "cost_eur_per_t": 0, "extra": {}}
    assert columns(problem(client.patch(f"{V1}/lanes/DEP-NEW/HUB-01", json={"cost_eur_per_t": -3}), 422)) == [
        "cost_eur_per_t"
    ]
    assert columns(problem(client.patch(f"{V1}/lanes/DEP-NEW/HUB-01", json={"mode": None}), 422)) == ["mode"]
    problem(client.patch(f"{V1}/lanes/HUB-01/DEP-NEW", json={"mode": "air"}), 404)


def test_items_and_substitutes(client: TestClient) -> None:
    items = client.get(f"{V1}/items").json()
    assert len(items) == 20
    air = client.get(f"{V1}/items", params={"capability": "air-defence"}).json()
    assert air
    assert {i["capability"] for i in air} == {"air-defence"}
    both = client.get(f"{V1}/items", params={"capability": "air-defence", "category": "ammunition"}).json()
    assert both
    assert {(i["capability"], i["category"]) for i in both} == {("air-defence", "ammunition")}
    assert client.get(f"{V1}/items/ITM-0001").json()["unit"] == "launcher"
    problem(client.get(f"{V1}/items/NOPE"), 404)

    item = {
        "item_id": "ITM-9000",
        "name": "mine plough",
        "category": "equipment",
        "capability": "demining",
        "unit": "plough",
        "unit_mass_kg": 2500,
        "unit_value_eur": 90000,
        "extra": {"nsn": "3895-01"},
    }
    created = client.post(f"{V1}/items", json=item)
    assert created.status_code == 201, created.text
    assert client.get(f"{V1}/items/ITM-9000").json() == item
    problem(client.post(f"{V1}/items", json=item), 409)
    assert columns(
        problem(client.post(f"{V1}/items", json={**item, "item_id": "ITM-9001", "unit_mass_kg": 0}), 422)
    ) == ["unit_mass_kg"]
    patched = client.patch(
        f"{V1}/items/ITM-9000", json={"unit_value_eur": 95000, "capability": "engineering"}
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["unit_value_eur"], patched.json()["capability"], patched.json()["name"]) == (
        95000,
        "engineering",
        "mine plough",
    )
    assert columns(problem(client.patch(f"{V1}/items/ITM-9000", json={"unit_mass_kg": -1}), 422)) == [
        "unit_mass_kg"
    ]
    assert columns(problem(client.patch(f"{V1}/items/ITM-9000", json={"item_id": "X"}), 422)) == ["item_id"]
    problem(client.patch(f"{V1}/items/NOPE", json={"name": "x"}), 404)

    pairs = client.get(f"{V1}/substitutes").json()
    assert {"item_id": "ITM-0008", "substitute_item_id": "ITM-0007", "extra": {}} in pairs
    assert client.get(f"{V1}/substitutes", params={"item_id": "ITM-0008"}).json() == [
        {"item_id": "ITM-0008", "substitute_item_id": "ITM-0007", "extra": {}}
    ]
    pair = {"item_id": "ITM-9000", "substitute_item_id": "ITM-0001"}
    created = client.post(f"{V1}/substitutes", json=pair)
    assert created.status_code == 201, created.text
    assert client.get(f"{V1}/substitutes", params={"item_id": "ITM-9000"}).json() == [{**pair, "extra": {}}]
    problem(client.post(f"{V1}/substitutes", json=pair), 409)
    itself = problem(
        client.post(f"{V1}/substitutes", json={"item_id": "ITM-0001", "substitute_item_id": "ITM-0001"}), 422
    )
    assert columns(itself) == ["substitute_item_id"]
    assert "own substitute" in itself["problems"][0]["message"]
    unknown = problem(
        client.post(f"{V1}/substitutes", json={"item_id": "NOPE", "substitute_item_id": "ITM-0001"}), 422
    )
    assert columns(unknown) == ["item_id"]

    deleted = client.delete(f"{V1}/substitutes/ITM-9000/ITM-0001")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert client.get(f"{V1}/substitutes", params={"item_id": "ITM-9000"}).json() == []
    problem(client.delete(f"{V1}/substitutes/ITM-9000/ITM-0001"), 404)


def test_organisations_and_nation_changes(client: TestClient) -> None:
    orgs = client.get(f"{V1}/organisations").json()
    ids = [o["organisation_id"] for o in orgs]
    assert {"CELL", "AUDIT", "OPS-HUB-01", "REC-RCP"} <= set(ids)
    assert ids == sorted(ids)
    operator = client.get(f"{V1}/organisations/OPS-HUB-01").json()
    assert (operator["kind"], operator["site_id"], operator["nation_id"]) == ("hub_operator", "HUB-01", None)
    problem(client.get(f"{V1}/organisations/NOPE"), 404)

    patched = client.patch(
        f"{V1}/nations/N001", json={"name": "Freedonia", "defence_pct_gdp": 3.5, "nato_member": True}
    )
    assert patched.status_code == 200, patched.text
    after = client.get(f"{V1}/nations/N001").json()
    assert (after["name"], after["defence_pct_gdp"], after["nato_member"], after["gdp_usd_bn"]) == (
        "Freedonia",
        3.5,
        True,
        725.2,
    )
    assert client.patch(f"{V1}/nations/N001", json={"gdp_usd_bn": None}).json()["gdp_usd_bn"] is None
    assert columns(problem(client.patch(f"{V1}/nations/N001", json={"defence_pct_gdp": 101}), 422)) == [
        "defence_pct_gdp"
    ]
    assert columns(problem(client.patch(f"{V1}/nations/N001", json={"nato_member": None}), 422)) == [
        "nato_member"
    ]
    problem(client.patch(f"{V1}/nations/ZZZ", json={"name": "x"}), 404)


def test_writes_need_a_coordinator(client: TestClient, migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        site = sites.get_site(session, actor=VIEWER, site_id="HUB-01")  # reading is for everyone
        writes = [
            lambda: sites.add_site(session, actor=VIEWER, site=Site("S1", "x", "depot", "N001", 0, 0, None)),
            lambda: sites.update_site(session, actor=VIEWER, site_id=site.site_id, changes={"name": "x"}),
            lambda: sites.add_lane(session, actor=VIEWER, lane=Lane("DEP-N004-1", "HUB-01", "road", 1, 1)),
            lambda: sites.update_lane(
                session, actor=VIEWER, from_site_id="DEP-N001-1", to_site_id="HUB-01", changes={"mode": "air"}
            ),
            lambda: catalog.add_item(session, actor=VIEWER, item=Item("I1", "x", "c", "k", "u", 1, 1)),
            lambda: catalog.update_item(session, actor=VIEWER, item_id="ITM-0001", changes={"name": "x"}),
            lambda: catalog.add_substitute(
                session, actor=VIEWER, substitute=Substitute("ITM-0001", "ITM-0002")
            ),
            lambda: catalog.remove_substitute(
                session, actor=VIEWER, item_id="ITM-0008", substitute_item_id="ITM-0007"
            ),
            lambda: nations.update(session, actor=VIEWER, nation_id="N001", changes={"name": "x"}),
        ]
        for write in writes:
            with pytest.raises(Forbidden) as refused:
                write()
            assert refused.value.status == 403
    # Through HTTP the same refusal is a 403 problem (the actor comes from the request's dependency).
    app = cast(FastAPI, client.app)
    app.dependency_overrides[get_actor] = lambda: VIEWER
    try:
        assert client.get(f"{V1}/sites/HUB-01").status_code == 200
        assert problem(client.patch(f"{V1}/sites/HUB-01", json={"name": "x"}), 403)["code"] == "forbidden"
        problem(client.delete(f"{V1}/substitutes/ITM-0008/ITM-0007"), 403)
    finally:
        app.dependency_overrides.clear()
    assert client.get(f"{V1}/sites/HUB-01").json()["name"] != "x"
    assert len(client.get(f"{V1}/substitutes", params={"item_id": "ITM-0008"}).json()) == 1


def test_openapi_documents_the_reference_routes(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    for path, method, codes in [
        ("/api/v1/sites", "post", {"201", "403", "409", "422"}),
        ("/api/v1/sites/{site_id}", "patch", {"200", "403", "404", "422"}),
        ("/api/v1/lanes/{from_site_id}/{to_site_id}", "patch", {"200", "404", "422"}),
        ("/api/v1/items/{item_id}", "get", {"200", "404"}),
        ("/api/v1/substitutes/{item_id}/{substitute_item_id}", "delete", {"204", "403", "404"}),
        ("/api/v1/organisations/{organisation_id}", "get", {"200", "404"}),
        ("/api/v1/nations/{nation_id}", "patch", {"200", "404", "422"}),
    ]:
        assert codes <= set(paths[path][method]["responses"]), (path, method)
