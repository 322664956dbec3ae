"""Use cases of the requirements domain: the recipient's prioritised list and each line's life.

A requirement is `open` until it is cancelled; edits and reprioritisation are allowed only while it is
open (the state machine below, written once). Its values obey the Scenario Data Package's rules
(`scenario.io`'s own, applied to the one record with the item and site it refers to and the loaded
dataset's horizon), so the API, the CLI and a package load never disagree about what is valid.

Invariant: no requirement is over-filled. Its quantity never drops below the units the approved plan
allocates to it (allocations not invalidated); an edit that would is a Conflict (409). The row is
locked while it changes (SELECT … FOR UPDATE on PostgreSQL; SQLite's write session already holds the
database's write lock from BEGIN IMMEDIATE).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, bindparam, false, func, select, update
from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role
from aidcoord.audit import service as audit
from aidcoord.catalog import service as catalog
from aidcoord.catalog.models import Item as ItemRow
from aidcoord.dataset.models import Dataset
from aidcoord.db.listing import sort_order, window_problems, windowed
from aidcoord.db.rows import delete_rows, insert_rows, select_rows
from aidcoord.errors import Conflict, NotFound, Problem, ValidationFailed, refuse_invalid
from aidcoord.etags import check_if_match
from aidcoord.plans.models import Plan, PlanAllocation
from aidcoord.requirements.models import Requirement as RequirementRow
from aidcoord.scenario.io import TABLES, record_problems
from aidcoord.scenario.model import PlanningSettings, Requirement
from aidcoord.sites import service as sites
from aidcoord.statemachine import StateMachine

REQUIREMENT = StateMachine(
    "requirement",
    {
        "open": {"edit": "open", "reprioritise": "open", "cancel": "cancelled"},
        "cancelled": {},
    },
)
"""Every requirement transition: edits keep it open; cancelled is final."""

STATUSES: tuple[str, ...] = ("open", "cancelled")
WRITERS: tuple[str, ...] = ("coordinator", "recipient_officer")
"""Who may change the list: the coordination cell and the recipient's officers."""

EDIT_FIELDS: tuple[str, ...] = ("quantity", "due_week", "delivery_site_id", "item_id", "weight")
"""What an edit may change (priority and weight also through `reprioritise`)."""

CANCEL_REASON_KEY = "cancellation_reason"
"""Where a cancellation's reason is kept: the row's extra columns, so that an export carries it."""

SORT_KEYS: tuple[str, ...] = ("requirement_id", "priority", "due_week", "weight", "quantity")
"""What a list may be sorted by (prefix `-` for descending); ties are broken by id."""


@dataclass(frozen=True, slots=True)
class PriorityCount:
    """How many requirement lines and units a priority class holds."""

    priority: int
    lines: int
    units: int


@dataclass(frozen=True, slots=True)
class RequirementView:
    """A requirement with its life (status, replan flag, what may follow) and its approved allocation."""

    requirement_id: str
    item_id: str
    capability: str
    quantity: int
    priority: int
    weight: float
    due_week: int
    delivery_site_id: str
    status: str
    replan_needed: bool
    allocated: int
    """Units the approved plan allocates to it (allocations not invalidated)."""
    allowed_actions: tuple[str, ...]
    extra: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class RequirementPage:
    """A page of requirements and how many match in all."""

    items: tuple[RequirementView, ...]
    total: int
    limit: int
    offset: int


# --- the bulk use cases the dataset load and the planner use ----------------------------------------


def add_many(session: Session, *, actor: Actor, requirements: Iterable[Requirement]) -> int:
    """Add requirements (coordinators and the recipient's officers); return how many."""
    require_role(actor, *WRITERS)
    return insert_rows(session, RequirementRow, requirements)


def list_all(session: Session, *, actor: Actor) -> list[Requirement]:
    """All requirements, by id, whatever their status (the scenario's rows)."""
    del actor  # every participant sees the recipient's list
    return select_rows(session, RequirementRow, Requirement, ["requirement_id"])


def by_priority(session: Session, *, actor: Actor) -> list[PriorityCount]:
    """Open requirement lines and units per priority class, most urgent first."""
    del actor
    query = (
        select(RequirementRow.priority, func.count(), func.sum(RequirementRow.quantity))
        .where(RequirementRow.status == "open")
        .group_by(RequirementRow.priority)
        .order_by(RequirementRow.priority)
    )
    return [PriorityCount(int(p), int(n), int(u or 0)) for p, n, u in session.execute(query)]


def cancelled_ids(session: Session, *, actor: Actor) -> frozenset[str]:
    """The ids of cancelled requirements (the planner leaves them out)."""
    del actor
    query = select(RequirementRow.requirement_id).where(RequirementRow.status == "cancelled")
    return frozenset(session.scalars(query))


