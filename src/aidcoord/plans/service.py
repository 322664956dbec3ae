"""Use cases of the plans domain: plan the loaded scenario, store versions, show, diff and approve.

The optimiser and the greedy baseline are the pure core's (`aidcoord.planning`); this module adapts the
database's current state to the core's inputs and stores what comes back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Row, Select, bindparam, false, func, insert, or_, select, true, update
from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, Scope, require_role, scope_of
from aidcoord.audit import service as audit
from aidcoord.dataset import service as dataset
from aidcoord.db.rows import delete_rows
from aidcoord.errors import Conflict, DomainError, NotFound
from aidcoord.offers import service as offers
from aidcoord.offers.models import Offer as OfferRow
from aidcoord.planning import (
    Allocation,
    InfeasiblePin,
    PlanningProblem,
    PlanOptions,
    PlanResult,
    Unmet,
    WarmStart,
    greedy_plan,
    plan,
    problem_from_scenario,
)
from aidcoord.planning.pins import resolve_pins
from aidcoord.plans.models import Plan, PlanAllocation, PlanUnmet
from aidcoord.requirements import service as requirements
from aidcoord.requirements.models import Requirement as RequirementRow
from aidcoord.sites import service as sites

Progress = Callable[[str, float], None]

METHODS = ("optimiser", "greedy")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PlanFigures:
    """The figures DESIGN.md reports for a plan."""

    objective: float
    lp_bound: float | None
    gap: float | None
    weighted_fulfilment: float
    on_time_fill: float


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """A stored plan without its rows: version, status, figures, the greedy baseline's figures."""

    version: int
    status: str
    method: str
    created_at: dt.datetime
    created_by: str
    figures: PlanFigures
    baseline: PlanFigures | None
    build_seconds: float
    solve_seconds: float
    solver: str
    solver_status: str
    allocations: int
    unmet: int
    approved_by: str | None
    approval_reason: str | None


@dataclass(frozen=True, slots=True)
class HubWeekLoad:
    """Tonnes planned through a hub in a week against its throughput."""

    hub_site_id: str
    week: int
    tonnes: float
    capacity_t: float


@dataclass(frozen=True, slots=True)
class PlanDetail:
    """A stored plan with its allocations, unmet requirements and hub loads."""

    summary: PlanSummary
    allocations: tuple[Allocation, ...]
    unmet: tuple[Unmet, ...]
    hub_load: tuple[HubWeekLoad, ...]


@dataclass(frozen=True, slots=True)
class RequirementChange:
    """How the units delivered (and on time) to a requirement differ between two plans."""

    requirement_id: str
    delivered_before: int
    delivered_after: int
    on_time_before: int
    on_time_after: int


@dataclass(frozen=True, slots=True)
class PlanDiff:
    """What changes from plan `before` to plan `after`."""

    before: PlanSummary
    after: PlanSummary
    added: tuple[Allocation, ...]
    removed: tuple[Allocation, ...]
    requirements: tuple[RequirementChange, ...]


def _figures(result: PlanResult) -> PlanFigures:
    return PlanFigures(
        objective=result.objective,
        lp_bound=result.lp_bound,
        gap=result.gap,
        weighted_fulfilment=result.weighted_fulfilment,
        on_time_fill=result.on_time_fill,
    )


def _visible_allocations(actor: Actor) -> ColumnElement[bool]:
    """Which allocations the actor may see: all (cell, auditors, recipient), or its hub's and its nation's.

    It depends on the actor only through its scope (`offers.visible_ids` too): `_for_scope` relies on it.
    """
    scope = scope_of(actor)
    if scope.all_allocations:
        return true()
    conditions: list[ColumnElement[bool]] = [PlanAllocation.offer_id.in_(offers.visible_ids(actor))]
    if scope.hub_site_id is not None:
        conditions.append(PlanAllocation.hub_site_id == scope.hub_site_id)
    return or_(*conditions)


_SUMMARY_FIELDS: tuple[str, ...] = (
    "version",
    "status",
    "method",
    "created_at",
    "created_by",
    "objective",
    "lp_bound",
    "gap",
    "weighted_fulfilment",
    "on_time_fill",
    "baseline",
    "build_seconds",
    "solve_seconds",
    "solver",
    "solver_status",
    "approved_by",
    "approval_reason",
)
"""The plan's columns a summary shows."""


