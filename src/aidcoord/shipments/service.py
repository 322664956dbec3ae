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
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    any_,
    bindparam,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from aidcoord.access.actor import Actor, require_role, scope_of
from aidcoord.audit import service as audit
from aidcoord.db import column_limits
from aidcoord.db.bulk import insert_many
from aidcoord.db.listing import window_problems, windowed
from aidcoord.db.rows import run_prebuilt
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

Visibility = tuple[bool, bool, bool]
"""The shape of an actor's visibility condition: (sees everything, by hub, by nation)."""


def _visibility(actor: Actor) -> tuple[Visibility, dict[str, Any]]:
    """The shape of the condition selecting what `actor` may see (see `_visible`) and the values it binds.

    The cell, auditors and the recipient see every shipment (all go to the recipient); a hub's operator
    those through its hub; a delegation those from its nation's offers.
    """
    scope = scope_of(actor)
    if scope.all_allocations:
        return (True, False, False), {}
    values: dict[str, Any] = {}
    if scope.hub_site_id is not None:
        values["scope_hub"] = scope.hub_site_id
    if scope.nation_id is not None:
        values["scope_nation"] = scope.nation_id
    return (False, "scope_hub" in values, "scope_nation" in values), values


def _visible(visibility: Visibility) -> ColumnElement[bool]:
    """The condition on Shipment (joined to Offer) for one shape of visibility, its values bound."""
    everything, by_hub, by_nation = visibility
    if everything:
        return true()
    conditions: list[ColumnElement[bool]] = []
    if by_hub:
        conditions.append(Shipment.hub_site_id == bindparam("scope_hub"))
    if by_nation:
        conditions.append(Offer.nation_id == bindparam("scope_nation"))
    return or_(*conditions) if conditions else false()


def _may_record(actor: Actor, kind: str, shipment: ShipmentView) -> bool:
    for role, kinds in EVENTS_BY_ROLE.items():
        if not actor.has(role) or kind not in kinds:
            continue
        if role == "hub_operator" and actor.hub_site_id != shipment.hub_site_id:
            continue
        if role == "nation_officer" and actor.nation_id != shipment.nation_id:
            continue
        return True
    return False


def _check_rights(actor: Actor, kind: str, shipment: ShipmentView) -> None:
    if _may_record(actor, kind, shipment):
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
        f"({shipment.shipment_id} is from {shipment.nation_id})",
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
#
# The statements below are built once per shape (which filters are on, what the actor may see) with
# their values as bind parameters, select columns rather than entities, and run on the session's
# connection: building and keying a statement afresh, and loading ORM objects, cost more CPU than the
# database takes to answer these small queries.

_VIEW_SOURCES: dict[str, Any] = {
    "shipment_id": Shipment.shipment_id,
    "plan_version": Plan.version,
    "allocation_id": Shipment.allocation_id,
    "offer_id": Shipment.offer_id,
    "nation_id": Offer.nation_id,
    "requirement_id": Shipment.requirement_id,
    "hub_site_id": Shipment.hub_site_id,
    "depart_week": PlanAllocation.depart_week,
    "hub_week": PlanAllocation.hub_week,
    "arrive_week": PlanAllocation.arrive_week,
    "quantity": Shipment.quantity,
    "status": Shipment.status,
    "quantity_received": Shipment.quantity_received,
    "quantity_damaged": Shipment.quantity_damaged,
    "quantity_lost": Shipment.quantity_lost,
    "delayed": Shipment.delayed,
    "created_at": Shipment.created_at,
    "updated_at": Shipment.updated_at,
}
"""The columns of a ShipmentView's fields (all but next_events), in the order of the fields, so that
`_view` can pass a row's values on by position; statements may add columns after these."""
assert tuple(_VIEW_SOURCES) == tuple(f.name for f in dataclasses.fields(ShipmentView))[: len(_VIEW_SOURCES)]

