"""Use cases of the shipments domain: make shipments from the approved plan, record their events, list them.

A shipment is one allocation of the approved plan, tracked from dispatch to hand-over. Its life is the
state machine below (written once); every event is appended to `shipment_events` and never changed.
Quantities keep `received + damaged + lost <= quantity`: the shipment row is locked while an event is
recorded (SELECT … FOR UPDATE on PostgreSQL; on SQLite the write session's BEGIN IMMEDIATE already
serialises writers), and the table's CHECK constraint is the last line of defence.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    any_,
    delete,
    false,
    func,
    literal,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role, scope_of
from aidcoord.audit import service as audit
from aidcoord.db.bulk import insert_many
from aidcoord.db.listing import window_problems
from aidcoord.errors import Conflict, DomainError, Forbidden, NotFound, Problem, ValidationFailed
from aidcoord.etags import check_if_match
from aidcoord.offers.models import Offer
from aidcoord.plans.models import Plan, PlanAllocation
from aidcoord.shipments.models import EVENT_KINDS, SHIPMENT_STATUSES, Shipment, ShipmentEvent
from aidcoord.statemachine import StateMachine

SHIPMENT = StateMachine(
    "shipment",
    {
        "planned": {"dispatched": "dispatched"},
        "dispatched": {"at_hub": "at_hub", "delayed": "dispatched", "lost": "lost"},
        "at_hub": {"left_hub": "left_hub", "delayed": "at_hub", "damaged": "at_hub", "lost": "lost"},
        "left_hub": {"delivered": "delivered", "delayed": "left_hub", "damaged": "left_hub", "lost": "lost"},
        "delivered": {"received": "received", "damaged": "delivered", "lost": "lost"},
        "received": {"damaged": "received"},
        "lost": {},
    },
)
"""Every shipment transition. `delayed` and `damaged` keep the state; `lost` and `received`'s successor
states are final apart from recording damage found after hand-over."""

QUANTITY_KINDS = ("received", "damaged")
"""Events whose quantity the caller gives; `lost` computes its own (the rest), the others carry none."""

EVENTS_BY_ROLE: dict[str, frozenset[str]] = {
    "coordinator": frozenset(EVENT_KINDS),
    "hub_operator": frozenset({"at_hub", "left_hub"}),
    "recipient_officer": frozenset({"received"}),
    "nation_officer": frozenset({"dispatched", "delayed"}),
}
"""Which events each role may record; hub operators and nation officers only on their own shipments."""


@dataclass(frozen=True, slots=True)
class ShipmentView:
    """A shipment with where it comes from (plan, allocation weeks, donor nation) and what may follow."""

    shipment_id: str
    plan_version: int
    allocation_id: int
    offer_id: str
    nation_id: str
    requirement_id: str
    hub_site_id: str
    depart_week: int
    hub_week: int
    arrive_week: int
    quantity: int
    status: str
    quantity_received: int
    quantity_damaged: int
    quantity_lost: int
    delayed: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    next_events: tuple[str, ...]

    @property
    def quantity_open(self) -> int:
        """Units neither received, damaged nor lost yet."""
        return self.quantity - self.quantity_received - self.quantity_damaged - self.quantity_lost


@dataclass(frozen=True, slots=True)
class EventView:
    """One recorded event."""

    event_id: int
    shipment_id: str
    kind: str
    recorded_at: dt.datetime
    recorded_by: str
    organisation_id: str | None
    week: int | None
    quantity: int | None
    signatory: str | None
    note: str | None
    idempotency_key: str | None


@dataclass(frozen=True, slots=True)
class ShipmentDetail:
    """A shipment and its event timeline, oldest first."""

    shipment: ShipmentView
    events: tuple[EventView, ...]


@dataclass(frozen=True, slots=True)
class ShipmentPage:
    """A page of shipments and how many match in all."""

    items: tuple[ShipmentView, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """The event recorded (or, for a repeated idempotency key, the one stored before) and the shipment now."""

    event: EventView
    shipment: ShipmentView
    replayed: bool


@dataclass(frozen=True, slots=True)
class CreatedShipments:
    """Shipments made from the approved plan: the ids created now, and how many existed already."""

    plan_version: int
    created: tuple[str, ...]
    existing: int


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands timezone-aware columns back naive; they were written in UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def shipment_id_for(plan_version: int, allocation_id: int) -> str:
    """The id of the shipment made from an allocation of a plan version."""
    return f"SHP-{plan_version}-{allocation_id}"


# --- who may see and do what ------------------------------------------------------------------------


def _visible(actor: Actor) -> ColumnElement[bool]:
    """The condition on Shipment (joined to Offer) that selects what `actor` may see.

    The cell, auditors and the recipient see every shipment (all go to the recipient); a hub's operator
    those through its hub; a delegation those from its nation's offers.
    """
    scope = scope_of(actor)
    if scope.all_allocations:
        return true()
    conditions: list[ColumnElement[bool]] = []
    if scope.hub_site_id is not None:
        conditions.append(Shipment.hub_site_id == scope.hub_site_id)
    if scope.nation_id is not None:
        conditions.append(Offer.nation_id == scope.nation_id)
    return or_(*conditions) if conditions else false()


def _may_record(actor: Actor, kind: str, shipment: Shipment, nation_id: str) -> bool:
    for role, kinds in EVENTS_BY_ROLE.items():
        if not actor.has(role) or kind not in kinds:
            continue
        if role == "hub_operator" and actor.hub_site_id != shipment.hub_site_id:
            continue
        if role == "nation_officer" and actor.nation_id != nation_id:
            continue
        return True
    return False


def _check_rights(actor: Actor, kind: str, shipment: Shipment, nation_id: str) -> None:
    if _may_record(actor, kind, shipment, nation_id):
        return
    roles = [role for role in EVENTS_BY_ROLE if actor.has(role)]
    if not roles:
        raise Forbidden(
            f"{actor.user_id} may not record shipment events (roles: {', '.join(sorted(actor.roles))})"
        )
    rules = {
        "hub_operator": f"hub operators record at_hub and left_hub for shipments through their own hub "
        f"({shipment.shipment_id} goes through {shipment.hub_site_id})",
        "recipient_officer": "recipient officers record received",
        "nation_officer": f"nation officers record dispatched and delayed for their nation's offers "
        f"({shipment.shipment_id} is from {nation_id})",
    }
    why = "; ".join(rules[role] for role in roles if role in rules)
    raise Forbidden(
        f"{actor.user_id} ({actor.organisation_id}) may not record {kind} on {shipment.shipment_id}: {why}"
    )


# --- making shipments -------------------------------------------------------------------------------


def create_from_approved_plan(
    session: Session, *, actor: Actor, version: int | None = None
) -> CreatedShipments:
    """One `planned` shipment per allocation of the approved plan that is not invalidated (coordinators).

    Idempotent: allocations that already have a shipment are skipped. `version`, when given, must be
    the approved plan's. Conflict (409) when no plan is approved.
    """
    require_role(actor, "coordinator")
    # The plans service returns allocations without their ids, and shipments hang on those ids; the
    # approved plan's rows are read here (a candidate for plans.service once that module is free).
    # Locking the plan row makes two concurrent calls queue instead of racing on allocation_id.
    approved = session.scalars(select(Plan).where(Plan.status == "approved").with_for_update()).first()
    if version is not None:
        wanted = session.scalars(select(Plan).where(Plan.version == version)).first()
        if wanted is None:
            raise NotFound(f"plan version {version} does not exist")
        if approved is None or wanted.plan_id != approved.plan_id:
            which = f"version {approved.version} is" if approved is not None else "no plan is"
            raise Conflict(
                f"plan {version} is {wanted.status}: shipments are made from the approved plan only "
                f"({which} approved)"
            )
    if approved is None:
        raise Conflict(
            "no plan is approved: approve a plan (`aidcoord plan approve`) before making shipments"
        )
    allocations = session.scalars(
        select(PlanAllocation)
        .where(PlanAllocation.plan_id == approved.plan_id, PlanAllocation.invalidated == false())
        .order_by(PlanAllocation.allocation_id)
    ).all()
    existing = set(
        session.scalars(select(Shipment.allocation_id).where(Shipment.plan_id == approved.plan_id)).all()
    )
    now = _now()
    created: list[str] = []
    for allocation in allocations:
        if allocation.allocation_id in existing:
            continue
        shipment_id = shipment_id_for(approved.version, allocation.allocation_id)
        session.add(
            Shipment(
                shipment_id=shipment_id,
                plan_id=approved.plan_id,
                allocation_id=allocation.allocation_id,
                offer_id=allocation.offer_id,
                requirement_id=allocation.requirement_id,
                hub_site_id=allocation.hub_site_id,
                quantity=allocation.quantity,
                status="planned",
                quantity_received=0,
                quantity_damaged=0,
                quantity_lost=0,
                delayed=False,
                created_at=now,
                updated_at=now,
            )
        )
        created.append(shipment_id)
    session.flush()
    result = CreatedShipments(plan_version=approved.version, created=tuple(created), existing=len(existing))
    if created:
        audit.record(
            session,
            actor=actor,
            action="shipments.create",
            entity="plan",
            entity_id=str(approved.version),
            after=result,
        )
    return result


# --- reading ----------------------------------------------------------------------------------------


def _view_query() -> Select[Shipment, int, int, int, int, str]:
    return (
        select(
            Shipment,
            Plan.version,
            PlanAllocation.depart_week,
            PlanAllocation.hub_week,
            PlanAllocation.arrive_week,
            Offer.nation_id,
        )
        .join(Plan, Plan.plan_id == Shipment.plan_id)
        .join(PlanAllocation, PlanAllocation.allocation_id == Shipment.allocation_id)
        .join(Offer, Offer.offer_id == Shipment.offer_id)
    )


def _view(row: Any) -> ShipmentView:
    s: Shipment = row[0]
    return ShipmentView(
        shipment_id=s.shipment_id,
        plan_version=row[1],
        allocation_id=s.allocation_id,
        offer_id=s.offer_id,
        nation_id=row[5],
        requirement_id=s.requirement_id,
        hub_site_id=s.hub_site_id,
        depart_week=row[2],
        hub_week=row[3],
        arrive_week=row[4],
        quantity=s.quantity,
        status=s.status,
        quantity_received=s.quantity_received,
        quantity_damaged=s.quantity_damaged,
        quantity_lost=s.quantity_lost,
        delayed=bool(s.delayed),
        created_at=_utc(s.created_at),
        updated_at=_utc(s.updated_at),
        next_events=SHIPMENT.allowed(s.status),
    )


def _event_view(e: ShipmentEvent | _NewEvent) -> EventView:
    assert e.event_id is not None  # a batch's new events are numbered before they are shown
    return EventView(
        event_id=e.event_id,
        shipment_id=e.shipment_id,
        kind=e.kind,
        recorded_at=_utc(e.recorded_at),
        recorded_by=e.recorded_by,
        organisation_id=e.organisation_id,
        week=e.week,
        quantity=e.quantity,
        signatory=e.signatory,
        note=e.note,
        idempotency_key=e.idempotency_key,
    )


def list_shipments(
    session: Session,
    *,
    actor: Actor,
    status: str | None = None,
    hub_site_id: str | None = None,
    requirement_id: str | None = None,
    offer_id: str | None = None,
    nation_id: str | None = None,
    q: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> ShipmentPage:
    """The shipments the actor may see, filtered, by plan and allocation; `q` searches the ids."""
    problems = []
    if status is not None and status not in SHIPMENT_STATUSES:
        problems.append(
            Problem(f"unknown status {status!r}: use one of {', '.join(SHIPMENT_STATUSES)}", column="status")
        )
    problems += window_problems(limit, offset)
    if problems:
        raise ValidationFailed("the shipment filter is invalid", problems)
    conditions: list[ColumnElement[bool]] = [_visible(actor)]
    for column, value in (
        (Shipment.status, status),
        (Shipment.hub_site_id, hub_site_id),
        (Shipment.requirement_id, requirement_id),
        (Shipment.offer_id, offer_id),
        (Offer.nation_id, nation_id),
    ):
        if value is not None:
            conditions.append(column == value)
    if q:
        needle = q.strip().lower()
        conditions.append(
            or_(
                *(
                    func.lower(column).contains(needle, autoescape=True)
                    for column in (
                        Shipment.shipment_id,
                        Shipment.offer_id,
                        Shipment.requirement_id,
                        Shipment.hub_site_id,
                    )
                )
            )
        )
    total = session.scalar(
        select(func.count())
        .select_from(Shipment)
        .join(Offer, Offer.offer_id == Shipment.offer_id)
        .where(*conditions)
    )
    rows = session.execute(
        _view_query()
        .where(*conditions)
        .order_by(Shipment.plan_id, Shipment.allocation_id)
        .limit(limit)
        .offset(offset)
    ).all()
    return ShipmentPage(
        items=tuple(_view(r) for r in rows), total=int(total or 0), limit=limit, offset=offset
    )


def _events(session: Session, shipment_id: str) -> tuple[EventView, ...]:
    return tuple(
        _event_view(e)
        for e in session.scalars(
            select(ShipmentEvent)
            .where(ShipmentEvent.shipment_id == shipment_id)
            .order_by(ShipmentEvent.event_id)
        )
    )


def _one_view(session: Session, shipment_id: str, condition: ColumnElement[bool]) -> ShipmentView | None:
    row = session.execute(_view_query().where(Shipment.shipment_id == shipment_id, condition)).first()
    return _view(row) if row is not None else None


def get_shipment(session: Session, *, actor: Actor, shipment_id: str) -> ShipmentDetail:
    """One shipment with its events; NotFound if it does not exist or the actor may not see it."""
    view = _one_view(session, shipment_id, _visible(actor))
    if view is None:
        raise NotFound(f"shipment {shipment_id!r} does not exist")
    return ShipmentDetail(shipment=view, events=_events(session, shipment_id))


# --- recording events -------------------------------------------------------------------------------


def _event_problems(
    kind: str, week: int | None, quantity: int | None, signatory: str | None, idempotency_key: str | None
) -> list[Problem]:
    problems = []
    if kind not in EVENT_KINDS:
        problems.append(
            Problem(f"unknown event {kind!r}: use one of {', '.join(EVENT_KINDS)}", column="kind")
        )
    if week is not None and week < 0:
        problems.append(Problem(f"must be 0 or more, got {week}", column="week"))
    if kind in QUANTITY_KINDS:
        if quantity is None:
            problems.append(Problem(f"a {kind} event needs the quantity", column="quantity"))
        elif quantity < (0 if kind == "received" else 1):
            least = "0 or more" if kind == "received" else "1 or more"
            problems.append(Problem(f"must be {least}, got {quantity}", column="quantity"))
    elif quantity is not None and kind in EVENT_KINDS:
        what = "the rest is counted lost" if kind == "lost" else "it moves the whole shipment"
        problems.append(Problem(f"a {kind} event takes no quantity: {what}", column="quantity"))
    if kind == "received" and (signatory is None or not signatory.strip()):
        problems.append(
            Problem("a received event needs the signatory who took the hand-over", column="signatory")
        )
    if idempotency_key is not None and not idempotency_key.strip():
        problems.append(Problem("must not be blank", column="idempotency_key"))
    return problems


def _validate_event(
    kind: str, week: int | None, quantity: int | None, signatory: str | None, idempotency_key: str | None
) -> None:
    problems = _event_problems(kind, week, quantity, signatory, idempotency_key)
    if problems:
        raise ValidationFailed(f"the {kind} event is invalid", problems)


def _same_request(
    stored: ShipmentEvent | _NewEvent,
    shipment_id: str,
    kind: str,
    week: int | None,
    quantity: int | None,
    signatory: str | None,
    note: str | None,
) -> bool:
    return (
        stored.shipment_id == shipment_id
        and stored.kind == kind
        and stored.week == week
        and (kind not in QUANTITY_KINDS or stored.quantity == quantity)
        and stored.signatory == signatory
        and stored.note == note
    )


def _key_reused(idempotency_key: str, stored: ShipmentEvent | _NewEvent) -> Conflict:
    where = f", event {stored.event_id}" if stored.event_id is not None else ""
    return Conflict(
        f"idempotency key {idempotency_key!r} was used for a different event "
        f"({stored.kind} on {stored.shipment_id}{where})",
        code="idempotency_key_reused",
    )


def _apply(shipment: Shipment, kind: str, quantity: int | None, now: dt.datetime) -> int | None:
    """Move the locked `shipment` on by one event (checked); the quantity the event records."""
    shipment_id = shipment.shipment_id
    new_status = SHIPMENT.next_state(shipment_id, shipment.status, kind)
    open_units = (
        shipment.quantity - shipment.quantity_received - shipment.quantity_damaged - shipment.quantity_lost
    )
    if kind in QUANTITY_KINDS and quantity is not None and quantity > open_units:
        raise Conflict(
            f"shipment {shipment_id} has {open_units} of {shipment.quantity} units left "
            f"(received {shipment.quantity_received}, damaged {shipment.quantity_damaged}, "
            f"lost {shipment.quantity_lost}): cannot record {quantity} {kind}",
            code="quantity_exceeds_remaining",
        )
    event_quantity = quantity if kind in QUANTITY_KINDS else None
    if kind == "received":
        shipment.quantity_received += quantity or 0
    elif kind == "damaged":
        shipment.quantity_damaged += quantity or 0
    elif kind == "lost":
        shipment.quantity_lost += open_units
        event_quantity = open_units
    elif kind == "delayed":
        shipment.delayed = True
    shipment.status = new_status
    shipment.updated_at = now
    return event_quantity


def _moved(view: ShipmentView, shipment: Shipment) -> ShipmentView:
    """`view` (read under the row lock) after `_apply` changed `shipment`: what a fresh read would give."""
    return dataclasses.replace(
        view,
        status=shipment.status,
        quantity_received=shipment.quantity_received,
        quantity_damaged=shipment.quantity_damaged,
        quantity_lost=shipment.quantity_lost,
        delayed=bool(shipment.delayed),
        updated_at=_utc(shipment.updated_at),
        next_events=SHIPMENT.allowed(shipment.status),
    )


def record_event(
    session: Session,
    *,
    actor: Actor,
    shipment_id: str,
    kind: str,
    week: int | None = None,
    quantity: int | None = None,
    signatory: str | None = None,
    note: str | None = None,
    idempotency_key: str | None = None,
    if_match: str | None = None,
) -> RecordedEvent:
    """Append an event to a shipment and move it on; return the event and the shipment's new state.

    Refused with ValidationFailed (422) for a malformed event, NotFound (404) for an unknown shipment,
    Forbidden (403) when the actor's role may not record it, InvalidTransition (409) when the shipment's
    state does not allow it and Conflict (409) when a quantity is more than the shipment has left.
    An event posted again with the same idempotency key returns the stored event and changes nothing;
    the same key with a different event is a Conflict. With `if_match`, PreconditionFailed (412)
    unless it is the shipment's current ETag (checked under the lock, after an idempotent replay, so
    that a retried request still gets its stored event).
    """
    signatory = signatory.strip() if signatory is not None else None
    _validate_event(kind, week, quantity, signatory, idempotency_key)
    # One statement locks the row (so that everything below sees the state of the last committed
    # event), reads the shipment's view under the lock and finds an event stored under the key.
    # What the actor may not see does not exist for it (404, the same words); what it sees but may
    # not change is a 403.
    query = (
        _view_query()
        .where(Shipment.shipment_id == shipment_id, _visible(actor))
        .with_for_update(of=Shipment)
        .execution_options(populate_existing=True)
    )
    if idempotency_key is not None:
        query = query.add_columns(ShipmentEvent).outerjoin(
            ShipmentEvent, ShipmentEvent.idempotency_key == idempotency_key
        )
    row: Any = session.execute(query).first()  # the view's columns, then the stored event if asked
    if row is None:
        raise NotFound(f"shipment {shipment_id!r} does not exist")
    shipment: Shipment = row[0]
    before = _view(row)
    _check_rights(actor, kind, shipment, before.nation_id)
    stored: ShipmentEvent | None = row[6] if idempotency_key is not None else None
    if stored is not None:
        assert idempotency_key is not None
        if not _same_request(stored, shipment_id, kind, week, quantity, signatory, note):
            raise _key_reused(idempotency_key, stored)
        return RecordedEvent(event=_event_view(stored), shipment=before, replayed=True)

    if if_match is not None:
        check_if_match(f"shipment {shipment_id!r}", if_match, before)
    now = _now()
    event_quantity = _apply(shipment, kind, quantity, now)
    event = ShipmentEvent(
        shipment_id=shipment_id,
        kind=kind,
        recorded_at=now,
        recorded_by=actor.user_id,
        organisation_id=actor.organisation_id,
        week=week,
        quantity=event_quantity,
        signatory=signatory,
        note=note,
        idempotency_key=idempotency_key,
    )
    session.add(event)
    try:
        session.flush()
    except IntegrityError:
        # Only a key used at the same moment for another shipment gets here (this shipment is locked).
        # The transaction is spoilt; raising ends it (the session boundary rolls back).
        raise Conflict(
            f"idempotency key {idempotency_key!r} was used for a different event at the same time",
            code="idempotency_key_reused",
        ) from None
    recorded = RecordedEvent(event=_event_view(event), shipment=_moved(before, shipment), replayed=False)
    # Appended at commit: the busiest write path keeps its turn on the audit chain's lock short.
    change = audit.Change(
        action=f"shipment.{kind}",
        entity="shipment",
        entity_id=shipment_id,
        before=before,
        after=recorded,
        reason=note,
    )
    audit.record_many(session, actor=actor, changes=[change], at_commit=True)
    return recorded


# --- recording many events at once -----------------------------------------------------------------

MAX_BATCH = 1000
"""Most events one batch may carry: a minute of a busy hub's scanners, small enough for one transaction."""


