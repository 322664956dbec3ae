"""Shipments through the service: made from the approved plan, moved by events, guarded by roles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from aidcoord.access.actor import SYSTEM
from aidcoord.dataset import service as dataset
from aidcoord.db import session_scope
from aidcoord.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from aidcoord.plans import service as plans
from aidcoord.scenario.generate import generate
from aidcoord.shipments import service as shipments
from aidcoord.shipments.service import ShipmentView
from aidcoord.statemachine import InvalidTransition
from tests.shipments.factory import (
    AUDITOR,
    RECIPIENT,
    SEED,
    hub_operator,
    nation_officer,
    walk,
)


@pytest.fixture
def session(shipped_engine: Engine) -> Iterator[Session]:
    """A session on this test's copy of a database holding the approved plan's shipments."""
    with session_scope(shipped_engine) as session:
        yield session


@pytest.fixture
def made(session: Session) -> list[ShipmentView]:
    """The shipments made from the approved plan, by plan and allocation, all planned."""
    return list(shipments.list_shipments(session, actor=SYSTEM, limit=1000).items)


def big(made: list[ShipmentView], n: int = 1, least: int = 20) -> list[ShipmentView]:
    found = [s for s in made if s.quantity >= least][:n]
    assert len(found) == n
    return found


def test_made_once_per_valid_allocation_of_the_approved_plan(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        made_once(session)


def made_once(session: Session) -> None:
    dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", SEED))
    with pytest.raises(Conflict, match="no plan is approved"):
        shipments.create_from_approved_plan(session, actor=SYSTEM)
    first = plans.create_plan(session, actor=SYSTEM, method="greedy")
    second = plans.create_plan(session, actor=SYSTEM, method="greedy")
    plans.approve_plan(session, actor=SYSTEM, version=second.version, reason="board")
    with pytest.raises(Conflict, match=f"plan {first.version} is draft"):
        shipments.create_from_approved_plan(session, actor=SYSTEM, version=first.version)
    with pytest.raises(NotFound):
        shipments.create_from_approved_plan(session, actor=SYSTEM, version=99)
    with pytest.raises(Forbidden):
        shipments.create_from_approved_plan(session, actor=hub_operator("HUB-01"))

    # An offer withdrawn after planning: its allocations are invalidated and get no shipment.
    detail = plans.get_plan(session, actor=SYSTEM, version=second.version)
    gone = detail.allocations[0].offer_id
    plans.invalidate_offer(session, actor=SYSTEM, offer_id=gone)
    valid = [a for a in detail.allocations if a.offer_id != gone]
    made = shipments.create_from_approved_plan(session, actor=SYSTEM, version=second.version)
    assert made.plan_version == second.version
    assert made.existing == 0
    assert len(made.created) == len(valid) > 0
    assert all(sid.startswith(f"SHP-{second.version}-") for sid in made.created)
    page = shipments.list_shipments(session, actor=SYSTEM, limit=1000)
    assert page.total == len(made.created)
    assert {s.status for s in page.items} == {"planned"}
    assert gone not in {s.offer_id for s in page.items}
    by_key = {(a.offer_id, a.requirement_id, a.hub_site_id, a.depart_week): a for a in valid}
    for s in page.items:
        a = by_key[(s.offer_id, s.requirement_id, s.hub_site_id, s.depart_week)]
        assert (s.quantity, s.hub_week, s.arrive_week) == (a.quantity, a.hub_week, a.arrive_week)
        assert s.shipment_id == f"SHP-{second.version}-{s.allocation_id}"

    again = shipments.create_from_approved_plan(session, actor=SYSTEM)
    assert (again.created, again.existing) == ((), len(made.created))
    assert shipments.list_shipments(session, actor=SYSTEM).total == len(made.created)

    walk(session, made.created[0], "dispatched")
    with pytest.raises(Forbidden):
        shipments.clear(session, actor=AUDITOR)
    shipments.clear(session, actor=SYSTEM)
    assert shipments.list_shipments(session, actor=SYSTEM).total == 0


def test_the_whole_journey_with_delays_and_damage(session: Session, made: list[ShipmentView]) -> None:
    (s,) = big(made)
    sid = s.shipment_id
    assert s.next_events == ("dispatched",)
    steps = [
        ("dispatched", {"week": 2}, "dispatched"),
        ("delayed", {"week": 3, "note": "border queue"}, "dispatched"),
        ("at_hub", {}, "at_hub"),
        ("delayed", {}, "at_hub"),
        ("damaged", {"quantity": 2, "note": "forklift"}, "at_hub"),
        ("left_hub", {}, "left_hub"),
        ("delayed", {}, "left_hub"),
        ("damaged", {"quantity": 1}, "left_hub"),
        ("delivered", {"week": 6}, "delivered"),
        ("damaged", {"quantity": 1}, "delivered"),
        ("received", {"quantity": s.quantity - 6, "signatory": " Lt. Kovalenko "}, "received"),
        ("damaged", {"quantity": 2}, "received"),
    ]
    for kind, extra, status in steps:
        recorded = shipments.record_event(session, actor=SYSTEM, shipment_id=sid, kind=kind, **extra)
        assert recorded.shipment.status == status, kind
        assert not recorded.replayed
    detail = shipments.get_shipment(session, actor=SYSTEM, shipment_id=sid)
    after = detail.shipment
    assert after.delayed
    assert (after.quantity_received, after.quantity_damaged, after.quantity_lost) == (s.quantity - 6, 6, 0)
    assert after.quantity_open == 0
    assert after.next_events == ("damaged",)
    assert [e.kind for e in detail.events] == [k for k, _, _ in steps]
    first, received = detail.events[0], detail.events[10]
    assert (first.week, first.recorded_by, first.organisation_id) == (2, "system", "CELL")
    assert first.recorded_at.tzinfo is not None
    assert first.recorded_at.utcoffset() == dt.timedelta(0)
    assert (received.quantity, received.signatory) == (s.quantity - 6, "Lt. Kovalenko")
    assert detail.events[1].note == "border queue"
    assert [e.event_id for e in detail.events] == sorted(e.event_id for e in detail.events)
    # Nothing is left to damage.
    with pytest.raises(Conflict, match="0 of"):
        shipments.record_event(session, actor=SYSTEM, shipment_id=sid, kind="damaged", quantity=1)


def test_lost_counts_the_rest_and_is_final(session: Session, made: list[ShipmentView]) -> None:
    paths = [("dispatched",), ("dispatched", "at_hub"), ("dispatched", "at_hub", "left_hub", "delivered")]
    for s, path in zip(big(made, len(paths)), paths, strict=True):
        walk(session, s.shipment_id, *path)
        damaged = 3 if "at_hub" in path else 0
        if damaged:
            shipments.record_event(
                session, actor=SYSTEM, shipment_id=s.shipment_id, kind="damaged", quantity=damaged
            )
        lost = shipments.record_event(
            session, actor=SYSTEM, shipment_id=s.shipment_id, kind="lost", note="convoy"
        )
        assert lost.event.quantity == s.quantity - damaged
        after = lost.shipment
        assert (after.status, after.quantity_lost, after.quantity_damaged) == (
            "lost",
            s.quantity - damaged,
            damaged,
        )
        assert after.next_events == ()
        for kind, extra in (
            ("delivered", {}),
            ("delayed", {}),
            ("lost", {}),
            ("damaged", {"quantity": 1}),
            ("received", {"quantity": 1, "signatory": "x"}),
        ):
            with pytest.raises(InvalidTransition, match=r"is lost: cannot .*nothing \(it is final\)"):
                shipments.record_event(
                    session,
                    actor=SYSTEM,
                    shipment_id=s.shipment_id,
                    kind=kind,
                    **extra,  # type: ignore[arg-type]
                )


def test_refused_transitions_change_nothing(session: Session, made: list[ShipmentView]) -> None:
    (s,) = big(made)
    sid = s.shipment_id
    # From planned only dispatched is allowed; every refusal names the state and the allowed events.
    for kind in ("at_hub", "left_hub", "delivered", "delayed", "lost"):
        with pytest.raises(
            InvalidTransition, match=rf"shipment {sid} is planned: cannot {kind}; .*: dispatched$"
        ):
            shipments.record_event(session, actor=SYSTEM, shipment_id=sid, kind=kind)
    with pytest.raises(InvalidTransition, match="is planned"):
        shipments.record_event(session, actor=SYSTEM, shipment_id=sid, kind="damaged", quantity=1)
    with pytest.raises(InvalidTransition, match="is planned"):
        shipments.record_event(
            session, actor=SYSTEM, shipment_id=sid, kind="received", quantity=1, signatory="x"
        )
    walk(session, sid, "dispatched")
    with pytest.raises(InvalidTransition, match="allowed from dispatched: at_hub, delayed, lost"):
        shipments.record_event(session, actor=SYSTEM, shipment_id=sid, kind="dispatched")
    with pytest.raises(InvalidTransition, match="is dispatched"):
        shipments.record_event(session, actor=SYSTEM, shipment_id=sid, kind="damaged", quantity=1)
    walk(session, sid, "at_hub", "left_hub", "delivered")
    with pytest.raises(InvalidTransition, match="allowed from delivered: damaged, lost, received"):
        shipments.record_event(session, actor=SYSTEM, shipment_id=sid, kind="delayed")
    shipments.record_event(session, actor=SYSTEM, shipment_id=sid, kind="received", quantity=5, signatory="x")
    for kind in ("lost", "delayed", "delivered"):
        with pytest.raises(InvalidTransition, match=r"allowed from received: damaged$"):
            shipments.record_event(session, actor=SYSTEM, shipment_id=sid, kind=kind)
    with pytest.raises(InvalidTransition, match="is received"):
        shipments.record_event(
            session, actor=SYSTEM, shipment_id=sid, kind="received", quantity=1, signatory="x"
        )
    detail = shipments.get_shipment(session, actor=SYSTEM, shipment_id=sid)
    assert [e.kind for e in detail.events] == ["dispatched", "at_hub", "left_hub", "delivered", "received"]
    assert (detail.shipment.quantity_received, detail.shipment.quantity_lost) == (5, 0)


def test_malformed_events_are_422_with_every_problem(session: Session, made: list[ShipmentView]) -> None:
    sid = made[0].shipment_id
    cases = [
        ({"kind": "received"}, ["quantity", "signatory"]),
        ({"kind": "received", "quantity": -1, "signatory": "  "}, ["quantity", "signatory"]),
        ({"kind": "damaged", "quantity": 0}, ["quantity"]),
        ({"kind": "damaged"}, ["quantity"]),
        ({"kind": "at_hub", "quantity": 3}, ["quantity"]),
        ({"kind": "lost", "quantity": 3}, ["quantity"]),
        ({"kind": "teleported"}, ["kind"]),
        ({"kind": "dispatched", "week": -1, "idempotency_key": " "}, ["week", "idempotency_key"]),
    ]
    for args, columns in cases:
        with pytest.raises(ValidationFailed) as raised:
            shipments.record_event(session, actor=SYSTEM, shipment_id=sid, **args)  # type: ignore[arg-type]
        assert raised.value.status == 422
        assert [p.column for p in raised.value.problems] == columns, args
    with pytest.raises(NotFound, match="SHP-0-0"):
        shipments.record_event(session, actor=SYSTEM, shipment_id="SHP-0-0", kind="dispatched")
    with pytest.raises(NotFound):
        shipments.get_shipment(session, actor=SYSTEM, shipment_id="SHP-0-0")
    assert shipments.get_shipment(session, actor=SYSTEM, shipment_id=sid).events == ()


def test_received_never_exceeds_what_is_left(session: Session, made: list[ShipmentView]) -> None:
    (s,) = big(made)
    sid = s.shipment_id
    walk(session, sid, "dispatched", "at_hub")
    shipments.record_event(session, actor=SYSTEM, shipment_id=sid, kind="damaged", quantity=4)
    with pytest.raises(Conflict, match=f"has {s.quantity - 4} of {s.quantity} units left") as raised:
        shipments.record_event(session, actor=SYSTEM, shipment_id=sid, kind="damaged", quantity=s.quantity)
    assert raised.value.code == "quantity_exceeds_remaining"
    walk(session, sid, "left_hub", "delivered")
    with pytest.raises(Conflict, match=rf"damaged 4.*cannot record {s.quantity - 3} received"):
        shipments.record_event(
            session, actor=SYSTEM, shipment_id=sid, kind="received", quantity=s.quantity - 3, signatory="x"
        )
    ok = shipments.record_event(
        session, actor=SYSTEM, shipment_id=sid, kind="received", quantity=s.quantity - 4, signatory="x"
    )
    assert ok.shipment.quantity_received + ok.shipment.quantity_damaged == s.quantity
    # A short hand-over leaves units open; receiving zero is allowed (all damaged or missing).
    (other,) = [x for x in big(made, 2) if x.shipment_id != sid]
    walk(session, other.shipment_id, "dispatched", "at_hub", "left_hub", "delivered")
    short = shipments.record_event(
        session, actor=SYSTEM, shipment_id=other.shipment_id, kind="received", quantity=0, signatory="x"
    )
    assert (short.shipment.quantity_received, short.shipment.quantity_open) == (0, other.quantity)


def test_idempotency_keys(session: Session, made: list[ShipmentView]) -> None:
    a, b = big(made, 2)
    first = shipments.record_event(
        session, actor=SYSTEM, shipment_id=a.shipment_id, kind="dispatched", week=1, idempotency_key="k-1"
    )
    assert first.event.idempotency_key == "k-1"
    walk(session, a.shipment_id, "at_hub")
    # The same request again returns the stored event, even though the shipment has moved on.
    again = shipments.record_event(
        session, actor=SYSTEM, shipment_id=a.shipment_id, kind="dispatched", week=1, idempotency_key="k-1"
    )
    assert again.replayed
    assert again.event == first.event
    assert again.shipment.status == "at_hub"
    for changed in (
        {"shipment_id": a.shipment_id, "kind": "dispatched", "week": 2},
        {"shipment_id": a.shipment_id, "kind": "delayed", "week": 1},
        {"shipment_id": b.shipment_id, "kind": "dispatched", "week": 1},
    ):
        with pytest.raises(Conflict, match="k-1") as raised:
            shipments.record_event(session, actor=SYSTEM, idempotency_key="k-1", **changed)  # type: ignore[arg-type]
        assert raised.value.code == "idempotency_key_reused"
    damaged = shipments.record_event(
        session, actor=SYSTEM, shipment_id=a.shipment_id, kind="damaged", quantity=2, idempotency_key="d-1"
    )
    for _ in range(2):
        replay = shipments.record_event(
            session,
            actor=SYSTEM,
            shipment_id=a.shipment_id,
            kind="damaged",
            quantity=2,
            idempotency_key="d-1",
        )
        assert replay.replayed
        assert replay.event.event_id == damaged.event.event_id
    with pytest.raises(Conflict):
        shipments.record_event(
            session,
            actor=SYSTEM,
            shipment_id=a.shipment_id,
            kind="damaged",
            quantity=3,
            idempotency_key="d-1",
        )
    detail = shipments.get_shipment(session, actor=SYSTEM, shipment_id=a.shipment_id)
    assert [e.kind for e in detail.events] == ["dispatched", "at_hub", "damaged"]
    assert detail.shipment.quantity_damaged == 2


def test_roles_decide_who_records_what(session: Session, made: list[ShipmentView]) -> None:
    hubs = sorted({s.hub_site_id for s in made})
    assert len(hubs) == 2
    mine = next(s for s in made if s.hub_site_id == hubs[0])
    theirs = next(s for s in made if s.hub_site_id == hubs[1])
    operator = hub_operator(hubs[0])
    officer = nation_officer(mine.nation_id)
    stranger = nation_officer(next(s.nation_id for s in made if s.nation_id != mine.nation_id))

    def record(actor: object, shipment: ShipmentView, kind: str, **extra: object) -> str:
        return shipments.record_event(
            session,
            actor=actor,
            shipment_id=shipment.shipment_id,
            kind=kind,
            **extra,  # type: ignore[arg-type]
        ).shipment.status

    with pytest.raises(Forbidden, match="their own hub"):
        record(operator, mine, "dispatched")
    with pytest.raises(NotFound):  # another nation's shipment does not exist for it
        record(stranger, mine, "dispatched")
    with pytest.raises(Forbidden):
        record(RECIPIENT, mine, "dispatched")
    with pytest.raises(Forbidden, match="may not record"):
        record(AUDITOR, mine, "dispatched")
    assert record(officer, mine, "dispatched") == "dispatched"
    assert record(officer, mine, "delayed", note="rail strike") == "dispatched"
    with pytest.raises(Forbidden):
        record(officer, mine, "at_hub")
    assert record(operator, mine, "at_hub") == "at_hub"
    with pytest.raises(Forbidden):
        record(operator, mine, "damaged", quantity=1)
    assert record(operator, mine, "left_hub") == "left_hub"
    with pytest.raises(Forbidden):
        record(operator, mine, "delivered")
    assert record(SYSTEM, mine, "delivered") == "delivered"
    with pytest.raises(Forbidden):
        record(operator, mine, "received", quantity=1, signatory="x")
    assert record(RECIPIENT, mine, "received", quantity=1, signatory="x") == "received"
    # The other hub's shipments are not the operator's, whatever their state.
    walk(session, theirs.shipment_id, "dispatched")
    with pytest.raises(NotFound):  # not through its hub: it does not see them
        record(operator, theirs, "at_hub")
    events = shipments.get_shipment(session, actor=SYSTEM, shipment_id=mine.shipment_id).events
    assert [(e.kind, e.recorded_by, e.organisation_id) for e in events] == [
        ("dispatched", officer.user_id, officer.organisation_id),
        ("delayed", officer.user_id, officer.organisation_id),
        ("at_hub", operator.user_id, operator.organisation_id),
        ("left_hub", operator.user_id, operator.organisation_id),
        ("delivered", "system", "CELL"),
        ("received", RECIPIENT.user_id, RECIPIENT.organisation_id),
    ]

    # What each sees: hub operators their hub's shipments, nation officers their nation's.
    seen = shipments.list_shipments(session, actor=operator, limit=1000)
    assert seen.total == sum(1 for s in made if s.hub_site_id == hubs[0])
    assert {s.hub_site_id for s in seen.items} == {hubs[0]}
    seen = shipments.list_shipments(session, actor=officer, limit=1000)
    assert seen.total == sum(1 for s in made if s.nation_id == mine.nation_id)
    with pytest.raises(NotFound):
        shipments.get_shipment(session, actor=operator, shipment_id=theirs.shipment_id)
    assert shipments.list_shipments(session, actor=AUDITOR).total == len(made)


def test_filters_search_and_pagination(session: Session, made: list[ShipmentView]) -> None:
    total = len(made)
    walk(session, made[0].shipment_id, "dispatched")
    walk(session, made[1].shipment_id, "dispatched", "at_hub")

    def count(**filters: object) -> int:
        return shipments.list_shipments(session, actor=SYSTEM, **filters).total  # type: ignore[arg-type]

    assert count() == total
    assert (count(status="planned"), count(status="dispatched"), count(status="at_hub")) == (total - 2, 1, 1)
    hub = made[0].hub_site_id
    assert count(hub_site_id=hub) == sum(1 for s in made if s.hub_site_id == hub)
    assert count(requirement_id=made[0].requirement_id) == sum(
        1 for s in made if s.requirement_id == made[0].requirement_id
    )
    assert count(offer_id=made[0].offer_id) == sum(1 for s in made if s.offer_id == made[0].offer_id)
    nation = made[0].nation_id
    assert count(nation_id=nation) == sum(1 for s in made if s.nation_id == nation)
    assert count(nation_id=nation, hub_site_id=hub) == sum(
        1 for s in made if s.nation_id == nation and s.hub_site_id == hub
    )
    assert count(q=made[0].shipment_id.lower()) >= 1
    assert count(q=made[0].offer_id) == sum(1 for s in made if s.offer_id == made[0].offer_id)
    assert count(q="no-such-thing") == 0

    pages = [
        shipments.list_shipments(session, actor=SYSTEM, limit=7, offset=o) for o in range(0, total + 7, 7)
    ]
    assert all(p.total == total for p in pages)
    assert [s.shipment_id for p in pages for s in p.items] == [s.shipment_id for s in made]
    assert pages[-1].items == ()
    with pytest.raises(ValidationFailed) as raised:
        shipments.list_shipments(session, actor=SYSTEM, status="floating", limit=0, offset=-1)
    assert [p.column for p in raised.value.problems] == ["status", "limit", "offset"]
    assert isinstance(raised.value, DomainError)