_BY_SCOPE: dict[tuple[Callable[[Actor], Any], Scope], Any] = {}
"""Statements built once per actor's scope, by the function that builds them (see `_for_scope`)."""


def _for_scope(build: Callable[[Actor], T], actor: Actor) -> T:
    """`build(actor)`, made once for every actor of the same scope.

    The statements filter by `_visible_allocations(actor)`, which depends on the actor only through its
    scope: one statement object serves every request of that scope, so SQLAlchemy keys it for its
    compiled cache once instead of on every call (which costs more than running it). Scopes are few
    (one per organisation at most); the bound only guards memory.
    """
    key = (build, scope_of(actor))
    built = _BY_SCOPE.get(key)
    if built is None:
        if len(_BY_SCOPE) >= 1024:
            _BY_SCOPE.clear()
        built = _BY_SCOPE[key] = build(actor)
    return built


def _counts_query(actor: Actor) -> Select[int, int]:
    """How many of a plan's allocations the actor may see, and its unmet requirements (`plan_id` bound)."""
    return select(
        select(func.count())
        .select_from(PlanAllocation)
        .where(PlanAllocation.plan_id == bindparam("plan_id"), _visible_allocations(actor))
        .scalar_subquery(),
        select(func.count())
        .select_from(PlanUnmet)
        .where(PlanUnmet.plan_id == bindparam("plan_id"))
        .scalar_subquery(),
    )


def _summaries_query(actor: Actor) -> Select[Any]:
    """Every plan's summary columns and counts (as `_counts_query`), newest first: one query, not 2 a plan."""
    allocations = (
        select(PlanAllocation.plan_id, func.count().label("n"))
        .where(_visible_allocations(actor))
        .group_by(PlanAllocation.plan_id)
        .subquery("allocations")
    )
    unmet = select(PlanUnmet.plan_id, func.count().label("n")).group_by(PlanUnmet.plan_id).subquery("unmet")
    # Columns, not entities: the plan's options (with its warm start) are large and not summarised.
    return (
        select(
            *(getattr(Plan, name) for name in _SUMMARY_FIELDS),
            func.coalesce(allocations.c.n, 0),
            func.coalesce(unmet.c.n, 0),
        )
        .outerjoin(allocations, allocations.c.plan_id == Plan.plan_id)
        .outerjoin(unmet, unmet.c.plan_id == Plan.plan_id)
        .order_by(Plan.version.desc())
    )


def _summary_of(row: Plan | Row[Any], allocations: int, unmet: int) -> PlanSummary:
    """The summary of a plan (its row, or a row of its `_SUMMARY_FIELDS`) with its counts."""
    base = row.baseline or None
    return PlanSummary(
        version=row.version,
        status=row.status,
        method=row.method,
        # SQLite hands timezone-aware columns back naive; they were written in UTC.
        created_at=row.created_at.replace(tzinfo=row.created_at.tzinfo or dt.UTC),
        created_by=row.created_by,
        figures=PlanFigures(row.objective, row.lp_bound, row.gap, row.weighted_fulfilment, row.on_time_fill),
        baseline=PlanFigures(**base) if base else None,
        build_seconds=row.build_seconds,
        solve_seconds=row.solve_seconds,
        solver=row.solver,
        solver_status=row.solver_status,
        allocations=int(allocations or 0),
        unmet=int(unmet or 0),
        approved_by=row.approved_by,
        approval_reason=row.approval_reason,
    )


def _summary(session: Session, row: Plan, actor: Actor) -> PlanSummary:
    # Counts are of what the actor may see: a total over other nations' allocations would say more.
    allocations, unmet = session.execute(_for_scope(_counts_query, actor), {"plan_id": row.plan_id}).one()
    return _summary_of(row, allocations, unmet)