_VIEW_COLUMNS = tuple(_VIEW_SOURCES.values())
_STATUS = list(_VIEW_SOURCES).index("status")
_DELAYED = list(_VIEW_SOURCES).index("delayed")  # then created_at and updated_at: the values converted
_VIEW_WIDTH = len(_VIEW_COLUMNS)

_Query: TypeAlias = "Select[*tuple[Any, ...]]"

_EVENT_VIEW_COLUMNS = tuple(getattr(ShipmentEvent, f.name) for f in dataclasses.fields(EventView))
"""An EventView's columns (its fields are the table's columns), in the order of its fields."""
_RECORDED_AT = [f.name for f in dataclasses.fields(EventView)].index("recorded_at")

_NEXT_EVENTS = {state: SHIPMENT.allowed(state) for state in SHIPMENT.states}


def _next_events(status: str) -> tuple[str, ...]:
    return _NEXT_EVENTS.get(status) or SHIPMENT.allowed(status)


def _view_query(*where: ColumnElement[bool]) -> _Query:
    return (
        select(*_VIEW_COLUMNS)
        .select_from(Shipment)
        .join(Plan, Plan.plan_id == Shipment.plan_id)
        .join(PlanAllocation, PlanAllocation.allocation_id == Shipment.allocation_id)
        .join(Offer, Offer.offer_id == Shipment.offer_id)
        .where(*where)
    )


def _view(row: Sequence[Any]) -> ShipmentView:
    # By position: a quarter cheaper than by keyword, and a page makes one per row.
    d = _DELAYED
    fields = (*row[:d], bool(row[d]), _utc(row[d + 1]), _utc(row[d + 2]), _next_events(row[_STATUS]))
    return ShipmentView(*fields)


def _stored_event(row: Sequence[Any]) -> EventView:
    """An event read as `_EVENT_VIEW_COLUMNS`."""
    return EventView(*(*row[:_RECORDED_AT], _utc(row[_RECORDED_AT]), *row[_RECORDED_AT + 1 :]))


@dataclass(slots=True)
class _NewEvent:
    """An event before it is stored: the columns of ShipmentEvent, without an ORM object's cost."""

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


_EVENT_COLUMNS = tuple(f.name for f in dataclasses.fields(_NewEvent))


def _event_view(e: _NewEvent) -> EventView:
    assert e.event_id is not None  # new events are numbered before they are shown
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


_FILTERS = {
    "status": Shipment.status,
    "hub_site_id": Shipment.hub_site_id,
    "requirement_id": Shipment.requirement_id,
    "offer_id": Shipment.offer_id,
    "nation_id": Offer.nation_id,
}
"""The list's equality filters: argument name -> column (bound as `f_<name>`)."""

_SEARCHED = (Shipment.shipment_id, Shipment.offer_id, Shipment.requirement_id, Shipment.hub_site_id)
_LIKE_ESCAPE = "/"


def _like_escaped(needle: str) -> str:
    # What `contains(..., autoescape=True)` does to a literal; a bound value must be escaped here.
    e = _LIKE_ESCAPE
    return needle.replace(e, e + e).replace("%", e + "%").replace("_", e + "_")


@functools.cache
def _page_queries(visibility: Visibility, filters: tuple[str, ...], search: bool) -> tuple[_Query, _Query]:
    """The list's page (with the total as a window count on every row) and its count on its own, for
    one shape: what the actor sees, the filters given (in `_FILTERS`' order) and whether `q` is."""
    where = [_visible(visibility), *(_FILTERS[name] == bindparam(f"f_{name}") for name in filters)]
    if search:
        where.append(or_(*(func.lower(c).contains(bindparam("q"), escape=_LIKE_ESCAPE) for c in _SEARCHED)))
    page = windowed(_view_query(*where), (Shipment.plan_id.asc(), Shipment.allocation_id.asc()))
    total = select(func.count()).select_from(Shipment).join(Offer, Offer.offer_id == Shipment.offer_id)
    return page, total.where(*where)


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
    visibility, values = _visibility(actor)
    given = {
        "status": status,
        "hub_site_id": hub_site_id,
        "requirement_id": requirement_id,
        "offer_id": offer_id,
        "nation_id": nation_id,
    }
    filters = tuple(name for name, value in given.items() if value is not None)
    values.update({f"f_{name}": given[name] for name in filters})
    if q:
        values["q"] = _like_escaped(q.strip().lower())
    page, count = _page_queries(visibility, filters, bool(q))
    rows = run_prebuilt(session, page, {**values, "limit": limit, "offset": offset}).all()
    # A page past the end has no row to carry the total: only then is it counted on its own.
    total = rows[0][_VIEW_WIDTH] if rows else run_prebuilt(session, count, values).scalar()
    return ShipmentPage(
        items=tuple(_view(r) for r in rows), total=int(total or 0), limit=limit, offset=offset
    )


