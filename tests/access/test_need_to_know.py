"""Need-to-know, generated: every API route, called as every role of two nations (and the others).

A scenario is planned, approved and shipped; then each actor walks every operation the OpenAPI
document lists (a test below fails if one is added without being walked here). Every answer is checked
against what the actor may see, computed here from the ground truth and not from the services' rules:

- no id of an offer, allocation's offer or shipment outside the actor's scope appears anywhere in the
  answer (lists, details, error messages);
- no quantity of another nation's offer appears as a number (the two nations' offers get unique
  quantities, so any leak of them shows);
- every page's `total` counts only what the actor sees, and a plan's allocation count is the number of
  allocations the actor gets;
- asking for another nation's offer or shipment, or changing it, is the same 404 as for one that does
  not exist (same message but for the id), and changes nothing.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from aidcoord.access import service as access
from aidcoord.access.actor import SYSTEM
from aidcoord.api.app import create_app
from aidcoord.dataset import service as dataset
from aidcoord.db import session_scope
from aidcoord.export import MEDIA_TYPES
from aidcoord.offers import service as offers
from aidcoord.plans import service as plans
from aidcoord.scenario.generate import generate
from aidcoord.shipments import service as shipments
from tests.api.helpers import V1

NATION_A, NATION_B = "N003", "N005"
HUB_1, HUB_2 = "HUB-01", "HUB-02"
MISSING = "ZZ-MISSING-1"
# Far above any requirement's quantity, so no allocation ever uses a whole marked offer.
MARKER_BASE, MARKER_STEP = 10_000_019, 1_009


@dataclass(frozen=True)
class Who:
    """A signed-in user and what it may see, from the ground truth."""

    name: str
    token: str
    offers: frozenset[str]  # ids of offers the actor may see (itself or through allocations/shipments)
    shipments: frozenset[str]
    allocations: int  # allocations of plan 2 it may see
    offer_rows: int  # offers it may list


@dataclass(frozen=True)
class World:
    """The planned scenario, its ground truth and the actors."""

    client: TestClient
    actors: tuple[Who, ...]
    offer_nation: dict[str, str]
    marker: dict[str, int]  # offer id -> its unique quantity (nations A and B)
    shipment_offer: dict[str, str]
    shipment_hub: dict[str, str]
    all_offers: frozenset[str]
    all_shipments: frozenset[str]


USERS = (
    # name, organisation, role
    ("coord", "CELL", "coordinator"),
    ("auditor", "AUDIT", "auditor"),
    ("officer-a", f"DEL-{NATION_A}", "nation_officer"),
    ("viewer-a", f"DEL-{NATION_A}", "viewer"),
    ("officer-b", f"DEL-{NATION_B}", "nation_officer"),
    ("viewer-b", f"DEL-{NATION_B}", "viewer"),
    ("ops-1", f"OPS-{HUB_1}", "hub_operator"),
    ("ops-2", f"OPS-{HUB_2}", "hub_operator"),
    ("recipient", "REC-N001", "recipient_officer"),
    ("cell-viewer", "CELL", "viewer"),
)


def _recipient_org(engine: Engine) -> str:
    with session_scope(engine) as session:
        return next(
            o.organisation_id for o in access.list_all(session, actor=SYSTEM) if o.kind == "recipient"
        )


@pytest.fixture
def world(migrated_engine: Engine) -> Iterator[World]:
    """Scenario S planned twice (so there is a diff), the second plan approved and shipped."""
    with session_scope(migrated_engine) as session:
        dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", 1))
        marker: dict[str, int] = {}
        for offer in offers.list_all(session, actor=SYSTEM):
            if offer.nation_id in (NATION_A, NATION_B) and offer.status != "withdrawn":
                marker[offer.offer_id] = MARKER_BASE + MARKER_STEP * len(marker)
                offers.amend(
                    session,
                    actor=SYSTEM,
                    offer_id=offer.offer_id,
                    changes={"quantity": marker[offer.offer_id]},
                )
        offer_nation = {o.offer_id: o.nation_id for o in offers.list_all(session, actor=SYSTEM)}
        plans.create_plan(session, actor=SYSTEM, method="greedy")
        version = plans.create_plan(session, actor=SYSTEM).version
        plans.approve_plan(session, actor=SYSTEM, version=version, reason="board")
        shipments.create_from_approved_plan(session, actor=SYSTEM)
        allocations = plans.get_plan(session, actor=SYSTEM, version=version).allocations
        every_allocation = allocations + plans.get_plan(session, actor=SYSTEM, version=1).allocations
        page = shipments.list_shipments(session, actor=SYSTEM, limit=1000)
        shipment_offer = {s.shipment_id: s.offer_id for s in page.items}
        shipment_hub = {s.shipment_id: s.hub_site_id for s in page.items}
    recipient_org = _recipient_org(migrated_engine)
    assert any(offer_nation[a.offer_id] == NATION_A for a in allocations)
    assert any(offer_nation[a.offer_id] == NATION_B for a in allocations)

    def scope_of(org: str, role: str) -> tuple[frozenset[str], frozenset[str], int, int]:
        kind = org.split("-", 1)[0]
        if kind in ("CELL", "AUDIT"):
            return frozenset(offer_nation), frozenset(shipment_offer), len(allocations), len(offer_nation)
        if kind == "REC":
            seen = frozenset(a.offer_id for a in every_allocation)
            return seen, frozenset(shipment_offer), len(allocations), 0
        if kind == "DEL":
            nation = org.split("-", 1)[1]
            own = frozenset(o for o, n in offer_nation.items() if n == nation)
            ships = frozenset(s for s, o in shipment_offer.items() if o in own)
            return own, ships, sum(1 for a in allocations if a.offer_id in own), len(own)
        hub = org.split("-", 1)[1]
        through = frozenset(a.offer_id for a in every_allocation if a.hub_site_id == hub)
        ships = frozenset(s for s, h in shipment_hub.items() if h == hub)
        return through, ships, sum(1 for a in allocations if a.hub_site_id == hub), 0

    actors = []
    with session_scope(migrated_engine) as session:
        for name, org, role in USERS:
            org = recipient_org if org == "REC-N001" else org
            access.add_user(session, actor=SYSTEM, user_id=name, organisation_id=org, roles=[role])
            token = access.create_token(session, actor=SYSTEM, user_id=name).secret
            seen_offers, seen_ships, n_alloc, n_offers = scope_of(org, role)
            actors.append(Who(name, token, seen_offers, seen_ships, n_alloc, n_offers))
    every_id = [*offer_nation, *shipment_offer]
    assert all(_TOKEN.fullmatch(i) for i in every_id), "ids must be whole tokens for _check_answer"
    app = create_app(migrated_engine.url.render_as_string(hide_password=False))
    with TestClient(app) as client:
        yield World(
            client=client,
            actors=tuple(actors),
            offer_nation=offer_nation,
            marker=marker,
            shipment_offer=shipment_offer,
            shipment_hub=shipment_hub,
            all_offers=frozenset(offer_nation),
            all_shipments=frozenset(shipment_offer),
        )
    app.state.engine.dispose()


def _own(world: World, nation: str) -> tuple[str, str]:
    offer = next(o for o in sorted(world.marker) if world.offer_nation[o] == nation)
    shipment = next(
        s for s in sorted(world.shipment_offer) if world.offer_nation[world.shipment_offer[s]] == nation
    )
    return offer, shipment


def _calls(world: World, who: Who) -> list[tuple[str, str, dict[str, str], dict[str, Any] | None]]:
    """(method, OpenAPI path, path parameters, JSON body): every operation, aimed at both nations."""
    offer_a, ship_a = _own(world, NATION_A)
    offer_b, ship_b = _own(world, NATION_B)
    targets = [({"offer_id": offer_a, "shipment_id": ship_a}), ({"offer_id": offer_b, "shipment_id": ship_b})]
    reference = {
        "nation_id": NATION_B,
        "site_id": HUB_1,
        "item_id": "ITM-0001",
        "organisation_id": f"DEL-{NATION_B}",
        "requirement_id": "REQ-00001",
        "version": "2",
        "before": "1",
        "after": "2",
        "from_site_id": "DEP-N003-1",
        "to_site_id": HUB_1,
        "substitute_item_id": "ITM-0002",
        "credential_id": "0000000000000000",
        "course_id": "CRS-001",
        "need_id": "TRN-001",
        "job_id": "00000000-0000-0000-0000-000000000000",
    }
    bodies: dict[tuple[str, str], dict[str, Any] | None] = {
        ("patch", "/offers/{offer_id}"): {"quantity": 1},
        ("post", "/offers/{offer_id}/withdraw"): {"reason": "test"},
        ("post", "/offers"): {
            "offer_id": "OFF-NEW",
            "nation_id": NATION_B,
            "item_id": "ITM-0001",
            "quantity": 1,
            "available_week": 0,
            "origin_site_id": "DEP-N005-1",
        },
        ("post", "/shipments/{shipment_id}/events"): {"kind": "dispatched"},
        # A batch naming a hidden shipment would echo its id; tests/shipments/test_batch.py covers that.
        ("post", "/shipment-events/batch"): {
            "events": [{"shipment_id": MISSING, "kind": "dispatched", "idempotency_key": f"k-{who.name}"}]
        },
        ("post", "/plans/{version}/approve"): {"reason": "test"},
        ("post", "/plans"): {"method": "greedy"},
        ("post", "/auth/tokens"): {"name": "t"},
        ("post", "/auth/login"): {"user_id": who.name, "password": "not the password"},
        ("post", "/training-plans"): {"method": "greedy"},
        ("post", "/training/whatif"): {"withdraw_nations": [NATION_B]},
        ("patch", "/courses/{course_id}"): {"seats": 1},
        ("post", "/training-needs"): {
            "specialty": "medic",
            "trainees": 1,
            "priority": 1,
            "weight": 1,
            "due_week": 1,
        },
    }
    calls = []
    spec = world.client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        route = path.removeprefix(V1)
        for method in operations:
            if (method, route) == ("post", "/auth/logout"):
                continue  # revokes the walker's own token; tested on its own
            params_in_path = re.findall(r"{(\w+)}", route)
            body = bodies.get((method, route), {} if method in ("post", "patch") else None)
            for target in targets if set(params_in_path) & {"offer_id", "shipment_id"} else [{}]:
                params = {p: target.get(p, reference.get(p, "")) for p in params_in_path}
                calls.append((method, route, params, body))
    return calls


def _strings_and_numbers(value: Any, strings: list[str], numbers: list[float]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            strings.append(str(k))
            _strings_and_numbers(v, strings, numbers)
    elif isinstance(value, list):
        for v in value:
            _strings_and_numbers(v, strings, numbers)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        numbers.append(value)
    else:
        strings.append(str(value))


def _pages(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if {"items", "total", "limit", "offset"} <= value.keys():
            yield value
        for v in value.values():
            yield from _pages(v)
    elif isinstance(value, list):
        for v in value:
            yield from _pages(v)


def _xlsx_cells(content: bytes) -> tuple[str, list[float]]:
    """A workbook's texts (one a line) and cell values: its bytes are compressed, its XML is not."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        xml = "".join(
            book.read(n).decode() for n in book.namelist() if n.startswith("xl/") and n.endswith(".xml")
        )
    texts = [html.unescape(t) for t in re.findall(r"<t(?: [^>]*)?>([^<]*)</t>", xml)]
    return "\n".join(texts), [float(v) for v in re.findall(r"<v>([-0-9.eE+]+)</v>", xml)]