def current_problem(
    session: Session,
    *,
    actor: Actor,
    include_announced: bool = False,
    excluded_offer_ids: Iterable[str] = (),
    excluded_hub_ids: Iterable[str] = (),
) -> PlanningProblem:
    """The planning problem of the database's current state (cancelled requirements left out)."""
    scenario = dataset.export_scenario(session, actor=actor)
    cancelled = requirements.cancelled_ids(session, actor=actor)
    if cancelled:
        scenario = dataclasses.replace(
            scenario,
            requirements=tuple(r for r in scenario.requirements if r.requirement_id not in cancelled),
        )
    return problem_from_scenario(
        scenario,
        include_announced=include_announced,
        excluded_offer_ids=excluded_offer_ids,
        excluded_hub_ids=excluded_hub_ids,
    )


def _latest(session: Session) -> Plan | None:
    return session.scalars(select(Plan).order_by(Plan.version.desc()).limit(1)).first()


def _warm_start(row: Plan | None) -> WarmStart | None:
    stored = (row.options or {}).get("warm_start") if row is not None else None
    if not stored:
        return None
    return WarmStart(
        columns=tuple((str(a), str(b), int(c), str(d), str(e), int(f)) for a, b, c, d, e, f in stored)
    )


def create_plan(
    session: Session,
    *,
    actor: Actor,
    method: str = "optimiser",
    time_limit_s: float = 300.0,
    include_announced: bool = False,
    excluded_offer_ids: Sequence[str] = (),
    excluded_hub_ids: Sequence[str] = (),
    pinned: Sequence[Allocation] = (),
    warm: bool = True,
    progress: Progress | None = None,
) -> PlanSummary:
    """Plan the current state, store it as the next version (a draft) and return its summary.

    The greedy baseline is always computed too, so that every plan can show what the optimiser adds
    over planning by hand. With `warm`, the optimiser starts from the latest stored plan's columns.
    """
    require_role(actor, "coordinator")
    if method not in METHODS:
        raise DomainError(f"unknown planning method {method!r}: use one of {', '.join(METHODS)}")
    problem = current_problem(
        session,
        actor=actor,
        include_announced=include_announced,
        excluded_offer_ids=excluded_offer_ids,
        excluded_hub_ids=excluded_hub_ids,
    )
    previous = _latest(session)
    greedy = greedy_plan(problem)
    if method == "greedy":
        result = greedy
    else:
        warm_start = _warm_start(previous) if warm else None
        options = PlanOptions(time_limit_s=time_limit_s, pinned=tuple(pinned), warm_start=warm_start)
        result = plan(problem, options, progress)
    options_stored: dict[str, Any] = {
        "time_limit_s": time_limit_s,
        "include_announced": include_announced,
        "excluded_offer_ids": list(excluded_offer_ids),
        "excluded_hub_ids": list(excluded_hub_ids),
        "pinned": len(pinned),
        "warm_start": [list(c) for c in result.warm_start.columns] if result.warm_start else [],
    }
    row = Plan(
        version=(previous.version + 1) if previous is not None else 1,
        created_at=dt.datetime.now(dt.UTC),
        created_by=actor.user_id,
        method=method,
        status="draft",
        objective=result.objective,
        lp_bound=result.lp_bound,
        gap=result.gap,
        weighted_fulfilment=result.weighted_fulfilment,
        on_time_fill=result.on_time_fill,
        build_seconds=result.build_seconds,
        solve_seconds=result.solve_seconds,
        solver=result.solver,
        solver_status=result.status,
        options=options_stored,
        baseline=vars_of(_figures(greedy)),
    )
    session.add(row)
    session.flush()
    if result.allocations:
        session.execute(
            insert(PlanAllocation),
            [
                {
                    "plan_id": row.plan_id,
                    "offer_id": a.offer_id,
                    "requirement_id": a.requirement_id,
                    "hub_site_id": a.hub_site_id,
                    "depart_week": a.depart_week,
                    "hub_week": a.hub_week,
                    "arrive_week": a.arrive_week,
                    "quantity": a.quantity,
                }
                for a in result.allocations
            ],
        )
    if result.unmet:
        session.execute(
            insert(PlanUnmet),
            [
                {
                    "plan_id": row.plan_id,
                    "requirement_id": u.requirement_id,
                    "quantity_unmet": u.quantity_unmet,
                    "quantity_late": u.quantity_late,
                    "reason": u.reason,
                    "explanation": u.explanation,
                }
                for u in result.unmet
            ],
        )
    # The new plan replaces whatever supply was withdrawn from under the requirements.
    requirements.clear_replan_needed(session, actor=actor)
    session.flush()
    summary = _summary(session, row, actor)
    stored = {k: v for k, v in options_stored.items() if k != "warm_start"}
    audit.record(
        session,
        actor=actor,
        action="plan.create",
        entity="plan",
        entity_id=str(row.version),
        after={"summary": summary, "options": stored, "pinned": [dataclasses.asdict(p) for p in pinned]},
    )
    return summary


