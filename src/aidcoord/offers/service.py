"""Use cases of the offers domain: nations' pledges, their life, value and provenance.

An offer is `announced`, then `committed` (only committed offers are planned), and may be withdrawn
from either; withdrawn is final. Announced and committed offers may be amended. The state machine
below is the one place these rules are written.

Invariant: allocated ≤ offered. An amendment may not take an offer's quantity below the units the
approved plan allocates from it (allocations not invalidated), nor move its origin or make it available
later than an allocation departs; such an amendment is a Conflict (409). The offer's row is locked while
it changes (SELECT … FOR UPDATE on PostgreSQL; on SQLite the write session's BEGIN IMMEDIATE already
holds the database's write lock). Withdrawing an allocated offer invalidates its allocations and flags
the requirements they served `replan_needed`, so that the next plan replaces that supply.

Visibility: coordinators, auditors and actors without a nation see every offer; an actor acting for a
nation (a nation officer) sees and changes that nation's offers only — another nation's offer is
NotFound to it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    Text,
    bindparam,
    cast,
    false,
    func,
    select,
    true,
)
from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role, scope_of
from aidcoord.audit import service as audit
from aidcoord.catalog import service as catalog
from aidcoord.catalog.models import Item as ItemRow
from aidcoord.db.listing import sort_order, window_problems, windowed
from aidcoord.db.rows import delete_rows, insert_rows, run_prebuilt, select_rows
from aidcoord.errors import Conflict, Forbidden, NotFound, Problem, ValidationFailed, refuse_invalid
from aidcoord.etags import check_if_match
from aidcoord.nations import service as nations
from aidcoord.offers.models import Offer as OfferRow
from aidcoord.plans.models import Plan, PlanAllocation
from aidcoord.requirements import service as requirements
from aidcoord.scenario.io import TABLES, record_problems
from aidcoord.scenario.model import OFFER_STATUSES, Offer
from aidcoord.sites import service as sites
from aidcoord.statemachine import StateMachine

OFFER = StateMachine(
    "offer",
    {
        "announced": {"amend": "announced", "commit": "committed", "withdraw": "withdrawn"},
        "committed": {"amend": "committed", "withdraw": "withdrawn"},
        "withdrawn": {},
    },
)
"""Every offer transition: amendments keep the state; withdrawn is final."""

VALUATION_METHODS: tuple[str, ...] = ("market", "replacement", "book")
WRITERS: tuple[str, ...] = ("coordinator", "nation_officer")
"""Who may change offers: the coordination cell, and a nation's officers for that nation's offers."""

AMEND_FIELDS: tuple[str, ...] = (
    "quantity",
    "available_week",
    "origin_site_id",
    "value_eur",
    "valuation_method",
    "source",
)
"""What an amendment may change."""

SORT_KEYS: tuple[str, ...] = (
    "offer_id",
    "nation_id",
    "item_id",
    "quantity",
    "available_week",
    "status",
    "value_eur",
    "announced_on",
)
"""What a list may be sorted by (prefix `-` for descending); ties are broken by id."""


@dataclass(frozen=True, slots=True)
class PledgedValue:
    """Value (EUR) and mass (t) pledged for one capability, by offer status."""

    capability: str
    committed_eur: float
    announced_eur: float
    committed_t: float


@dataclass(frozen=True, slots=True)
class OfferView:
    """An offer with its value (stored, or quantity × the item's unit value), provenance and life."""

    offer_id: str
    nation_id: str
    item_id: str
    capability: str
    quantity: int
    available_week: int
    origin_site_id: str
    status: str
    value_eur: float
    value_computed: bool
    """True when no value was stated and `value_eur` is quantity × the catalogue's unit value."""
    valuation_method: str | None
    source: str | None
    announced_on: dt.date | None
    withdrawal_reason: str | None
    allocated: int
    """Units the approved plan allocates from it (allocations not invalidated)."""
    allowed_actions: tuple[str, ...]
    extra: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class OfferPage:
    """A page of offers and how many match in all."""

    items: tuple[OfferView, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """A withdrawn offer and the requirements whose planned supply it took away (now `replan_needed`)."""

    offer: OfferView
    affected_requirement_ids: tuple[str, ...]


Visibility = Literal["all", "nation", "none"]


def _visibility(actor: Actor) -> tuple[Visibility, str | None]:
    """Which offers the actor may see: all (cell, auditors), its nation's (delegations), else none.

    Everyone else sees offers only as totals (pledged_by_capability) and through the allocations and
    shipments their scope shows. Returns the kind and, for "nation", the nation's id.
    """
    scope = scope_of(actor)
    if scope.everything:
        return "all", None
    if scope.nation_id is not None:
        return "nation", scope.nation_id
    return "none", None


def _visible_where(kind: Visibility, nation_id: str | BindParameter[str] | None) -> ColumnElement[bool]:
    """The condition for a kind of `_visibility`: `nation_id` is its nation, or a bind parameter."""
    if kind == "all":
        return true()
    if kind == "nation":
        return OfferRow.nation_id == nation_id
    return false()


def _visible(actor: Actor) -> ColumnElement[bool]:
    """Which offers the actor may see, as a condition on the offers' rows (see `_visibility`)."""
    return _visible_where(*_visibility(actor))


_VISIBLE_NATION = "visible_nation_id"
"""The bind parameter that statements built once for every actor take the actor's nation in."""


def _visible_bound(kind: Visibility) -> ColumnElement[bool]:
    """`_visible_where` for a statement built once: the nation, if any, is bound when it runs."""
    return _visible_where(kind, bindparam(_VISIBLE_NATION))


def visible_ids(actor: Actor) -> Select[str]:
    """A subquery of the ids of the offers `actor` may see, for other domains to filter their rows by."""
    return select(OfferRow.offer_id).where(_visible(actor))


def unit_mass_by_offer(session: Session, *, actor: Actor) -> dict[str, float]:
    """Every offer's unit mass in kg, for totals (hub loads); not for showing offers one by one."""
    del actor  # totals are every participant's; callers aggregate before anything is shown
    query = select(OfferRow.offer_id, ItemRow.unit_mass_kg).join(ItemRow, ItemRow.item_id == OfferRow.item_id)
    return {str(offer_id): float(mass) for offer_id, mass in session.execute(query)}


# --- the bulk use cases the dataset load and the planner use ----------------------------------------


def add_many(session: Session, *, actor: Actor, offers: Iterable[Offer]) -> int:
    """Add offers (coordinators only in bulk); return how many."""
    require_role(actor, "coordinator")
    return insert_rows(session, OfferRow, offers)


def list_all(session: Session, *, actor: Actor) -> list[Offer]:
    """The offers the actor may see, by id (a nation's officers see their own nation's only)."""
    return select_rows(session, OfferRow, Offer, ["offer_id"], where=[_visible(actor)])


def pledged_by_capability(session: Session, *, actor: Actor) -> list[PledgedValue]:
    """Committed and announced value per capability (totals, which every actor may see)."""
    del actor
    value = func.coalesce(OfferRow.value_eur, OfferRow.quantity * ItemRow.unit_value_eur)
    query = (
        select(
            ItemRow.capability,
            func.sum(value).filter(OfferRow.status == "committed"),
            func.sum(value).filter(OfferRow.status == "announced"),
            func.sum(OfferRow.quantity * ItemRow.unit_mass_kg / 1000.0).filter(
                OfferRow.status == "committed"
            ),
        )
        .join(ItemRow, ItemRow.item_id == OfferRow.item_id)
        .group_by(ItemRow.capability)
        .order_by(ItemRow.capability)
    )
    return [
        PledgedValue(str(cap), float(c or 0.0), float(a or 0.0), float(t or 0.0))
        for cap, c, a, t in session.execute(query)
    ]


def clear(session: Session, *, actor: Actor) -> None:
    """Delete all offers (coordinators only; when a scenario is replaced)."""
    require_role(actor, "coordinator")
    delete_rows(session, OfferRow)


# --- reading -----------------------------------------------------------------------------------------


def _value_expression() -> Any:
    return func.coalesce(OfferRow.value_eur, OfferRow.quantity * ItemRow.unit_value_eur)


def _view_query(where: Sequence[ColumnElement[bool]]) -> Any:
    allocated = (
        select(
            PlanAllocation.offer_id.label("offer_id"),
            func.sum(PlanAllocation.quantity).label("units"),
        )
        .join(Plan, Plan.plan_id == PlanAllocation.plan_id)
        .where(Plan.status == "approved", PlanAllocation.invalidated.is_(false()))
        .group_by(PlanAllocation.offer_id)
        .subquery("allocated")
    )
    # Columns, not entities: a view is built from plain rows, with no ORM loading per row.
    return (
        select(
            OfferRow.offer_id,
            OfferRow.nation_id,
            OfferRow.item_id,
            ItemRow.capability,
            OfferRow.quantity,
            OfferRow.available_week,
            OfferRow.origin_site_id,
            OfferRow.status,
            OfferRow.value_eur,
            ItemRow.unit_value_eur,
            OfferRow.valuation_method,
            OfferRow.source,
            OfferRow.announced_on,
            OfferRow.withdrawal_reason,
            # As text: see `_extra`.
            cast(OfferRow.extra, Text).label("extra"),
            func.coalesce(allocated.c.units, 0).label("allocated"),
        )
        .join(ItemRow, ItemRow.item_id == OfferRow.item_id)
        .outerjoin(allocated, allocated.c.offer_id == OfferRow.offer_id)
        .where(*where)
    )


def _value_of(quantity: int, value_eur: float | None, unit_value_eur: float) -> float:
    """The offer's stated value, or quantity × the item's unit value when none was stated."""
    return float(quantity * unit_value_eur if value_eur is None else value_eur)


def _extra(text: str | None) -> dict[str, Any]:
    """An offer's extra fields, from the JSON text `_view_query` selects."""
    # The driver would parse every row's JSON (a few µs each, a good part of a page's cost), though
    # nearly every offer's is the empty object: that one needs no parsing.
    return {} if text is None or text == "{}" else dict(json.loads(text) or {})


_VIEW_WIDTH = 16
"""How many leading columns of a row of `_view_query` a view is made of."""


def _view(row: Sequence[Any]) -> OfferView:
    """The view of a row of `_view_query` (further columns, such as a page's total, are ignored)."""
    # Unpacked by position: a Row's attribute access by name costs about 1 µs a column.
    (
        offer_id,
        nation_id,
        item_id,
        capability,
        quantity,
        available_week,
        origin_site_id,
        status,
        value_eur,
        unit_value_eur,
        valuation_method,
        source,
        announced_on,
        withdrawal_reason,
        extra,
        allocated,
    ) = row[:_VIEW_WIDTH]
    computed = value_eur is None
    return OfferView(
        offer_id=offer_id,
        nation_id=nation_id,
        item_id=item_id,
        capability=capability,
        quantity=quantity,
        available_week=available_week,
        origin_site_id=origin_site_id,
        status=status,
        value_eur=_value_of(quantity, value_eur, unit_value_eur),
        value_computed=computed,
        valuation_method=valuation_method,
        source=source,
        announced_on=announced_on,
        withdrawal_reason=withdrawal_reason,
        allocated=int(allocated),
        allowed_actions=OFFER.allowed(status),
        extra=_extra(extra),
    )


@functools.cache
def _one_query(visibility: Visibility) -> Any:
    """One offer's view for actors of one kind of visibility (the ids are bound when it runs).

    Built once: a statement built per call costs more to key for SQLAlchemy's compiled cache than to run.
    """
    return _view_query([OfferRow.offer_id == bindparam("offer_id"), _visible_bound(visibility)])


def get(session: Session, *, actor: Actor, offer_id: str) -> OfferView:
    """One offer the actor may see; NotFound otherwise (also for another nation's offer)."""
    kind, nation_id = _visibility(actor)
    found = run_prebuilt(
        session, _one_query(kind), {"offer_id": offer_id, _VISIBLE_NATION: nation_id}
    ).first()
    if found is None:
        raise NotFound(f"offer {offer_id!r} does not exist")
    return _view(found)


_FILTERS: tuple[tuple[str, Any], ...] = (
    ("nation_id", OfferRow.nation_id),
    ("item_id", OfferRow.item_id),
    ("capability", ItemRow.capability),
    ("status", OfferRow.status),
)
"""The list's optional filters: the bind parameter each one's value takes, and its column."""


@functools.cache
def _page_query(visibility: Visibility, filters: tuple[str, ...], sort: str) -> tuple[Any, Any]:
    """A page of views and its count, for one shape of the list (values are bound when it runs).

    One pair of statements per kind of visibility, set of filters and sort, made once: a statement
    built per call costs more to key for SQLAlchemy's compiled cache than to run. The page carries the
    total as a window count, which saves the count's round trip. An unknown sort raises
    ValidationFailed here, and functools.cache keeps no shape that raised.
    """
    columns = {
        key: _value_expression() if key == "value_eur" else getattr(OfferRow, key) for key in SORT_KEYS
    }
    order = sort_order(sort, columns, "offer_id")
    where = [_visible_bound(visibility)]
    where += [column == bindparam(name) for name, column in _FILTERS if name in filters]
    total = (
        select(func.count())
        .select_from(OfferRow)
        .join(ItemRow, ItemRow.item_id == OfferRow.item_id)
        .where(*where)
    )
    return windowed(_view_query(where), order), total


def list_offers(
    session: Session,
    *,
    actor: Actor,
    nation_id: str | None = None,
    item_id: str | None = None,
    capability: str | None = None,
    status: str | None = None,
    sort: str = "offer_id",
    limit: int = 50,
    offset: int = 0,
) -> OfferPage:
    """A page of the offers the actor may see matching the filters, sorted by `sort` (`-`: descending)."""
    problems = []
    if status is not None and status not in OFFER_STATUSES:
        problems.append(
            Problem(f"status must be one of {', '.join(OFFER_STATUSES)}, got {status!r}", column="status")
        )
    problems += window_problems(limit, offset)
    if problems:
        raise ValidationFailed("; ".join(p.message for p in problems), problems)
    values = {"nation_id": nation_id, "item_id": item_id, "capability": capability, "status": status}
    bound: dict[str, str | None] = {name: value for name, value in values.items() if value is not None}
    kind, visible_nation = _visibility(actor)
    page_query, total_query = _page_query(kind, tuple(bound), sort)
    bound[_VISIBLE_NATION] = visible_nation
    rows = run_prebuilt(session, page_query, {**bound, "limit": limit, "offset": offset}).all()
    # A page past the end has no row to carry the total: only then is it counted on its own.
    total = rows[0][_VIEW_WIDTH] if rows else run_prebuilt(session, total_query, bound).scalar()
    return OfferPage(
        items=tuple(_view(row) for row in rows), total=int(total or 0), limit=limit, offset=offset
    )


# --- changes -----------------------------------------------------------------------------------------


def _problems(session: Session, actor: Actor, offer: Offer) -> list[Problem]:
    """What `scenario.io`'s rules say about one offer, given its nation, item and origin."""
    tables: dict[str, Any] = {t.resource: () for t in TABLES}
    with contextlib.suppress(NotFound):
        tables["nations"] = (nations.get(session, actor=actor, nation_id=offer.nation_id),)
    with contextlib.suppress(NotFound):
        tables["items"] = (catalog.get_item(session, actor=actor, item_id=offer.item_id),)
    with contextlib.suppress(NotFound):
        tables["sites"] = (sites.get_site(session, actor=actor, site_id=offer.origin_site_id),)
    del tables["offers"]
    return record_problems("offers", offer, **tables)


def _valuation_problems(values: Mapping[str, Any]) -> list[Problem]:
    problems = []
    method = values.get("valuation_method")
    if "valuation_method" in values and method not in VALUATION_METHODS:
        problems.append(
            Problem(
                f"must be one of {', '.join(VALUATION_METHODS)}, got {method!r}", column="valuation_method"
            )
        )
    value = values.get("value_eur")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
        problems.append(Problem(f"must be a number ≥ 0 or left out, got {value!r}", column="value_eur"))
    return problems


def _may_write(actor: Actor, nation_id: str) -> None:
    """Coordinators write any offer; a nation officer only its own nation's."""
    require_role(actor, *WRITERS)
    if not actor.has("coordinator") and actor.nation_id != nation_id:
        raise Forbidden(f"{actor.user_id} may only change offers of its own nation, not {nation_id}'s")


def _locked(session: Session, actor: Actor, offer_id: str, if_match: str | None = None) -> OfferRow:
    """The offer's row, locked for this transaction; NotFound if the actor may not see it.

    With `if_match`, PreconditionFailed (412) unless it names the offer's current ETag: checked after
    the lock, so no concurrent change slips between the check and the write.
    """
    row = session.scalars(
        select(OfferRow).where(OfferRow.offer_id == offer_id, _visible(actor)).with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"offer {offer_id!r} does not exist")
    _may_write(actor, row.nation_id)
    if if_match is not None:
        check_if_match(f"offer {offer_id!r}", if_match, get(session, actor=actor, offer_id=offer_id))
    return row


def _approved_allocations(session: Session, offer_id: str) -> tuple[int, int | None]:
    """Units the approved plan allocates from the offer, and the earliest departure week."""
    query = (
        select(func.coalesce(func.sum(PlanAllocation.quantity), 0), func.min(PlanAllocation.depart_week))
        .join(Plan, Plan.plan_id == PlanAllocation.plan_id)
        .where(
            Plan.status == "approved",
            PlanAllocation.invalidated.is_(false()),
            PlanAllocation.offer_id == offer_id,
        )
    )
    units, first_departure = session.execute(query).one()
    return int(units or 0), (int(first_departure) if first_departure is not None else None)


def announce(
    session: Session,
    *,
    actor: Actor,
    nation_id: str,
    item_id: str,
    quantity: int,
    available_week: int,
    origin_site_id: str,
    valuation_method: str,
    value_eur: float | None = None,
    source: str | None = None,
    announced_on: dt.date | None = None,
    offer_id: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> OfferView:
    """Record a nation's announced pledge (coordinators, or that nation's officers).

    The nation and item must exist and the origin be a depot (any nation's: funded procurement ships
    from the supplier's depot). The valuation method is required; without `value_eur` the value shown
    is quantity × the item's unit value. Without an id one is made (`OFF-` and 8 hex digits); without a
    date, today's (UTC). ValidationFailed names every bad field; Conflict if the id is taken.
    """
    _may_write(actor, nation_id)
    oid = offer_id if offer_id is not None else f"OFF-{uuid.uuid4().hex[:8].upper()}"
    record = Offer(
        offer_id=oid,
        nation_id=nation_id,
        item_id=item_id,
        quantity=quantity,
        available_week=available_week,
        origin_site_id=origin_site_id,
        status="announced",
        extra=dict(extra or {}),
    )
    problems = _problems(session, actor, record) + _valuation_problems(
        {"valuation_method": valuation_method, "value_eur": value_eur}
    )
    refuse_invalid(f"offer {oid!r}", problems)
    if session.get(OfferRow, oid) is not None:
        raise Conflict(f"offer {oid!r} already exists")
    session.add(
        OfferRow(
            offer_id=oid,
            nation_id=nation_id,
            item_id=item_id,
            quantity=quantity,
            available_week=available_week,
            origin_site_id=origin_site_id,
            status="announced",
            extra=dict(record.extra),
            value_eur=value_eur,
            valuation_method=valuation_method,
            source=(source or "").strip() or None,
            announced_on=announced_on or dt.datetime.now(dt.UTC).date(),
        )
    )
    session.flush()
    view = get(session, actor=actor, offer_id=oid)
    audit.record(session, actor=actor, action="offer.announce", entity="offer", entity_id=oid, after=view)
    return view


def commit(session: Session, *, actor: Actor, offer_id: str, if_match: str | None = None) -> OfferView:
    """Commit an announced offer: from now on the planner may allocate it (412 on a stale `if_match`)."""
    row = _locked(session, actor, offer_id, if_match)
    before = get(session, actor=actor, offer_id=offer_id)
    row.status = OFFER.next_state(offer_id, row.status, "commit")
    session.flush()
    view = get(session, actor=actor, offer_id=offer_id)
    audit.record(
        session,
        actor=actor,
        action="offer.commit",
        entity="offer",
        entity_id=offer_id,
        before=before,
        after=view,
    )
    return view


def amend(
    session: Session,
    *,
    actor: Actor,
    offer_id: str,
    changes: Mapping[str, Any],
    if_match: str | None = None,
) -> OfferView:
    """Change an announced or committed offer's quantity, week, origin, value, valuation or source.

    Conflict (409) when the offer is withdrawn, when the quantity would fall below the units the
    approved plan allocates from it, and, while it is allocated, when its origin would move or it would
    become available after an allocation departs. ValidationFailed names every bad field.
    PreconditionFailed (412) when `if_match` is given and is not the offer's current ETag.
    """
    fixed = [
        Problem(f"{name} cannot be amended", column=name) for name in changes if name not in AMEND_FIELDS
    ]
    refuse_invalid(f"offer {offer_id!r}", fixed)
    row = _locked(session, actor, offer_id, if_match)
    OFFER.next_state(offer_id, row.status, "amend")
    before = get(session, actor=actor, offer_id=offer_id)
    record = Offer(
        offer_id=row.offer_id,
        nation_id=row.nation_id,
        item_id=row.item_id,
        quantity=row.quantity,
        available_week=row.available_week,
        origin_site_id=row.origin_site_id,
        status=row.status,
        extra=dict(row.extra or {}),
    )
    planned = {k: v for k, v in changes.items() if k in ("quantity", "available_week", "origin_site_id")}
    updated = dataclasses.replace(record, **planned)
    refuse_invalid(
        f"offer {offer_id!r}",
        _problems(session, actor, updated) + _valuation_problems(changes),
    )
    allocated, first_departure = _approved_allocations(session, offer_id)
    if allocated:
        refusals = []
        if updated.quantity < allocated:
            refusals.append(f"its quantity cannot fall to {updated.quantity}")
        if updated.origin_site_id != record.origin_site_id:
            refusals.append("its origin cannot move")
        if first_departure is not None and updated.available_week > first_departure:
            refusals.append(f"it cannot become available after week {first_departure}, its first departure")
        if refusals:
            raise Conflict(
                f"offer {offer_id!r}: the approved plan allocates {allocated} units from it, so "
                f"{'; '.join(refusals)}; replan first (or withdraw it)"
            )
    for name, value in changes.items():
        if name == "source" and isinstance(value, str):
            value = value.strip() or None
        setattr(row, name, value)
    session.flush()
    view = get(session, actor=actor, offer_id=offer_id)
    audit.record(
        session,
        actor=actor,
        action="offer.amend",
        entity="offer",
        entity_id=offer_id,
        before=before,
        after=view,
    )
    return view


def withdraw(
    session: Session, *, actor: Actor, offer_id: str, reason: str, if_match: str | None = None
) -> Withdrawal:
    """Withdraw an announced or committed offer (final), with a reason (required).

    Its allocations in the approved and draft plans are invalidated and the requirements they served
    flagged `replan_needed`; the result names those requirements. PreconditionFailed (412) when
    `if_match` is given and is not the offer's current ETag.
    """
    text = (reason or "").strip()
    if not text:
        message = "withdrawing an offer needs a reason"
        raise ValidationFailed(message, [Problem(message, column="reason")])
    row = _locked(session, actor, offer_id, if_match)
    before = get(session, actor=actor, offer_id=offer_id)
    row.status = OFFER.next_state(offer_id, row.status, "withdraw")
    row.withdrawal_reason = text
    session.flush()
    # plans.service reads the scenario through dataset.service, which imports this module: importing it
    # here keeps that dependency one-way at import time.
    from aidcoord.plans import service as plans

    affected = plans.invalidate_offer(session, actor=actor, offer_id=offer_id)
    requirements.mark_replan_needed(session, actor=actor, requirement_ids=affected)
    view = get(session, actor=actor, offer_id=offer_id)
    after = {"offer": view, "invalidated_allocations_of_requirements": affected}
    audit.record(
        session,
        actor=actor,
        action="offer.withdraw",
        entity="offer",
        entity_id=offer_id,
        before=before,
        after=after,
        reason=text,
    )
    return Withdrawal(offer=view, affected_requirement_ids=tuple(affected))


# --- totals per nation (burden sharing) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OfferValue:
    """An offer's nation, status, value (EUR) and units the approved plan allocates, for totals."""

    offer_id: str
    nation_id: str
    status: str
    quantity: int
    value_eur: float
    allocated: int


def values_by_offer(session: Session, *, actor: Actor) -> list[OfferValue]:
    """Every offer's value and allocated units, for per-nation totals; not for showing offers one by one."""
    del actor  # totals per nation are every participant's; callers aggregate before anything is shown
    rows = session.execute(_view_query([]).order_by(OfferRow.offer_id))
    return [
        OfferValue(
            offer_id=row.offer_id,
            nation_id=row.nation_id,
            status=row.status,
            quantity=row.quantity,
            value_eur=_value_of(row.quantity, row.value_eur, row.unit_value_eur),
            allocated=int(row.allocated),
        )
        for row in rows
    ]