def mark_replan_needed(session: Session, *, actor: Actor, requirement_ids: Iterable[str]) -> int:
    """Flag requirements whose planned supply went away (an offer's withdrawal); return how many.

    A consequence of another use case, whose caller has checked the actor's rights.
    """
    del actor
    ids = sorted(set(requirement_ids))
    if not ids:
        return 0
    result = session.execute(
        update(RequirementRow).where(RequirementRow.requirement_id.in_(ids)).values(replan_needed=True)
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def clear_replan_needed(session: Session, *, actor: Actor) -> int:
    """Clear every requirement's replan flag (a new plan has been stored); return how many were set."""
    del actor
    result = session.execute(
        update(RequirementRow).where(RequirementRow.replan_needed.is_(True)).values(replan_needed=False)
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def clear(session: Session, *, actor: Actor) -> None:
    """Delete all requirements (coordinators only; when a scenario is replaced)."""
    require_role(actor, "coordinator")
    delete_rows(session, RequirementRow)


# --- one requirement ---------------------------------------------------------------------------------


def _allocated_units() -> Any:
    """Units per requirement in the approved plan, allocations not invalidated (a subquery)."""
    return (
        select(
            PlanAllocation.requirement_id.label("requirement_id"),
            func.sum(PlanAllocation.quantity).label("units"),
        )
        .join(Plan, Plan.plan_id == PlanAllocation.plan_id)
        .where(Plan.status == "approved", PlanAllocation.invalidated.is_(false()))
        .group_by(PlanAllocation.requirement_id)
        .subquery("allocated")
    )


_VIEW_FIELDS: tuple[str, ...] = (
    "requirement_id",
    "item_id",
    "quantity",
    "priority",
    "weight",
    "due_week",
    "delivery_site_id",
    "status",
    "replan_needed",
    "extra",
)


def _view_query(where: Sequence[ColumnElement[bool]] = ()) -> Any:
    # Columns, not entities: a view is built from plain rows, with no ORM loading per row.
    allocated = _allocated_units()
    return (
        select(
            *(getattr(RequirementRow, name) for name in _VIEW_FIELDS),
            ItemRow.capability,
            func.coalesce(allocated.c.units, 0).label("allocated"),
        )
        .join(ItemRow, ItemRow.item_id == RequirementRow.item_id)
        .outerjoin(allocated, allocated.c.requirement_id == RequirementRow.requirement_id)
        .where(*where)
    )


def _view(row: Any) -> RequirementView:
    return RequirementView(
        requirement_id=row.requirement_id,
        item_id=row.item_id,
        capability=row.capability,
        quantity=row.quantity,
        priority=row.priority,
        weight=row.weight,
        due_week=row.due_week,
        delivery_site_id=row.delivery_site_id,
        status=row.status,
        replan_needed=bool(row.replan_needed),
        allocated=int(row.allocated),
        allowed_actions=REQUIREMENT.allowed(row.status),
        extra=dict(row.extra or {}),
    )


_ONE = _view_query([RequirementRow.requirement_id == bindparam("requirement_id")])
"""One requirement's view, built once (its cache key is memoised on the statement)."""


def get(session: Session, *, actor: Actor, requirement_id: str) -> RequirementView:
    """One requirement; NotFound if there is none with that id."""
    del actor  # every participant sees the recipient's list
    found = session.execute(_ONE, {"requirement_id": requirement_id}).first()
    if found is None:
        raise NotFound(f"requirement {requirement_id!r} does not exist")
    return _view(found)


@functools.cache
def _page_query(capability: bool, priority: bool, status: bool, replan_needed: bool | None, sort: str) -> Any:
    """A page of views for one shape of the list's filters (values are bound when it runs).

    One statement per shape, made once: the list is the busiest read, and a statement built per call
    costs more to key for SQLAlchemy's compiled cache than to run. The total comes with every row as
    a window count, which saves a round trip.
    """
    where: list[ColumnElement[bool]] = []
    if capability:
        where.append(ItemRow.capability == bindparam("capability"))
    if priority:
        where.append(RequirementRow.priority == bindparam("priority"))
    if status:
        where.append(RequirementRow.status == bindparam("status"))
    if replan_needed is not None:
        where.append(RequirementRow.replan_needed.is_(replan_needed))
    order = sort_order(sort, {key: getattr(RequirementRow, key) for key in SORT_KEYS}, "requirement_id")
    total = (
        select(func.count())
        .select_from(RequirementRow)
        .join(ItemRow, ItemRow.item_id == RequirementRow.item_id)
        .where(*where)
    )
    return windowed(_view_query(where), order), total


def list_requirements(
    session: Session,
    *,
    actor: Actor,
    capability: str | None = None,
    priority: int | None = None,
    status: str | None = None,
    replan_needed: bool | None = None,
    sort: str = "requirement_id",
    limit: int = 50,
    offset: int = 0,
) -> RequirementPage:
    """A page of requirements matching the filters, sorted by `sort` (`-` prefix: descending)."""
    del actor  # every participant sees the recipient's list
    if status is not None and status not in STATUSES:
        message = f"status must be one of {', '.join(STATUSES)}, got {status!r}"
        raise ValidationFailed(message, [Problem(message, column="status")])
    # The sort key is checked before it becomes part of a cached shape.
    sort_order(sort, {key: getattr(RequirementRow, key) for key in SORT_KEYS}, "requirement_id")
    refuse_invalid("the requirement list's window", window_problems(limit, offset))
    page_query, total_query = _page_query(
        capability is not None, priority is not None, status is not None, replan_needed, sort
    )
    values = {"capability": capability, "priority": priority, "status": status}
    bound = {k: v for k, v in values.items() if v is not None}
    rows = session.execute(page_query, {**bound, "limit": limit, "offset": offset}).all()
    # A page past the end has no row to carry the total: only then is it counted on its own.
    total = rows[0].total if rows else session.execute(total_query, bound).scalar()
    return RequirementPage(
        items=tuple(_view(row) for row in rows),
        total=int(total or 0),
        limit=limit,
        offset=offset,
    )


# --- changes -----------------------------------------------------------------------------------------


def _settings(session: Session) -> PlanningSettings:
    # The loaded dataset's one row (read only): the horizon that due weeks must fall inside.
    row = session.get(Dataset, 1)
    if row is None:
        raise Conflict("no scenario is loaded: run `aidcoord scenario load DIR|nsatu` first")
    return PlanningSettings(start_date=row.start_date, horizon_weeks=row.horizon_weeks)


def _problems(session: Session, actor: Actor, requirement: Requirement) -> list[Problem]:
    """What `scenario.io`'s rules say about one requirement, given its item, site and the horizon."""
    tables: dict[str, Any] = {t.resource: () for t in TABLES}
    with contextlib.suppress(NotFound):
        tables["items"] = (catalog.get_item(session, actor=actor, item_id=requirement.item_id),)
    with contextlib.suppress(NotFound):
        tables["sites"] = (sites.get_site(session, actor=actor, site_id=requirement.delivery_site_id),)
    del tables["requirements"]
    return record_problems("requirements", requirement, settings=_settings(session), **tables)


def _locked(
    session: Session, actor: Actor, requirement_id: str, if_match: str | None = None
) -> RequirementRow:
    """The requirement's row, locked for this transaction; NotFound if there is none.

    With `if_match`, PreconditionFailed (412) unless it names the requirement's current ETag: checked
    after the lock, so no concurrent change slips between the check and the write.
    """
    row = session.scalars(
        select(RequirementRow).where(RequirementRow.requirement_id == requirement_id).with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"requirement {requirement_id!r} does not exist")
    if if_match is not None:
        view = get(session, actor=actor, requirement_id=requirement_id)
        check_if_match(f"requirement {requirement_id!r}", if_match, view)
    return row


def _allocated_to(session: Session, requirement_id: str) -> int:
    query = (
        select(func.coalesce(func.sum(PlanAllocation.quantity), 0))
        .join(Plan, Plan.plan_id == PlanAllocation.plan_id)
        .where(
            Plan.status == "approved",
            PlanAllocation.invalidated.is_(false()),
            PlanAllocation.requirement_id == requirement_id,
        )
    )
    return int(session.scalar(query) or 0)


def _record(row: RequirementRow) -> Requirement:
    return Requirement(
        requirement_id=row.requirement_id,
        item_id=row.item_id,
        quantity=row.quantity,
        priority=row.priority,
        weight=row.weight,
        due_week=row.due_week,
        delivery_site_id=row.delivery_site_id,
        extra=dict(row.extra or {}),
    )


def create(
    session: Session,
    *,
    actor: Actor,
    item_id: str,
    quantity: int,
    priority: int,
    weight: float,
    due_week: int,
    delivery_site_id: str,
    requirement_id: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> RequirementView:
    """Add an open requirement (coordinators and recipient officers).

    Without an id one is made (`REQ-` and 8 hex digits). ValidationFailed names every bad field (the
    item and delivery site must exist, the site be a `delivery` site, the due week inside the loaded
    dataset's horizon); Conflict if the id is taken.
    """
    require_role(actor, *WRITERS)
    rid = requirement_id if requirement_id is not None else f"REQ-{uuid.uuid4().hex[:8].upper()}"
    record = Requirement(
        requirement_id=rid,
        item_id=item_id,
        quantity=quantity,
        priority=priority,
        weight=weight,
        due_week=due_week,
        delivery_site_id=delivery_site_id,
        extra=dict(extra or {}),
    )
    refuse_invalid(f"requirement {rid!r}", _problems(session, actor, record))
    if session.get(RequirementRow, rid) is not None:
        raise Conflict(f"requirement {rid!r} already exists")
    session.add(RequirementRow(**_values(record), status="open", replan_needed=False))
    session.flush()
    view = get(session, actor=actor, requirement_id=rid)
    audit.record(
        session, actor=actor, action="requirement.create", entity="requirement", entity_id=rid, after=view
    )
    return view


def _values(record: Requirement) -> dict[str, Any]:
    values = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    values["extra"] = dict(values["extra"])
    return values


def edit(
    session: Session,
    *,
    actor: Actor,
    requirement_id: str,
    changes: Mapping[str, Any],
    if_match: str | None = None,
) -> RequirementView:
    """Change an open requirement's quantity, due week, delivery site, item or weight.

    Refused (409) when it is not open, when the quantity would fall below the units the approved plan
    allocates to it, and when the item or delivery site would change under allocated units (the
    allocations would no longer fit it). ValidationFailed names every bad field. With `if_match`,
    PreconditionFailed (412) unless it is the requirement's current ETag.
    """
    require_role(actor, *WRITERS)
    fixed = [
        Problem(f"{name} cannot be changed here", column=name) for name in changes if name not in EDIT_FIELDS
    ]
    refuse_invalid(f"requirement {requirement_id!r}", fixed)
    return _change(session, actor, requirement_id, "edit", changes, if_match)


def reprioritise(
    session: Session,
    *,
    actor: Actor,
    requirement_id: str,
    priority: int,
    weight: float | None = None,
    if_match: str | None = None,
) -> RequirementView:
    """Move an open requirement to another priority class (and weight); 409 unless it is open, 412
    when `if_match` is given and is not its current ETag."""
    require_role(actor, *WRITERS)
    changes: dict[str, Any] = {"priority": priority}
    if weight is not None:
        changes["weight"] = weight
    return _change(session, actor, requirement_id, "reprioritise", changes, if_match)


def _change(
    session: Session,
    actor: Actor,
    requirement_id: str,
    action: str,
    changes: Mapping[str, Any],
    if_match: str | None,
) -> RequirementView:
    row = _locked(session, actor, requirement_id, if_match)
    REQUIREMENT.next_state(requirement_id, row.status, action)
    before = get(session, actor=actor, requirement_id=requirement_id)
    current = _record(row)
    updated = dataclasses.replace(current, **dict(changes))
    refuse_invalid(f"requirement {requirement_id!r}", _problems(session, actor, updated))
    allocated = _allocated_to(session, requirement_id)
    if allocated:
        if updated.quantity < allocated:
            raise Conflict(
                f"requirement {requirement_id!r}: the approved plan allocates {allocated} units to it, "
                f"so its quantity cannot fall to {updated.quantity}; replan first"
            )
        moved = [
            name
            for name in ("item_id", "delivery_site_id")
            if getattr(updated, name) != getattr(current, name)
        ]
        if moved:
            raise Conflict(
                f"requirement {requirement_id!r}: the approved plan allocates {allocated} units to it, "
                f"so its {' and '.join(moved)} cannot change; replan first"
            )
    for name, value in changes.items():
        setattr(row, name, value)
    session.flush()
    view = get(session, actor=actor, requirement_id=requirement_id)
    audit.record(
        session,
        actor=actor,
        action=f"requirement.{action}",
        entity="requirement",
        entity_id=requirement_id,
        before=before,
        after=view,
    )
    return view


def cancel(
    session: Session,
    *,
    actor: Actor,
    requirement_id: str,
    reason: str | None = None,
    if_match: str | None = None,
) -> RequirementView:
    """Cancel an open requirement (final); the next plan leaves it out.

    The reason, if any, is kept in its extra columns (`cancellation_reason`). Units the approved plan
    allocates to it stay planned until the next plan; the requirement is flagged `replan_needed`.
    With `if_match`, PreconditionFailed (412) unless it is the requirement's current ETag.
    """
    require_role(actor, *WRITERS)
    row = _locked(session, actor, requirement_id, if_match)
    before = get(session, actor=actor, requirement_id=requirement_id)
    row.status = REQUIREMENT.next_state(requirement_id, row.status, "cancel")
    text = (reason or "").strip()
    if text:
        row.extra = {**(row.extra or {}), CANCEL_REASON_KEY: text}
    if _allocated_to(session, requirement_id):
        row.replan_needed = True
    session.flush()
    view = get(session, actor=actor, requirement_id=requirement_id)
    audit.record(
        session,
        actor=actor,
        action="requirement.cancel",
        entity="requirement",
        entity_id=requirement_id,
        before=before,
        after=view,
        reason=text or None,
    )
    return view