@dataclass(frozen=True, slots=True)
class EventInput:
    """One event of a batch: `record_event`'s arguments, with the idempotency key required."""

    shipment_id: str
    kind: str
    idempotency_key: str
    week: int | None = None
    quantity: int | None = None
    signatory: str | None = None
    note: str | None = None


def _at(index: int, error: DomainError) -> DomainError:
    """`error` with the batch position it happened at, keeping its class, code and status."""
    message = f"events[{index}]: {error.message}"
    if isinstance(error, ValidationFailed):
        return ValidationFailed(message, error.problems)
    for kind in (NotFound, Forbidden, Conflict):
        if isinstance(error, kind):
            return kind(message, code=error.code, status=error.status)
    return DomainError(message, code=error.code, status=error.status)


def _batch_problems(events: Sequence[EventInput]) -> list[Problem]:
    problems = []
    if not events:
        problems.append(Problem("give at least one event", column="events"))
    if len(events) > MAX_BATCH:
        problems.append(Problem(f"at most {MAX_BATCH} events, got {len(events)}", column="events"))
    for index, e in enumerate(events):
        signatory = e.signatory.strip() if e.signatory is not None else None
        found = _event_problems(e.kind, e.week, e.quantity, signatory, e.idempotency_key)
        if e.idempotency_key is None:  # a blank one is named by _event_problems
            found.append(Problem("a batch event needs an idempotency key", column="idempotency_key"))
        problems += [Problem(p.message, column=f"events[{index}].{p.column}") for p in found]
    return problems


