"""A batch of shipment events: the single event's rules for each, one transaction, all or nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from aidcoord.access.actor import SYSTEM
from aidcoord.api.app import create_app
from aidcoord.audit import service as audit
from aidcoord.audit.models import AuditRecord
from aidcoord.db import session_scope
from aidcoord.errors import Conflict, Forbidden, NotFound, ValidationFailed
from aidcoord.shipments import service as shipments
from aidcoord.shipments.models import ShipmentEvent
from aidcoord.shipments.service import EventInput, ShipmentView
from tests.api.helpers import V1, problem, sign_in
from tests.shipments.factory import hub_operator, nation_officer

BATCH = f"{V1}/shipment-events/batch"


@pytest.fixture
def made(shipped_engine: Engine) -> list[ShipmentView]:
    """The approved plan's shipments, all planned."""
    with session_scope(shipped_engine, write=False) as session:
        return list(shipments.list_shipments(session, actor=SYSTEM, limit=1000).items)


@pytest.fixture
def api(shipped_engine: Engine) -> Iterator[TestClient]:
    """A coordinator's client on this test's copy of the shipped database."""
    app = create_app(shipped_engine.url.render_as_string(hide_password=False))
    with TestClient(app) as client:
        sign_in(client, shipped_engine)
        yield client


def counts(engine: Engine) -> tuple[int, int]:
    """Events and audit records stored."""
    with session_scope(engine, write=False) as session:
        events = session.scalar(select(func.count()).select_from(ShipmentEvent))
        records = session.scalar(select(func.count()).select_from(AuditRecord))
        return int(events or 0), int(records or 0)


def walk_events(made: list[ShipmentView]) -> list[EventInput]:
    """Three shipments walked to hand-over, their events interleaved, the last one partly received."""
    first, second, third = made[:3]
    events = []
    for step, kind in enumerate(("dispatched", "at_hub", "left_hub", "delivered")):
        for s in (first, second, third):
            events.append(EventInput(s.shipment_id, kind, f"walk-{s.shipment_id}-{step}", week=step))
        if kind == "dispatched":
            events.append(EventInput(first.shipment_id, "delayed", "walk-delay", note="rail strike"))
    events.append(
        EventInput(third.shipment_id, "received", "walk-recv", quantity=1, signatory="  Maj. K  ", week=5)
    )
    return events


def test_a_batch_records_every_event_in_order_with_its_audit_record(
    shipped_engine: Engine, made: list[ShipmentView]
) -> None:
    events = walk_events(made)
    with session_scope(shipped_engine) as session:
        results = shipments.record_events(session, actor=SYSTEM, events=events)
    assert [r.replayed for r in results] == [False] * len(events)
    assert [r.event.kind for r in results] == [e.kind for e in events]
    ids = [r.event.event_id for r in results]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    first, _, third = made[:3]
    with session_scope(shipped_engine, write=False) as session:
        shown = shipments.get_shipment(session, actor=SYSTEM, shipment_id=first.shipment_id)
        assert [e.kind for e in shown.events] == ["dispatched", "delayed", "at_hub", "left_hub", "delivered"]
        assert (shown.shipment.status, shown.shipment.delayed) == ("delivered", True)
        received = shipments.get_shipment(session, actor=SYSTEM, shipment_id=third.shipment_id)
        assert received.shipment.status == "received"
        assert received.shipment.quantity_received == 1
        assert received.events[-1].signatory == "Maj. K"
        # The view each result carries is what a fresh read gives.
        assert results[-1].shipment == received.shipment
        records = session.execute(
            select(AuditRecord.action, AuditRecord.entity_id, AuditRecord.before, AuditRecord.after)
            .where(AuditRecord.action.like("shipment.%"))
            .order_by(AuditRecord.seq)
        ).all()
        assert audit.verify(session, actor=SYSTEM).ok
    assert [(r.action, r.entity_id) for r in records] == [
        (f"shipment.{e.kind}", e.shipment_id) for e in events
    ]
    # Each record's before is the state the previous event of its shipment left; after has the event.
    after_delay = json.loads(records[4].before)
    assert (after_delay["shipment_id"], after_delay["status"], after_delay["delayed"]) == (
        first.shipment_id,
        "dispatched",
        True,
    )
    last = json.loads(records[-1].after)
    assert last["event"]["event_id"] == ids[-1]
    assert last["shipment"]["status"] == "received"
    assert json.loads(records[-1].before)["status"] == "delivered"
    assert json.loads(records[-2].before)["status"] == "left_hub"