def vars_of(figures: PlanFigures) -> dict[str, Any]:
    """A PlanFigures as a JSON-ready dict."""
    return {
        "objective": figures.objective,
        "lp_bound": figures.lp_bound,
        "gap": figures.gap,
        "weighted_fulfilment": figures.weighted_fulfilment,
        "on_time_fill": figures.on_time_fill,
    }


def _plan_row(session: Session, version: int | None) -> Plan:
    if version is None:
        row = _latest(session)
        if row is None:
            raise NotFound("no plan yet: run `aidcoord plan` first")
        return row
    row = session.scalars(select(Plan).where(Plan.version == version)).first()
    if row is None:
        raise NotFound(f"plan version {version} does not exist")
    return row


def list_plans(session: Session, *, actor: Actor) -> list[PlanSummary]:
    """Every stored plan, newest first."""
    rows = session.execute(_for_scope(_summaries_query, actor))
    width = len(_SUMMARY_FIELDS)
    return [_summary_of(row, row[width], row[width + 1]) for row in rows]


def get_plan(session: Session, *, actor: Actor, version: int | None = None) -> PlanDetail:
    """A plan (the latest when `version` is None) with the allocations the actor may see, unmet and loads.

    Every participant sees the plan's figures, its unmet requirements and the hub loads (totals); a
    delegation sees the allocations of its own offers, a hub operator those through its hub.
    """
    row = _plan_row(session, version)
    allocations = tuple(
        Allocation(
            offer_id=a.offer_id,
            requirement_id=a.requirement_id,
            hub_site_id=a.hub_site_id,
            depart_week=a.depart_week,
            hub_week=a.hub_week,
            arrive_week=a.arrive_week,
            quantity=a.quantity,
        )
        for a in session.scalars(
            select(PlanAllocation)
            .where(PlanAllocation.plan_id == row.plan_id, _visible_allocations(actor))
            .order_by(
                PlanAllocation.offer_id,
                PlanAllocation.requirement_id,
                PlanAllocation.hub_site_id,
                PlanAllocation.depart_week,
            )
        )
    )
    unmet = tuple(
        Unmet(u.requirement_id, u.quantity_unmet, u.quantity_late, u.reason, u.explanation)
        for u in session.scalars(
            select(PlanUnmet).where(PlanUnmet.plan_id == row.plan_id).order_by(PlanUnmet.requirement_id)
        )
    )
    return PlanDetail(
        summary=_summary(session, row, actor),
        allocations=allocations,
        unmet=unmet,
        hub_load=_hub_load(session, actor=actor, plan_id=row.plan_id),
    )


def _hub_load(session: Session, *, actor: Actor, plan_id: int) -> tuple[HubWeekLoad, ...]:
    # Hub loads are totals over every nation's allocations, which every participant may see.
    mass = offers.unit_mass_by_offer(session, actor=actor)
    load: dict[tuple[str, int], float] = {}
    rows = session.execute(
        select(
            PlanAllocation.offer_id,
            PlanAllocation.hub_site_id,
            PlanAllocation.hub_week,
            PlanAllocation.quantity,
        ).where(PlanAllocation.plan_id == plan_id)
    )
    for offer_id, hub, week, quantity in rows:
        load[(hub, week)] = load.get((hub, week), 0.0) + quantity * mass[offer_id] / 1000.0
    horizon = dataset.horizon_weeks(session, actor=actor)
    hubs = sorted(
        (s for s in sites.list_sites(session, actor=actor) if s.kind == "hub"), key=lambda s: s.site_id
    )
    return tuple(
        HubWeekLoad(h.site_id, week, load.get((h.site_id, week), 0.0), float(h.throughput_t_per_week or 0.0))
        for h in hubs
        for week in range(horizon)
    )


