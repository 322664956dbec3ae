"""Use cases of the shipments domain: make shipments from the approved plan, record their events, list them.

A shipment is one allocation of the approved plan, tracked from dispatch to hand-over. Its life is the
state machine below (written once); every event is appended to `shipment_events` and never changed.
Quantities keep `received + damaged + lost <= quantity`: the shipment row is locked while an event is
recorded (SELECT … FOR UPDATE on PostgreSQL; on SQLite the write session's BEGIN IMMEDIATE already
serialises writers), and the table's CHECK constraint is the last line of defence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, false, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role, scope_of
from aidcoord.audit import service as audit
from aidcoord.db.listing import window_problems
from aidcoord.errors import Conflict, Forbidden, NotFound, Problem, ValidationFailed
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


def _event_view(e: ShipmentEvent) -> EventView:
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


def _validate_event(
    kind: str, week: int | None, quantity: int | None, signatory: str | None, idempotency_key: str | None
) -> None:
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
    if problems:
        raise ValidationFailed(f"the {kind} event is invalid", problems)


def _same_request(
    stored: ShipmentEvent,
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
    # Lock the row first, so that everything below sees the state of the last committed event.
    shipment = session.scalars(
        select(Shipment)
        .where(Shipment.shipment_id == shipment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    # What the actor may not see does not exist for it (404, the same words); what it sees but may
    # not change is a 403.
    if shipment is None or _one_view(session, shipment_id, _visible(actor)) is None:
        raise NotFound(f"shipment {shipment_id!r} does not exist")
    nation_id = session.scalar(select(Offer.nation_id).where(Offer.offer_id == shipment.offer_id)) or ""

    _check_rights(actor, kind, shipment, nation_id)
    if idempotency_key is not None:
        stored = session.scalars(
            select(ShipmentEvent).where(ShipmentEvent.idempotency_key == idempotency_key)
        ).first()
        if stored is not None:
            if not _same_request(stored, shipment_id, kind, week, quantity, signatory, note):
                raise Conflict(
                    f"idempotency key {idempotency_key!r} was used for a different event "
                    f"({stored.kind} on {stored.shipment_id}, event {stored.event_id})",
                    code="idempotency_key_reused",
                )
            view = _one_view(session, shipment_id, true())
            assert view is not None
            return RecordedEvent(event=_event_view(stored), shipment=view, replayed=True)

    if if_match is not None:
        check_if_match(f"shipment {shipment_id!r}", if_match, _one_view(session, shipment_id, true()))
    new_status = SHIPMENT.next_state(shipment_id, shipment.status, kind)
    before = _one_view(session, shipment_id, true())

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
    now = _now()
    shipment.updated_at = now
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
    try:
        with session.begin_nested():
            session.add(event)
            session.flush()
    except IntegrityError:
        # Only a key used at the same moment for another shipment gets here (this shipment is locked).
        raise Conflict(
            f"idempotency key {idempotency_key!r} was used for a different event at the same time",
            code="idempotency_key_reused",
        ) from None
    view = _one_view(session, shipment_id, true())
    assert view is not None
    recorded = RecordedEvent(event=_event_view(event), shipment=view, replayed=False)
    audit.record(
        session,
        actor=actor,
        action=f"shipment.{kind}",
        entity="shipment",
        entity_id=shipment_id,
        before=before,
        after=recorded,
        reason=note,
    )
    return recorded


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