def test_the_audit_records_are_those_of_single_events(
    shipped_engine: Engine, made: list[ShipmentView]
) -> None:
    one, other = made[:2]
    with session_scope(shipped_engine) as session:
        for kind in ("dispatched", "delayed"):
            shipments.record_event(session, actor=SYSTEM, shipment_id=one.shipment_id, kind=kind, note="n")
        shipments.record_events(
            session,
            actor=SYSTEM,
            events=[
                EventInput(other.shipment_id, kind, f"k-{kind}", note="n")
                for kind in ("dispatched", "delayed")
            ],
        )
    with session_scope(shipped_engine, write=False) as session:
        rows = session.execute(
            select(AuditRecord.entity_id, AuditRecord.before, AuditRecord.after, AuditRecord.reason)
            .where(AuditRecord.action.like("shipment.%"))
            .order_by(AuditRecord.seq)
        ).all()

    def shape(row: Any) -> Any:
        # Everything but what differs between the two shipments and the two moments.
        varying = {"shipment_id", "allocation_id", "offer_id", "nation_id", "requirement_id", "hub_site_id"}
        varying |= {"depart_week", "hub_week", "arrive_week", "quantity", "updated_at", "created_at"}
        varying |= {"event_id", "recorded_at", "idempotency_key"}

        def strip(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: strip(v) for k, v in value.items() if k not in varying}
            return value

        return strip(json.loads(row.before)), strip(json.loads(row.after)), row.reason

    assert [r.entity_id for r in rows] == [one.shipment_id] * 2 + [other.shipment_id] * 2
    assert [shape(r) for r in rows[:2]] == [shape(r) for r in rows[2:]]


def test_a_refused_event_refuses_the_batch_and_names_its_index(
    shipped_engine: Engine, made: list[ShipmentView]
) -> None:
    before = counts(shipped_engine)
    one, other = made[:2]
    cases: list[tuple[list[EventInput], type[Exception], str]] = [
        (
            [EventInput(one.shipment_id, "dispatched", "a"), EventInput(other.shipment_id, "left_hub", "b")],
            Conflict,
            "events[1]: shipment",
        ),
        (
            [EventInput(one.shipment_id, "dispatched", "a"), EventInput("SHP-9-999999", "dispatched", "b")],
            NotFound,
            "events[1]: shipment 'SHP-9-999999' does not exist",
        ),
        (
            [EventInput(one.shipment_id, "dispatched", "a"), EventInput(one.shipment_id, "lost", "a")],
            Conflict,
            "events[1]: idempotency key 'a' was used for a different event",
        ),
    ]
    for events, error, message in cases:
        pattern = message.replace("[", r"\[").replace("]", r"\]")
        with pytest.raises(error, match=pattern) as raised, session_scope(shipped_engine) as session:
            shipments.record_events(session, actor=SYSTEM, events=events)
        if "left_hub" in str(events):
            assert getattr(raised.value, "code", None) == "invalid_transition"
        assert counts(shipped_engine) == before
    with session_scope(shipped_engine, write=False) as session:
        assert shipments.get_shipment(session, actor=SYSTEM, shipment_id=one.shipment_id).shipment.status == (
            "planned"
        )


def test_every_malformed_event_is_named_by_index_and_field(
    made: list[ShipmentView], shipped_engine: Engine
) -> None:
    sid = made[0].shipment_id
    events = [
        EventInput(sid, "dispatched", "ok"),
        EventInput(sid, "received", "r", quantity=None),
        EventInput(sid, "teleported", "t"),
        EventInput(sid, "delayed", ""),
    ]
    with pytest.raises(ValidationFailed) as raised, session_scope(shipped_engine) as session:
        shipments.record_events(session, actor=SYSTEM, events=events)
    columns = [p.column for p in raised.value.problems]
    assert columns == [
        "events[1].quantity",
        "events[1].signatory",
        "events[2].kind",
        "events[3].idempotency_key",
    ]
    too_many = [EventInput(sid, "delayed", f"k{i}") for i in range(shipments.MAX_BATCH + 1)]
    with pytest.raises(ValidationFailed, match="invalid"), session_scope(shipped_engine) as session:
        shipments.record_events(session, actor=SYSTEM, events=too_many)