_TOKEN = re.compile(r"[\w-]+")


def _check_answer(
    world: World, who: Who, what: str, response: Any, asked: frozenset[str] = frozenset()
) -> None:
    # An id the caller sent itself may come back in the message ("offer X does not exist").
    hidden_ids = ((world.all_offers - who.offers) | (world.all_shipments - who.shipments)) - asked
    hidden_numbers = {q for o, q in world.marker.items() if o not in who.offers}
    xlsx = response.headers.get("content-type", "").startswith(MEDIA_TYPES["xlsx"])
    text, cells = _xlsx_cells(response.content) if xlsx else (response.text, [])
    # An id shows when it stands as a whole token (ids are made of word characters and hyphens only,
    # which the fixture checks): one pass over the text instead of one search per hidden id.
    leaked = hidden_ids & set(_TOKEN.findall(text))
    assert not leaked, f"{who.name} {what} -> {response.status_code} shows {sorted(leaked)[:5]}: {text[:300]}"
    assert not hidden_numbers & set(cells), f"{who.name} {what} shows another nation's offer quantity"
    try:
        body = response.json()
    except ValueError:
        return
    strings: list[str] = []
    numbers: list[float] = []
    _strings_and_numbers(body, strings, numbers)
    assert not hidden_numbers & set(numbers), f"{who.name} {what} shows another nation's offer quantity"
    for page in _pages(body):
        if page["total"] <= page["limit"] and page["offset"] == 0:
            assert page["total"] == len(page["items"]), f"{who.name} {what}: total counts what it cannot see"