@dataclass(slots=True)
class _NewEvent:
    """A batch's event before it is stored: the columns of ShipmentEvent, without an ORM object's cost."""

    event_id: int | None
    shipment_id: str
    kind: str
    recorded_at: dt.datetime
    recorded_by: str
    organisation_id: str | None
    week: int | None
    quantity: int | None
    signatory: str | None
    note: str | None
    idempotency_key: str | None


def _among(session: Session, column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL one array parameter instead of one parameter per value, so
    that a batch's statements stay short (psycopg parses every long statement anew)."""
    condition: ColumnElement[bool]
    if session.get_bind().dialect.name == "postgresql":
        condition = column == any_(literal(list(values), ARRAY(String)))
    else:
        condition = column.in_(values)
    return condition


def _new_event_ids(session: Session, count: int) -> list[int]:
    """`count` fresh event ids, ascending, so that a batch's events go in at once (no RETURNING).

    On PostgreSQL from the column's sequence; on SQLite, whose write transaction holds the database's
    write lock from its start, after the largest id (what SQLite itself would assign).
    """
    if session.get_bind().dialect.name == "postgresql":
        ids = session.scalars(
            text(
                "SELECT nextval(pg_get_serial_sequence('shipment_events', 'event_id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": count},
        )
        return sorted(int(i) for i in ids)
    last = int(session.scalar(select(func.max(ShipmentEvent.event_id))) or 0)
    return list(range(last + 1, last + 1 + count))


_EVENT_COLUMNS = tuple(f.name for f in dataclasses.fields(_NewEvent))
_EVENTS_TABLE: Table = ShipmentEvent.__table__  # type: ignore[assignment]  # a Table, typed as FromClause


def record_events(session: Session, *, actor: Actor, events: Sequence[EventInput]) -> list[RecordedEvent]:
    """Record a batch of events in order, all or nothing; each result as `record_event` would return it.

    Every event obeys exactly `record_event`'s rules (the same checks, state machine and idempotency,
    an event seeing the state left by the batch's earlier events) and gets its own audit record. The
    first event refused refuses the batch: the error names its position (`events[i]`), and nothing
    is written. ValidationFailed (422) lists every malformed event at once. A key repeated within
    the batch replays the first event of that key, like a request sent twice.
    """
    problems = _batch_problems(events)
    if problems:
        raise ValidationFailed(f"the batch of {len(events)} events is invalid", problems)
    ids = sorted({e.shipment_id for e in events})
    # Lock every shipment of the batch in one statement, in id order: two batches sharing shipments
    # queue instead of deadlocking, and the audit head is locked after them, as record_event does.
    locked = {
        s.shipment_id: s
        for s in session.scalars(
            select(Shipment)
            .where(_among(session, Shipment.shipment_id, ids))
            .order_by(Shipment.shipment_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    visible = _view_query().where(_among(session, Shipment.shipment_id, ids), _visible(actor))
    current = {view.shipment_id: view for view in (_view(row) for row in session.execute(visible))}
    keys = {e.idempotency_key for e in events}
    stored = {
        event.idempotency_key: event
        for event in session.scalars(
            select(ShipmentEvent).where(_among(session, ShipmentEvent.idempotency_key, sorted(keys)))
        )
    }
    now = _now()
    steps: list[tuple[_NewEvent, ShipmentView, ShipmentView]] = []  # new events: before and after
    step_of_key: dict[str, int] = {}
    # Each event's outcome: the new event's step, or a replay of a stored event or of an earlier step,
    # with the shipment as it is at that point of the batch.
    outcomes: list[tuple[int | ShipmentEvent, ShipmentView | None]] = []
    for index, e in enumerate(events):
        signatory = e.signatory.strip() if e.signatory is not None else None
        try:
            shipment, view = locked.get(e.shipment_id), current.get(e.shipment_id)
            if shipment is None or view is None:
                raise NotFound(f"shipment {e.shipment_id!r} does not exist")
            _check_rights(actor, e.kind, shipment, view.nation_id)
            # A key seen before: an earlier event of this batch, or one stored by an earlier request.
            step = step_of_key.get(e.idempotency_key)
            same = steps[step][0] if step is not None else stored.get(e.idempotency_key)
            if same is not None:
                if not _same_request(same, e.shipment_id, e.kind, e.week, e.quantity, signatory, e.note):
                    raise _key_reused(e.idempotency_key, same)
                outcomes.append((step, view) if step is not None else (stored[e.idempotency_key], view))
                continue
            event_quantity = _apply(shipment, e.kind, e.quantity, now)
        except DomainError as error:
            raise _at(index, error) from None
        event = _NewEvent(
            event_id=None,
            shipment_id=e.shipment_id,
            kind=e.kind,
            recorded_at=now,
            recorded_by=actor.user_id,
            organisation_id=actor.organisation_id,
            week=e.week,
            quantity=event_quantity,
            signatory=signatory,
            note=e.note,
            idempotency_key=e.idempotency_key,
        )
        current[e.shipment_id] = after = _moved(view, shipment)
        step_of_key[e.idempotency_key] = len(steps)
        outcomes.append((len(steps), None))
        steps.append((event, view, after))
    # The events are plain values (never added to the session): numbered up front, they go in at once
    # (COPY on PostgreSQL) instead of one INSERT … RETURNING each; the shipments' changes flush first.
    for (event, _, _), event_id in zip(steps, _new_event_ids(session, len(steps)), strict=True):
        event.event_id = event_id
    try:
        if steps:
            insert_many(
                session,
                _EVENTS_TABLE,
                [{name: getattr(event, name) for name in _EVENT_COLUMNS} for event, _, _ in steps],
            )
    except IntegrityError:
        # Only keys used at the same moment by another request get here (the shipments are locked).
        # The transaction is spoilt; raising ends it (the session boundary rolls back).
        raise Conflict(
            "an idempotency key of the batch was used for a different event at the same time",
            code="idempotency_key_reused",
        ) from None
    recorded = [
        RecordedEvent(event=_event_view(event), shipment=after, replayed=False) for event, _, after in steps
    ]
    audit.record_many(
        session,
        actor=actor,
        changes=[
            audit.Change(
                action=f"shipment.{event.kind}",
                entity="shipment",
                entity_id=event.shipment_id,
                before=before,
                after=result,
                reason=event.note,
            )
            for (event, before, _), result in zip(steps, recorded, strict=True)
        ],
        at_commit=True,
    )
    results = []
    for what, replayed_on in outcomes:
        if isinstance(what, ShipmentEvent):
            assert replayed_on is not None
            results.append(RecordedEvent(event=_event_view(what), shipment=replayed_on, replayed=True))
        elif replayed_on is not None:
            results.append(RecordedEvent(event=recorded[what].event, shipment=replayed_on, replayed=True))
        else:
            results.append(recorded[what])
    return results


def clear(session: Session, *, actor: Actor) -> None:
    """Delete every shipment and its events (coordinators only; when the scenario is replaced).

    Shipments refer to plans, offers and requirements: this runs before those are cleared.
    """
    require_role(actor, "coordinator")
    session.execute(delete(ShipmentEvent))
    session.execute(delete(Shipment))
    session.flush()


def units_by_offer(session: Session, *, actor: Actor) -> dict[str, tuple[int, int]]:
    """Units shipped (dispatched or later, lost included) and received per offer, for per-nation totals."""
    del actor  # totals per nation are every participant's; callers aggregate before anything is shown
    shipped = func.coalesce(func.sum(Shipment.quantity).filter(Shipment.status != "planned"), 0)
    received = func.coalesce(func.sum(Shipment.quantity_received), 0)
    query = select(Shipment.offer_id, shipped, received).group_by(Shipment.offer_id)
    return {str(offer_id): (int(s), int(r)) for offer_id, s, r in session.execute(query)}


def settled_by_offer(session: Session, *, actor: Actor) -> dict[str, tuple[int, int]]:
    """Per offer, units of shipments that reached an end (received or lost) and units received of them.

    A delivery record: what donors' consignments that are over actually brought. For totals only.
    """
    del actor  # records per nation are aggregated before anything is shown
    settled = Shipment.status.in_(("received", "lost"))
    query = (
        select(
            Shipment.offer_id,
            func.coalesce(func.sum(Shipment.quantity), 0),
            func.coalesce(func.sum(Shipment.quantity_received), 0),
        )
        .where(settled)
        .group_by(Shipment.offer_id)
    )
    return {str(offer_id): (int(q), int(r)) for offer_id, q, r in session.execute(query)}