@functools.cache
def _timeline_query(visibility: Visibility) -> _Query:
    """A shipment's view on every row, with one event per row (oldest first; None for none): one
    round trip for the timeline."""
    return (
        _view_query(Shipment.shipment_id == bindparam("shipment_id"), _visible(visibility))
        .add_columns(*_EVENT_VIEW_COLUMNS)
        .outerjoin(ShipmentEvent, ShipmentEvent.shipment_id == Shipment.shipment_id)
        .order_by(ShipmentEvent.event_id)
    )


def get_shipment(session: Session, *, actor: Actor, shipment_id: str) -> ShipmentDetail:
    """One shipment with its events; NotFound if it does not exist or the actor may not see it."""
    visibility, values = _visibility(actor)
    rows = run_prebuilt(session, _timeline_query(visibility), {**values, "shipment_id": shipment_id}).all()
    if not rows:
        raise NotFound(f"shipment {shipment_id!r} does not exist")
    events = tuple(_stored_event(row[_VIEW_WIDTH:]) for row in rows if row[_VIEW_WIDTH] is not None)
    return ShipmentDetail(shipment=_view(rows[0]), events=events)


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
    stored: EventView | _NewEvent,
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


def _key_reused(idempotency_key: str, stored: EventView | _NewEvent) -> Conflict:
    where = f", event {stored.event_id}" if stored.event_id is not None else ""
    return Conflict(
        f"idempotency key {idempotency_key!r} was used for a different event "
        f"({stored.kind} on {stored.shipment_id}{where})",
        code="idempotency_key_reused",
    )


def _apply(
    shipment: ShipmentView, kind: str, quantity: int | None, now: dt.datetime
) -> tuple[ShipmentView, int | None]:
    """The locked `shipment` moved on by one event (checked), and the quantity the event records."""
    shipment_id = shipment.shipment_id
    new_status = SHIPMENT.next_state(shipment_id, shipment.status, kind)
    received, damaged, lost = shipment.quantity_received, shipment.quantity_damaged, shipment.quantity_lost
    open_units = shipment.quantity - received - damaged - lost
    if kind in QUANTITY_KINDS and quantity is not None and quantity > open_units:
        raise Conflict(
            f"shipment {shipment_id} has {open_units} of {shipment.quantity} units left "
            f"(received {received}, damaged {damaged}, lost {lost}): cannot record {quantity} {kind}",
            code="quantity_exceeds_remaining",
        )
    event_quantity = quantity if kind in QUANTITY_KINDS else None
    delayed = shipment.delayed
    if kind == "received":
        received += quantity or 0
    elif kind == "damaged":
        damaged += quantity or 0
    elif kind == "lost":
        lost += open_units
        event_quantity = open_units
    elif kind == "delayed":
        delayed = True
    # Made field by field: dataclasses.replace costs several times more, once per event of a batch.
    moved = ShipmentView(
        shipment_id=shipment_id,
        plan_version=shipment.plan_version,
        allocation_id=shipment.allocation_id,
        offer_id=shipment.offer_id,
        nation_id=shipment.nation_id,
        requirement_id=shipment.requirement_id,
        hub_site_id=shipment.hub_site_id,
        depart_week=shipment.depart_week,
        hub_week=shipment.hub_week,
        arrive_week=shipment.arrive_week,
        quantity=shipment.quantity,
        status=new_status,
        quantity_received=received,
        quantity_damaged=damaged,
        quantity_lost=lost,
        delayed=delayed,
        created_at=shipment.created_at,
        updated_at=now,
        next_events=_next_events(new_status),
    )
    return moved, event_quantity