def baseline_result(session: Session, *, actor: Actor) -> tuple[int, PlanResult]:
    """The plan what-ifs compare against: the approved one, else the latest; (version, its result).

    Coordinators and auditors only (it holds every nation's allocations). Its warm start lets a
    what-if re-plan quickly; NotFound when there is no plan yet.
    """
    require_role(actor, "coordinator", "auditor")
    row = session.scalars(select(Plan).where(Plan.status == "approved")).first() or _latest(session)
    if row is None:
        raise NotFound("no plan yet: run `aidcoord plan` first, the what-if compares against it")
    detail = get_plan(session, actor=actor, version=row.version)
    result = PlanResult(
        allocations=detail.allocations,
        unmet=detail.unmet,
        objective=row.objective,
        lp_bound=row.lp_bound,
        gap=row.gap,
        weighted_fulfilment=row.weighted_fulfilment,
        on_time_fill=row.on_time_fill,
        build_seconds=row.build_seconds,
        solve_seconds=row.solve_seconds,
        solver=row.solver,
        status=row.solver_status,
        warm_start=_warm_start(row),
    )
    return row.version, result


def arrivals_by_requirement(
    session: Session, *, actor: Actor
) -> tuple[int | None, dict[str, tuple[int, int]]]:
    """The approved plan (else the latest): its version and, per requirement, (first arrival week, units).

    Totals per requirement over every nation's live allocations, which every participant may see (as the
    plan's unmet requirements); no offer leaves this function.
    """
    del actor
    row = session.scalars(select(Plan).where(Plan.status == "approved")).first() or _latest(session)
    if row is None:
        return None, {}
    query = (
        select(
            PlanAllocation.requirement_id,
            func.min(PlanAllocation.arrive_week),
            func.sum(PlanAllocation.quantity),
        )
        .where(PlanAllocation.plan_id == row.plan_id, PlanAllocation.invalidated.is_(false()))
        .group_by(PlanAllocation.requirement_id)
    )
    return row.version, {rid: (int(week), int(units)) for rid, week, units in session.execute(query)}


def diff_plans(session: Session, *, actor: Actor, before: int, after: int) -> PlanDiff:
    """Allocations added and removed, and per-requirement delivery changes, from `before` to `after`."""
    a = get_plan(session, actor=actor, version=before)
    b = get_plan(session, actor=actor, version=after)
    set_a, set_b = set(a.allocations), set(b.allocations)

    due = {r.requirement_id: r.due_week for r in requirements.list_all(session, actor=actor)}

    def per_requirement(detail: PlanDetail) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for alloc in detail.allocations:
            total, on_time = out.get(alloc.requirement_id, (0, 0))
            on = alloc.quantity if alloc.arrive_week <= due[alloc.requirement_id] else 0
            out[alloc.requirement_id] = (total + alloc.quantity, on_time + on)
        return out

    ra, rb = per_requirement(a), per_requirement(b)
    changes = []
    for rid in sorted(set(ra) | set(rb)):
        (before_total, before_on), (after_total, after_on) = ra.get(rid, (0, 0)), rb.get(rid, (0, 0))
        if (before_total, before_on) != (after_total, after_on):
            changes.append(RequirementChange(rid, before_total, after_total, before_on, after_on))

    def key(x: Allocation) -> tuple[str, str, str, int]:
        return (x.offer_id, x.requirement_id, x.hub_site_id, x.depart_week)

    return PlanDiff(
        before=a.summary,
        after=b.summary,
        added=tuple(sorted(set_b - set_a, key=key)),
        removed=tuple(sorted(set_a - set_b, key=key)),
        requirements=tuple(changes),
    )