SAME_WHATEVER_THE_FILTER = frozenset(
    {"/spreadsheets/requirements", "/spreadsheets/plan", "/spreadsheets/pipeline"}
)
"""Workbooks that take no nation filter (the second call would get the same answer, and is slow)."""


def test_every_route_as_every_role_shows_nothing_outside_scope(world: World) -> None:
    walked: set[tuple[str, str]] = set()
    for who in world.actors:
        headers = {"Authorization": f"Bearer {who.token}"}
        for method, route, params, body in _calls(world, who):
            url = V1 + route.format(**params)
            response = world.client.request(method.upper(), url, headers=headers, json=body)
            assert response.status_code < 500, f"{who.name} {method} {url}: {response.text}"
            if method == "get" and not params and route not in SAME_WHATEVER_THE_FILTER:
                # Lists again, filtered on the other nation and as long as allowed (ignored where unknown).
                query = {"nation_id": NATION_B, "limit": 1000}
                filtered = world.client.get(url, params=query, headers=headers)
                _check_answer(world, who, f"GET {url}?nation_id={NATION_B}", filtered)
            target = params.get("offer_id") or params.get("shipment_id")
            _check_answer(world, who, f"{method.upper()} {url}", response, frozenset({target} - {None}))
            hidden = target is not None and target not in who.offers | who.shipments
            if hidden:
                assert response.status_code == 404, f"{who.name} {method} {url}: {response.status_code}"
            walked.add((method, route))
    spec = world.client.get("/openapi.json").json()
    every = {(m, p.removeprefix(V1)) for p, ops in spec["paths"].items() for m in ops}
    assert every - walked == {("post", "/auth/logout")}