_MOVED_COLUMNS = ("status", "quantity_received", "quantity_damaged", "quantity_lost", "delayed", "updated_at")
"""What events change in a shipment's row."""


def _state(shipment: ShipmentView) -> dict[str, Any]:
    """The values of `_MOVE` that leave the shipment's row as `shipment` shows it."""
    return {
        "s_shipment_id": shipment.shipment_id,
        "s_status": shipment.status,
        "s_quantity_received": shipment.quantity_received,
        "s_quantity_damaged": shipment.quantity_damaged,
        "s_quantity_lost": shipment.quantity_lost,
        "s_delayed": shipment.delayed,
        "s_updated_at": shipment.updated_at,
    }


_SHIPMENTS_TABLE: Table = Shipment.__table__  # type: ignore[assignment]  # a Table, typed as FromClause
_EVENTS_TABLE: Table = ShipmentEvent.__table__  # type: ignore[assignment]  # a Table, typed as FromClause

# The bound names have prefixes: names of columns would also make SQLAlchemy set those columns, in
# the CTE's UPDATE too.
_MOVE = (
    update(_SHIPMENTS_TABLE)
    .where(_SHIPMENTS_TABLE.c.shipment_id == bindparam("s_shipment_id"))
    .values({name: bindparam(f"s_{name}") for name in _MOVED_COLUMNS})
)
_ADD_EVENT = (
    insert(_EVENTS_TABLE)
    .values({name: bindparam(f"e_{name}") for name in _EVENT_COLUMNS if name != "event_id"})
    .returning(_EVENTS_TABLE.c.event_id)
)
_MOVE_AND_ADD_EVENT = _ADD_EVENT.add_cte(_MOVE.cte("moved"))
"""`_MOVE` and `_ADD_EVENT` in one round trip, for PostgreSQL (SQLite has no UPDATE in a WITH)."""


_MOVED = (
    func.unnest(
        *(
            bindparam(f"s_{name}", type_=ARRAY(_SHIPMENTS_TABLE.c[name].type))
            for name in ("shipment_id", *_MOVED_COLUMNS)
        )
    )
    .table_valued("shipment_id", *_MOVED_COLUMNS, name="moved")
    .render_derived()
)
_MOVE_MANY = (
    update(_SHIPMENTS_TABLE)
    .values({name: _MOVED.c[name] for name in _MOVED_COLUMNS})
    .where(_SHIPMENTS_TABLE.c.shipment_id == _MOVED.c.shipment_id)
)
"""`_MOVE` of many shipments as one statement, for PostgreSQL: each column's values bound as an array
(an executemany costs a bound statement per row, on both sides)."""


def _move(session: Session, shipments: Sequence[ShipmentView]) -> None:
    """Write the shipments' rows as the views show them."""
    rows = [_state(shipment) for shipment in shipments]
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_MOVE_MANY, {key: [row[key] for row in rows] for key in rows[0]})
    else:
        connection.execute(_MOVE, rows)


def _refuse_unstorable(event: _NewEvent) -> None:
    """Refuse what the event's columns cannot hold, as db.column_limits does on every ORM flush (this
    insert has none): text too long, NUL or lone surrogates, whole numbers out of range (422)."""
    # The check's own rules, on an ORM object that is never added to the session (so both answer alike).
    row = ShipmentEvent(**{name: getattr(event, name) for name in _EVENT_COLUMNS if name != "event_id"})
    problems = column_limits._problems(row)
    if problems:
        raise ValidationFailed(
            "the change cannot be stored: " + "; ".join(str(p) for p in problems[:10]), problems
        )