def test_keys_replay_within_the_batch_and_across_batches(
    shipped_engine: Engine, made: list[ShipmentView]
) -> None:
    sid = made[0].shipment_id
    events = [
        EventInput(sid, "dispatched", "d"),
        EventInput(sid, "delayed", "x", note="n"),
        EventInput(sid, "dispatched", "d"),  # the same request again: a replay, not an invalid transition
    ]
    with session_scope(shipped_engine) as session:
        first = shipments.record_events(session, actor=SYSTEM, events=events)
    assert [r.replayed for r in first] == [False, False, True]
    assert first[2].event == first[0].event
    after_first = counts(shipped_engine)
    with session_scope(shipped_engine) as session:
        again = shipments.record_events(session, actor=SYSTEM, events=events)
    assert [r.replayed for r in again] == [True, True, True]
    assert [r.event.event_id for r in again] == [r.event.event_id for r in first]
    assert counts(shipped_engine) == after_first
    # A key stored by the single-event path replays in a batch too.
    with session_scope(shipped_engine) as session:
        single = shipments.record_event(
            session, actor=SYSTEM, shipment_id=sid, kind="at_hub", idempotency_key="single"
        )
        (batched,) = shipments.record_events(
            session, actor=SYSTEM, events=[EventInput(sid, "at_hub", "single")]
        )
    assert batched.replayed
    assert batched.event == single.event


def test_roles_and_need_to_know_hold_for_each_event(shipped_engine: Engine, made: list[ShipmentView]) -> None:
    mine = made[0]
    officer = nation_officer(mine.nation_id)
    others = next(s for s in made if s.nation_id != mine.nation_id)
    with pytest.raises(NotFound) as hidden, session_scope(shipped_engine) as session:
        shipments.record_events(
            session,
            actor=officer,
            events=[
                EventInput(mine.shipment_id, "dispatched", "a"),
                EventInput(others.shipment_id, "dispatched", "b"),
            ],
        )
    with pytest.raises(NotFound) as missing, session_scope(shipped_engine) as session:
        shipments.record_events(
            session,
            actor=officer,
            events=[EventInput(mine.shipment_id, "dispatched", "a"), EventInput("SHP-X", "dispatched", "b")],
        )
    assert hidden.value.message.replace(others.shipment_id, "ID") == missing.value.message.replace(
        "SHP-X", "ID"
    )
    operator = hub_operator(mine.hub_site_id)
    with pytest.raises(Forbidden, match=r"events\[0\]: ops-"), session_scope(shipped_engine) as session:
        shipments.record_events(
            session, actor=operator, events=[EventInput(mine.shipment_id, "dispatched", "a")]
        )
    with session_scope(shipped_engine) as session:
        (done,) = shipments.record_events(
            session, actor=officer, events=[EventInput(mine.shipment_id, "dispatched", "mine")]
        )
    assert done.event.recorded_by == officer.user_id