def test_lists_and_plans_count_only_what_the_actor_sees(world: World) -> None:
    for who in world.actors:
        headers = {"Authorization": f"Bearer {who.token}"}
        offers_page = world.client.get(f"{V1}/offers", params={"limit": 500}, headers=headers).json()
        assert offers_page["total"] == who.offer_rows == len(offers_page["items"]), who.name
        detail = world.client.get(f"{V1}/plans/2", headers=headers).json()
        assert detail["summary"]["allocations"] == who.allocations == len(detail["allocations"]), who.name
        summaries = world.client.get(f"{V1}/plans", headers=headers).json()
        assert next(s for s in summaries if s["version"] == 2)["allocations"] == who.allocations
        ships = world.client.get(f"{V1}/shipments", params={"limit": 500}, headers=headers).json()
        assert {s["shipment_id"] for s in ships["items"]} == who.shipments, who.name
        # Hub loads are totals over every nation: the same for everyone.
        assert (
            detail["hub_load"]
            == world.client.get(f"{V1}/plans/2", headers=_coordinator(world)).json()["hub_load"]
        )


def _coordinator(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.actors[0].token}"}


@pytest.mark.parametrize("kind", ["offers", "shipments"])
def test_another_nations_entity_is_the_same_404_as_a_missing_one(world: World, kind: str) -> None:
    officer_a = next(w for w in world.actors if w.name == "officer-a")
    headers = {"Authorization": f"Bearer {officer_a.token}"}
    offer_b, ship_b = _own(world, NATION_B)
    other = offer_b if kind == "offers" else ship_b
    hidden = world.client.get(f"{V1}/{kind}/{other}", headers=headers)
    missing = world.client.get(f"{V1}/{kind}/{MISSING}", headers=headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace(other, "ID") == missing.json()["detail"].replace(MISSING, "ID")
    if kind == "offers":
        changed = world.client.patch(f"{V1}/offers/{other}", headers=headers, json={"quantity": 1})
        absent = world.client.patch(f"{V1}/offers/{MISSING}", headers=headers, json={"quantity": 1})
        assert changed.status_code == absent.status_code == 404
        assert changed.json()["detail"].replace(other, "ID") == absent.json()["detail"].replace(MISSING, "ID")
        seen = world.client.get(f"{V1}/offers/{other}", headers=_coordinator(world)).json()
        assert seen["quantity"] == world.marker[other]  # nothing changed


def test_a_viewer_sees_its_nation_but_changes_nothing(world: World) -> None:
    viewer = next(w for w in world.actors if w.name == "viewer-a")
    headers = {"Authorization": f"Bearer {viewer.token}"}
    offer_a, _ = _own(world, NATION_A)
    assert world.client.get(f"{V1}/offers/{offer_a}", headers=headers).status_code == 200
    refused = world.client.patch(f"{V1}/offers/{offer_a}", headers=headers, json={"quantity": 1})
    assert refused.status_code == 403, refused.text