def _add_event(session: Session, shipment: ShipmentView, event: _NewEvent) -> int:
    """Write the shipment's row as `shipment` shows it and insert `event`; the event's id."""
    values = _state(shipment)
    values.update({f"e_{name}": getattr(event, name) for name in _EVENT_COLUMNS if name != "event_id"})
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return int(connection.execute(_MOVE_AND_ADD_EVENT, values).scalar_one())
    connection.execute(_MOVE, values)
    return int(connection.execute(_ADD_EVENT, values).scalar_one())


def _forget(session: Session, shipment_ids: Iterable[str]) -> None:
    """Expire the session's loaded Shipment objects among `shipment_ids`, whose rows were just changed
    by Core statements the ORM does not see: they reload on their next use, as after a flush."""
    if not session.identity_map:
        return
    for shipment_id in shipment_ids:
        loaded = session.identity_map.get(identity_key(Shipment, (shipment_id,)))
        if loaded is not None:
            session.expire(loaded)


@functools.cache
def _locking_query(visibility: Visibility, by_key: bool) -> _Query:
    """The shipment's view, its row locked, and with `by_key` the event stored under the key if any."""
    query = _view_query(Shipment.shipment_id == bindparam("shipment_id"), _visible(visibility))
    if by_key:
        query = query.add_columns(*_EVENT_VIEW_COLUMNS).outerjoin(
            ShipmentEvent, ShipmentEvent.idempotency_key == bindparam("idempotency_key")
        )
    return query.with_for_update(of=Shipment)


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
    visibility, values = _visibility(actor)
    by_key = idempotency_key is not None
    query = _locking_query(visibility, by_key)
    values.update(shipment_id=shipment_id, idempotency_key=idempotency_key)
    row = run_prebuilt(session, query, values).first()  # the view's columns, then the stored event's if asked
    if row is None:
        raise NotFound(f"shipment {shipment_id!r} does not exist")
    before = _view(row)
    _check_rights(actor, kind, before)
    if by_key and row[_VIEW_WIDTH] is not None:
        assert idempotency_key is not None
        stored = _stored_event(row[_VIEW_WIDTH:])
        if not _same_request(stored, shipment_id, kind, week, quantity, signatory, note):
            raise _key_reused(idempotency_key, stored)
        return RecordedEvent(event=stored, shipment=before, replayed=True)

    if if_match is not None:
        check_if_match(f"shipment {shipment_id!r}", if_match, before)
    now = _now()
    after, event_quantity = _apply(before, kind, quantity, now)
    event = _NewEvent(
        event_id=None,
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
    _refuse_unstorable(event)
    try:
        event.event_id = _add_event(session, after, event)
    except IntegrityError:
        # Only a key used at the same moment for another shipment gets here (this shipment is locked).
        # The transaction is spoilt; raising ends it (the session boundary rolls back).
        raise Conflict(
            f"idempotency key {idempotency_key!r} was used for a different event at the same time",
            code="idempotency_key_reused",
        ) from None
    _forget(session, (shipment_id,))
    recorded = RecordedEvent(event=_event_view(event), shipment=after, replayed=False)
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


def _among(dialect: str, column: Any, name: str) -> ColumnElement[bool]:
    """`column IN` the list bound as `name`; on PostgreSQL one array parameter instead of one parameter
    per value, so that a batch's statements stay short (psycopg parses every long statement anew)."""
    condition: ColumnElement[bool]
    if dialect == "postgresql":
        condition = column == any_(bindparam(name, type_=ARRAY(String)))
    else:
        condition = column.in_(bindparam(name, expanding=True))
    return condition


@functools.cache
def _batch_queries(dialect: str, visibility: Visibility) -> tuple[_Query, _Query]:
    """A batch's shipments (the views of those the actor sees, their rows locked in id order) and the
    events stored under its keys."""
    locking = (
        _view_query(_among(dialect, Shipment.shipment_id, "shipment_ids"), _visible(visibility))
        .order_by(Shipment.shipment_id)
        .with_for_update(of=Shipment)
    )
    stored = select(*_EVENT_VIEW_COLUMNS).where(_among(dialect, ShipmentEvent.idempotency_key, "keys"))
    return locking, stored


# The sequence is looked up once (a subquery), not once per id: a thousand lookups cost 5 ms, under
# the batch's row locks.
_NEXT_EVENT_IDS = text(
    "SELECT nextval((SELECT pg_get_serial_sequence('shipment_events', 'event_id')::regclass)) "
    "FROM generate_series(1, :n)"
)
_LAST_EVENT_ID = select(func.max(ShipmentEvent.event_id))


def _new_event_ids(session: Session, count: int) -> list[int]:
    """`count` fresh event ids, ascending, so that a batch's events go in at once (no RETURNING).

    On PostgreSQL from the column's sequence; on SQLite, whose write transaction holds the database's
    write lock from its start, after the largest id (what SQLite itself would assign).
    """
    if session.get_bind().dialect.name == "postgresql":
        return sorted(int(i) for i in run_prebuilt(session, _NEXT_EVENT_IDS, {"n": count}).scalars())
    last = int(run_prebuilt(session, _LAST_EVENT_ID, {}).scalar() or 0)
    return list(range(last + 1, last + 1 + count))


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
    dialect = session.get_bind().dialect.name
    visibility, values = _visibility(actor)
    locking, stored_query = _batch_queries(dialect, visibility)
    # Lock the batch's shipments in one statement, in id order: two batches sharing shipments queue
    # instead of deadlocking, and the audit head is locked after them, as record_event does. Those the
    # actor may not see are not locked: an event on one refuses the batch.
    values["shipment_ids"] = sorted({e.shipment_id for e in events})
    current = {view.shipment_id: view for view in map(_view, run_prebuilt(session, locking, values))}
    keys = sorted({e.idempotency_key for e in events})
    found = run_prebuilt(session, stored_query, {"keys": keys})
    stored = {event.idempotency_key: event for event in map(_stored_event, found)}
    now = _now()
    steps: list[tuple[_NewEvent, ShipmentView, ShipmentView]] = []  # new events: before and after
    step_of_key: dict[str, int] = {}
    # Each event's outcome: the new event's step, or a replay of a stored event or of an earlier step,
    # with the shipment as it is at that point of the batch.
    outcomes: list[tuple[int | EventView, ShipmentView | None]] = []
    for index, e in enumerate(events):
        signatory = e.signatory.strip() if e.signatory is not None else None
        try:
            view = current.get(e.shipment_id)
            if view is None:
                raise NotFound(f"shipment {e.shipment_id!r} does not exist")
            _check_rights(actor, e.kind, view)
            # A key seen before: an earlier event of this batch, or one stored by an earlier request.
            step = step_of_key.get(e.idempotency_key)
            same = steps[step][0] if step is not None else stored.get(e.idempotency_key)
            if same is not None:
                if not _same_request(same, e.shipment_id, e.kind, e.week, e.quantity, signatory, e.note):
                    raise _key_reused(e.idempotency_key, same)
                outcomes.append((step, view) if step is not None else (stored[e.idempotency_key], view))
                continue
            after, event_quantity = _apply(view, e.kind, e.quantity, now)
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
        current[e.shipment_id] = after
        step_of_key[e.idempotency_key] = len(steps)
        outcomes.append((len(steps), None))
        steps.append((event, view, after))
    if steps:
        # Every moved shipment's row as the batch leaves it, then the events: plain values (never
        # added to the session), numbered up front so that they go in at once (COPY on PostgreSQL)
        # instead of one INSERT … RETURNING each.
        moved = {after.shipment_id: after for _, _, after in steps}
        _move(session, list(moved.values()))
        _forget(session, moved)
        for (event, _, _), event_id in zip(steps, _new_event_ids(session, len(steps)), strict=True):
            event.event_id = event_id
        try:
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
        if isinstance(what, EventView):
            assert replayed_on is not None
            results.append(RecordedEvent(event=what, shipment=replayed_on, replayed=True))
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