def test_the_route_answers_201_then_200_and_problems_name_the_index(
    api: TestClient, made: list[ShipmentView], shipped_engine: Engine
) -> None:
    body = {
        "events": [
            {"shipment_id": s.shipment_id, "kind": "dispatched", "week": 1, "idempotency_key": f"api-{i}"}
            for i, s in enumerate(made[:5])
        ]
    }
    stored = api.post(BATCH, json=body, headers={"X-Request-ID": "batch-1"})
    assert stored.status_code == 201, stored.text
    answer = stored.json()
    assert (answer["stored"], answer["replayed"]) == (5, 0)
    assert [r["index"] for r in answer["results"]] == list(range(5))
    assert {r["shipment_status"] for r in answer["results"]} == {"dispatched"}
    assert answer["results"][0]["event"]["recorded_by"] == "coord"
    replayed = api.post(BATCH, json=body)
    assert replayed.status_code == 200
    assert replayed.json()["replayed"] == 5
    assert [r["event"] for r in replayed.json()["results"]] == [r["event"] for r in answer["results"]]
    with session_scope(shipped_engine, write=False) as session:
        rids = session.scalars(
            select(AuditRecord.request_id).where(AuditRecord.action == "shipment.dispatched")
        )
        assert list(rids) == ["batch-1"] * 5

    wrong = {"events": [*body["events"], {"shipment_id": made[0].shipment_id, "kind": "received"}]}
    refused = problem(api.post(BATCH, json=wrong), 422, "validation_failed")
    assert {(p["file"], p["column"]) for p in refused["problems"]} == {("body", "events.5.idempotency_key")}
    late = {"events": [{"shipment_id": made[0].shipment_id, "kind": "at_hub", "idempotency_key": "n1"}] * 2}
    late["events"][1] = {
        "shipment_id": made[0].shipment_id,
        "kind": "lost",
        "quantity": 3,
        "idempotency_key": "n2",
    }
    body_422 = problem(api.post(BATCH, json=late), 422, "validation_failed")
    assert [p["column"] for p in body_422["problems"]] == ["events[1].quantity"]
    conflict = {
        "events": [
            {
                "shipment_id": made[0].shipment_id,
                "kind": "received",
                "quantity": 1,
                "signatory": "X",
                "idempotency_key": "c1",
            }
        ]
    }
    assert (
        "events[0]: shipment" in problem(api.post(BATCH, json=conflict), 409, "invalid_transition")["detail"]
    )
    problem(api.post(BATCH, json={"events": []}), 422, "validation_failed")
    problem(api.post(BATCH, json={"events": [body["events"][0]] * 1001}), 422, "validation_failed")


def test_event_audit_records_join_the_chain_at_commit_and_a_rollback_drops_them(
    shipped_engine: Engine, made: list[ShipmentView]
) -> None:
    before = counts(shipped_engine)
    sid = made[0].shipment_id
    with Session(shipped_engine) as session:
        shipments.record_event(session, actor=SYSTEM, shipment_id=sid, kind="dispatched")
        shipments.record_events(session, actor=SYSTEM, events=[EventInput(sid, "delayed", "gone")])
        session.rollback()
        # The same session goes on: nothing of the rolled-back work may be appended at its next commit.
        shipments.record_event(session, actor=SYSTEM, shipment_id=sid, kind="dispatched", note="kept")
        session.commit()
    events, records = counts(shipped_engine)
    assert (events, records) == (before[0] + 1, before[1] + 1)
    with session_scope(shipped_engine, write=False) as session:
        last = audit.list_entries(session, actor=SYSTEM, limit=1).items[0]
        assert (last.action, last.reason) == ("shipment.dispatched", "kept")
        assert audit.verify(session, actor=SYSTEM).ok


NASTY = 'It\'s "late" \\ again;\n\t@at@ ,"at":"@at@", ,"seq":0,"user_id": 🚚 Київ \u2028 %s %(x)s $1 -- \x01'


@pytest.mark.parametrize("notes", [[NASTY], [NASTY, "second"]], ids=["one", "two"])
def test_appended_records_chain_for_any_text(
    shipped_engine: Engine, made: list[ShipmentView], notes: list[str]
) -> None:
    # One record per commit goes into the chain on the server (PostgreSQL), several from here: both
    # must give exactly the bytes `verify` hashes again, whatever the text.
    sid = made[0].shipment_id
    with session_scope(shipped_engine) as session:
        shipments.record_event(session, actor=SYSTEM, shipment_id=sid, kind="dispatched", note=NASTY)
    with session_scope(shipped_engine) as session:
        shipments.record_events(
            session,
            actor=SYSTEM,
            events=[EventInput(sid, "delayed", f"n-{i}", note=n) for i, n in enumerate(notes)],
        )
    with session_scope(shipped_engine, write=False) as session:
        verified = audit.verify(session, actor=SYSTEM)
        assert verified.ok, verified.problem
        entries = audit.list_entries(session, actor=SYSTEM, limit=1 + len(notes)).items
    assert [e.reason for e in reversed(entries)] == [NASTY, *notes]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", e.at) for e in entries)
    seqs = [e.seq for e in entries]
    assert seqs == sorted(seqs, reverse=True)
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