def _check_still_fits(session: Session, actor: Actor, row: Plan) -> None:
    """Conflict (409) unless the draft's live allocations obey every rule of the model on today's data.

    A draft is planned from the state when it was made. The rules that protect the approved plan
    (an offer's quantity may not drop below its allocated units, …) do not protect drafts, so an offer
    amended, a requirement cancelled or a lane changed since would otherwise be approved over: allocated
    more than committed. The allocations are checked as pins against the current problem, after
    share-locking their offers and requirements so that no amendment commits between check and approval.
    """
    live = session.scalars(
        select(PlanAllocation).where(
            PlanAllocation.plan_id == row.plan_id, PlanAllocation.invalidated.is_(false())
        )
    ).all()
    if not live:
        return
    session.execute(
        select(OfferRow.offer_id)
        .where(OfferRow.offer_id.in_({a.offer_id for a in live}))
        .with_for_update(read=True)
    ).all()
    session.execute(
        select(RequirementRow.requirement_id)
        .where(RequirementRow.requirement_id.in_({a.requirement_id for a in live}))
        .with_for_update(read=True)
    ).all()
    allocations = [
        Allocation(
            offer_id=a.offer_id,
            requirement_id=a.requirement_id,
            hub_site_id=a.hub_site_id,
            depart_week=a.depart_week,
            hub_week=a.hub_week,
            arrive_week=a.arrive_week,
            quantity=a.quantity,
        )
        for a in live
    ]
    try:
        resolve_pins(current_problem(session, actor=actor), allocations)
    except InfeasiblePin as broken:
        # The check speaks of pins; here they are the draft's own allocations.
        why = broken.message.replace("Pinned allocation", "Allocation")
        raise Conflict(
            f"plan {row.version} no longer fits the current offers and requirements: {why} "
            "Plan again and approve the new version.",
            code="plan_outdated",
        ) from None


def approve_plan(session: Session, *, actor: Actor, version: int, reason: str) -> PlanSummary:
    """Approve a draft plan (coordinators only, with a reason); the previously approved one is superseded.

    Conflict (409, `plan_outdated`) when the draft no longer fits the offers and requirements as they are
    now (an offer cut or no longer committed, a requirement cut or cancelled, a route changed since it
    was made): plan again.
    """
    require_role(actor, "coordinator")
    if not reason.strip():
        raise DomainError("approving a plan needs a reason", code="reason_required", status=422)
    row = _plan_row(session, version)
    if row.status != "draft":
        raise Conflict(f"plan {version} is {row.status}; only a draft plan can be approved")
    _check_still_fits(session, actor, row)
    superseded = session.scalars(select(Plan.version).where(Plan.status == "approved")).all()
    session.execute(update(Plan).where(Plan.status == "approved").values(status="superseded"))
    row.status = "approved"
    row.approved_at = dt.datetime.now(dt.UTC)
    row.approved_by = actor.user_id
    row.approval_reason = reason.strip()
    session.flush()
    summary = _summary(session, row, actor)
    audit.record(
        session,
        actor=actor,
        action="plan.approve",
        entity="plan",
        entity_id=str(version),
        before={"status": "draft", "approved_versions": list(superseded)},
        after={"status": "approved", "superseded_versions": list(superseded)},
        reason=reason.strip(),
    )
    return summary


def invalidate_offer(session: Session, *, actor: Actor, offer_id: str) -> list[str]:
    """Mark the offer's allocations in the approved plan and in drafts invalidated (it was withdrawn).

    No shipment may be made from an invalidated allocation. Returns the ids of the requirements those
    allocations served, sorted. Coordinators, or the offer's own nation's officers; NotFound for an offer
    the actor may not see.
    """
    require_role(actor, "coordinator", "nation_officer")
    offers.get(session, actor=actor, offer_id=offer_id)
    live_plans = select(Plan.plan_id).where(Plan.status.in_(("approved", "draft")))
    where = (PlanAllocation.offer_id == offer_id, PlanAllocation.plan_id.in_(live_plans))
    affected = sorted(set(session.scalars(select(PlanAllocation.requirement_id).where(*where))))
    session.execute(update(PlanAllocation).where(*where).values(invalidated=True))
    session.flush()
    return affected


def clear(session: Session, *, actor: Actor) -> None:
    """Delete every plan (coordinators only; when the scenario is replaced)."""
    require_role(actor, "coordinator")
    delete_rows(session, PlanUnmet)
    delete_rows(session, PlanAllocation)
    delete_rows(session, Plan)
