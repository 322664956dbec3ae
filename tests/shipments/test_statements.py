"""The shipments service's prebuilt statements: built once per shape, the values bound on every call.

What building statements once could get wrong and the other tests would not notice: a value kept from
the call that built the statement, a search term that is no longer escaped, and ORM objects of the
session left stale by writes that bypass the ORM.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from aidcoord.access.actor import SYSTEM
from aidcoord.db import session_scope
from aidcoord.shipments import service as shipments
from aidcoord.shipments.models import Shipment
from aidcoord.shipments.service import EventInput, ShipmentView
from tests.shipments.factory import hub_operator, nation_officer, walk


@pytest.fixture
def session(shipped_engine: Engine) -> Iterator[Session]:
    """A session on this test's copy of a database holding the approved plan's shipments."""
    with session_scope(shipped_engine) as session:
        yield session


@pytest.fixture
def made(session: Session) -> list[ShipmentView]:
    """The shipments made from the approved plan, by plan and allocation, all planned."""
    return list(shipments.list_shipments(session, actor=SYSTEM, limit=1000).items)


def test_each_call_binds_its_own_values(session: Session, made: list[ShipmentView]) -> None:
    hubs = sorted({s.hub_site_id for s in made})
    nations = sorted({s.nation_id for s in made})
    walk(session, made[0].shipment_id, "dispatched")
    # The same shapes (what the actor sees, which filters are on) with other values, one after another.
    for hub in hubs:
        seen = shipments.list_shipments(session, actor=hub_operator(hub), limit=1000)
        assert [s.shipment_id for s in seen.items] == [s.shipment_id for s in made if s.hub_site_id == hub]
    for nation in nations:
        seen = shipments.list_shipments(session, actor=nation_officer(nation), limit=1000)
        assert seen.total == sum(1 for s in made if s.nation_id == nation)
    for status, expected in (("planned", len(made) - 1), ("dispatched", 1), ("lost", 0)):
        assert shipments.list_shipments(session, actor=SYSTEM, status=status).total == expected
    for shipment in (made[0], made[-1]):
        detail = shipments.get_shipment(session, actor=SYSTEM, shipment_id=shipment.shipment_id)
        assert detail.shipment.shipment_id == shipment.shipment_id
    pages = [shipments.list_shipments(session, actor=SYSTEM, limit=3, offset=o) for o in (0, 3, 10_000)]
    assert [[s.shipment_id for s in p.items] for p in pages] == [
        [s.shipment_id for s in made[:3]],
        [s.shipment_id for s in made[3:6]],
        [],
    ]
    assert {p.total for p in pages} == {len(made)}


@pytest.mark.parametrize("wildcard", ["_", "%", "/", "-1_", "%1"])
def test_search_takes_wildcards_literally(session: Session, made: list[ShipmentView], wildcard: str) -> None:
    # No id holds these characters (a LIKE wildcard unescaped would match every shipment).
    assert not any(wildcard in s.shipment_id + s.offer_id + s.requirement_id + s.hub_site_id for s in made)
    assert shipments.list_shipments(session, actor=SYSTEM, q=wildcard).total == 0
    needle = made[-1].shipment_id
    expected = sum(1 for s in made if needle.lower() in s.shipment_id.lower())
    assert shipments.list_shipments(session, actor=SYSTEM, q=f" {needle.upper()} ").total == expected >= 1


def test_loaded_shipments_see_the_events_recorded(session: Session, made: list[ShipmentView]) -> None:
    first, second = (session.get(Shipment, s.shipment_id) for s in made[:2])
    assert first is not None
    assert second is not None
    assert (first.status, second.status) == ("planned", "planned")
    shipments.record_event(session, actor=SYSTEM, shipment_id=first.shipment_id, kind="dispatched")
    shipments.record_events(
        session,
        actor=SYSTEM,
        events=[
            EventInput(second.shipment_id, "dispatched", "k-1"),
            EventInput(second.shipment_id, "delayed", "k-2"),
        ],
    )
    assert (first.status, second.status, second.delayed) == ("dispatched", "dispatched", True)
