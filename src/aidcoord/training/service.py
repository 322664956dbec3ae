"""Use cases of the training domain: courses, training needs, specialty substitutes and training plans.

The allocation of trainees to courses is the pure core's (`aidcoord.planning.training`); this module
adapts the database's current state to it, stores what comes back as versioned training plans, and
reports on them.

Need-to-know: courses are offers of seats and everyone may see them (like reference data); training
needs, unmet needs with their reasons and every total (per specialty, per offering nation) are
everyone's too. A training plan's *assignments* (which course trains whom) are seen by the course's
nation, coordinators, auditors and the recipient; hub operators see none.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, false, func, insert, select, true
from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role, scope_of
from aidcoord.audit import service as audit
from aidcoord.catalog import service as catalog
from aidcoord.dataset import service as dataset
from aidcoord.db.listing import window_problems
from aidcoord.db.rows import delete_rows, insert_rows, select_rows
from aidcoord.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    Problem,
    ValidationFailed,
    refuse_invalid,
)
from aidcoord.export import ReportTable
from aidcoord.nations import service as nations
from aidcoord.planning.training import (
    CrewDemand,
    CrewShortfall,
    TrainingAssignment,
    TrainingComparison,
    TrainingOptions,
    TrainingProblem,
    TrainingResult,
    TrainingUnmet,
    compare_training,
    crew_shortfalls,
    crews_needed,
    greedy_training,
    plan_training,
    training_problem,
)
from aidcoord.plans import service as plans
from aidcoord.requirements import service as requirements
from aidcoord.scenario.io import TABLES, record_problems
from aidcoord.scenario.model import Course, PlanningSettings, SpecialtySubstitute, TrainingNeed
from aidcoord.sites import service as sites
from aidcoord.training.models import Course as CourseRow
from aidcoord.training.models import SpecialtySubstitute as SubstituteRow
from aidcoord.training.models import TrainingAssignment as AssignmentRow
from aidcoord.training.models import TrainingNeed as TrainingNeedRow
from aidcoord.training.models import TrainingPlan as PlanRow
from aidcoord.training.models import TrainingUnmet as UnmetRow

Progress = Callable[[str, float], None]

METHODS = ("optimiser", "greedy")
COURSE_FIELDS = ("specialty", "seats", "start_week", "duration_weeks", "site_id")
"""What may be amended on a course (its id and nation are fixed)."""

AT_RISK_SLACK_WEEKS = 1
"""Trainees on time but on a course finishing this close to (or in) their due week are *at risk*:
a week's slip of the course makes them late."""


# --- bulk (scenario load, export, replace) ----------------------------------------------------------


def add_courses(session: Session, *, actor: Actor, courses: Iterable[Course]) -> int:
    """Add courses (coordinators only in bulk); return how many."""
    require_role(actor, "coordinator")
    return insert_rows(session, CourseRow, courses)


def add_needs(session: Session, *, actor: Actor, needs: Iterable[TrainingNeed]) -> int:
    """Add training needs (coordinators and the recipient's officers); return how many."""
    require_role(actor, "coordinator", "recipient_officer")
    return insert_rows(session, TrainingNeedRow, needs)


def add_substitutes(session: Session, *, actor: Actor, substitutes: Iterable[SpecialtySubstitute]) -> int:
    """Add specialty substitutes (coordinators only); return how many."""
    require_role(actor, "coordinator")
    return insert_rows(session, SubstituteRow, substitutes)


def list_courses(session: Session, *, actor: Actor) -> list[Course]:
    """All courses, by id (everyone may see them)."""
    del actor
    return select_rows(session, CourseRow, Course, ["course_id"])


def list_needs(session: Session, *, actor: Actor) -> list[TrainingNeed]:
    """All training needs, by id."""
    del actor
    return select_rows(session, TrainingNeedRow, TrainingNeed, ["need_id"])


def list_substitutes(session: Session, *, actor: Actor) -> list[SpecialtySubstitute]:
    """All specialty substitutes, by specialty then substitute."""
    del actor
    return select_rows(session, SubstituteRow, SpecialtySubstitute, ["specialty", "substitute_specialty"])


def clear(session: Session, *, actor: Actor) -> None:
    """Delete training plans, courses, training needs and substitutes (coordinators; scenario replaced)."""
    require_role(actor, "coordinator")
    delete_rows(session, UnmetRow)
    delete_rows(session, AssignmentRow)
    delete_rows(session, PlanRow)
    delete_rows(session, CourseRow)
    delete_rows(session, TrainingNeedRow)
    delete_rows(session, SubstituteRow)


# --- courses and needs, one at a time ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CourseView:
    """A course as shown: its fields and its finish week (start + duration: trained from then on)."""

    course_id: str
    nation_id: str
    specialty: str
    seats: int
    start_week: int
    duration_weeks: int
    finish_week: int
    site_id: str
    extra: dict[str, str]


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """A page of a list: the items, how many match in all, and the window asked for."""

    items: tuple[T, ...]
    total: int
    limit: int
    offset: int


def _course_view(row: CourseRow) -> CourseView:
    return CourseView(
        course_id=row.course_id,
        nation_id=row.nation_id,
        specialty=row.specialty,
        seats=row.seats,
        start_week=row.start_week,
        duration_weeks=row.duration_weeks,
        finish_week=row.start_week + row.duration_weeks,
        site_id=row.site_id,
        extra=dict(row.extra or {}),
    )


def _need(row: TrainingNeedRow) -> TrainingNeed:
    return TrainingNeed(
        need_id=row.need_id,
        specialty=row.specialty,
        trainees=row.trainees,
        priority=row.priority,
        weight=row.weight,
        due_week=row.due_week,
        extra=dict(row.extra or {}),
    )


def _window(limit: int, offset: int) -> None:
    problems = window_problems(limit, offset)
    if problems:
        raise ValidationFailed("; ".join(p.message for p in problems), problems)


def get_course(session: Session, *, actor: Actor, course_id: str) -> CourseView:
    """One course; NotFound if there is none with that id."""
    del actor
    row = session.get(CourseRow, course_id)
    if row is None:
        raise NotFound(f"course {course_id!r} does not exist")
    return _course_view(row)


def list_course_page(
    session: Session,
    *,
    actor: Actor,
    nation_id: str | None = None,
    specialty: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[CourseView]:
    """A page of courses (of a nation and/or specialty if given), by id."""
    del actor
    _window(limit, offset)
    where: list[ColumnElement[bool]] = []
    if nation_id is not None:
        where.append(CourseRow.nation_id == nation_id)
    if specialty is not None:
        where.append(CourseRow.specialty == specialty)
    total = session.scalar(select(func.count()).select_from(CourseRow).where(*where)) or 0
    rows = session.scalars(
        select(CourseRow).where(*where).order_by(CourseRow.course_id).limit(limit).offset(offset)
    )
    return Page(tuple(_course_view(r) for r in rows), int(total), limit, offset)


def _settings(session: Session, actor: Actor) -> PlanningSettings:
    # The loaded dataset's settings: the horizon weeks must fall inside, and the decay.
    try:
        return dataset.planning_settings(session, actor=actor)
    except NotFound:
        raise Conflict("no scenario is loaded: run `aidcoord scenario load DIR|nsatu` first") from None


def _course_problems(session: Session, actor: Actor, course: Course) -> list[Problem]:
    """What `scenario.io`'s rules say about one course, given its nation, site and the horizon."""
    tables: dict[str, Any] = {t.resource: () for t in TABLES}
    with contextlib.suppress(NotFound):
        tables["nations"] = (nations.get(session, actor=actor, nation_id=course.nation_id),)
    with contextlib.suppress(NotFound):
        tables["sites"] = (sites.get_site(session, actor=actor, site_id=course.site_id),)
    del tables["courses"]
    return record_problems("courses", course, settings=_settings(session, actor), **tables)


def _may_write_course(actor: Actor, nation_id: str) -> None:
    """Coordinators write any course; a nation's officers only their own nation's."""
    require_role(actor, "coordinator", "nation_officer")
    if not actor.has("coordinator") and actor.nation_id != nation_id:
        raise Forbidden(f"{actor.user_id} may only change courses of its own nation, not {nation_id}'s")


def create_course(
    session: Session,
    *,
    actor: Actor,
    nation_id: str,
    specialty: str,
    seats: int,
    start_week: int,
    duration_weeks: int,
    site_id: str,
    course_id: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> CourseView:
    """Add a course (coordinators, the offering nation's officers); 422 names bad fields, 409 a taken id."""
    _may_write_course(actor, nation_id)
    cid = course_id if course_id is not None else f"CRS-{uuid.uuid4().hex[:8].upper()}"
    record = Course(cid, nation_id, specialty, seats, start_week, duration_weeks, site_id, dict(extra or {}))
    refuse_invalid(f"course {cid!r}", _course_problems(session, actor, record))
    if session.get(CourseRow, cid) is not None:
        raise Conflict(f"course {cid!r} already exists")
    insert_rows(session, CourseRow, [record])
    session.flush()
    view = get_course(session, actor=actor, course_id=cid)
    audit.record(session, actor=actor, action="course.add", entity="course", entity_id=cid, after=view)
    return view


def amend_course(session: Session, *, actor: Actor, course_id: str, changes: Mapping[str, Any]) -> CourseView:
    """Change a course's specialty, seats, weeks or site (coordinators, or its nation's officers).

    Stored training plans are snapshots and are not changed: plan training again to use the change.
    """
    refuse_invalid(
        f"course {course_id!r}",
        [Problem(f"{name} cannot be amended", column=name) for name in changes if name not in COURSE_FIELDS],
    )
    row = session.scalars(select(CourseRow).where(CourseRow.course_id == course_id).with_for_update()).first()
    if row is None:
        raise NotFound(f"course {course_id!r} does not exist")
    _may_write_course(actor, row.nation_id)
    before = _course_view(row)
    record = Course(
        row.course_id,
        row.nation_id,
        row.specialty,
        row.seats,
        row.start_week,
        row.duration_weeks,
        row.site_id,
        dict(row.extra or {}),
    )
    updated = dataclasses.replace(record, **dict(changes))
    refuse_invalid(f"course {course_id!r}", _course_problems(session, actor, updated))
    for name, value in changes.items():
        setattr(row, name, value)
    session.flush()
    view = _course_view(row)
    audit.record(
        session,
        actor=actor,
        action="course.amend",
        entity="course",
        entity_id=course_id,
        before=before,
        after=view,
    )
    return view


def get_need(session: Session, *, actor: Actor, need_id: str) -> TrainingNeed:
    """One training need; NotFound if there is none with that id."""
    del actor
    row = session.get(TrainingNeedRow, need_id)
    if row is None:
        raise NotFound(f"training need {need_id!r} does not exist")
    return _need(row)


def list_need_page(
    session: Session, *, actor: Actor, specialty: str | None = None, limit: int = 50, offset: int = 0
) -> Page[TrainingNeed]:
    """A page of training needs (of a specialty if given), by id."""
    del actor
    _window(limit, offset)
    where = [TrainingNeedRow.specialty == specialty] if specialty is not None else []
    total = session.scalar(select(func.count()).select_from(TrainingNeedRow).where(*where)) or 0
    rows = session.scalars(
        select(TrainingNeedRow).where(*where).order_by(TrainingNeedRow.need_id).limit(limit).offset(offset)
    )
    return Page(tuple(_need(r) for r in rows), int(total), limit, offset)


def create_need(
    session: Session,
    *,
    actor: Actor,
    specialty: str,
    trainees: int,
    priority: int,
    weight: float,
    due_week: int,
    need_id: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> TrainingNeed:
    """Add a training need (coordinators, the recipient's officers); 422 names bad fields, 409 a taken id."""
    require_role(actor, "coordinator", "recipient_officer")
    nid = need_id if need_id is not None else f"TRN-{uuid.uuid4().hex[:8].upper()}"
    record = TrainingNeed(nid, specialty, trainees, priority, weight, due_week, dict(extra or {}))
    refuse_invalid(
        f"training need {nid!r}",
        record_problems("training_needs", record, settings=_settings(session, actor)),
    )
    if session.get(TrainingNeedRow, nid) is not None:
        raise Conflict(f"training need {nid!r} already exists")
    insert_rows(session, TrainingNeedRow, [record])
    session.flush()
    need = get_need(session, actor=actor, need_id=nid)
    audit.record(
        session, actor=actor, action="training_need.add", entity="training_need", entity_id=nid, after=need
    )
    return need


# --- training plans ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrainingPlanSummary:
    """A stored training plan without its rows; `assignments` counts those the actor may see."""

    version: int
    method: str
    created_at: dt.datetime
    created_by: str
    figures: plans.PlanFigures
    baseline: plans.PlanFigures | None
    build_seconds: float
    solve_seconds: float
    solver: str
    solver_status: str
    assignments: int
    unmet: int


@dataclass(frozen=True, slots=True)
class TrainingPlanDetail:
    """A stored training plan with the assignments the actor may see and every unmet need."""

    summary: TrainingPlanSummary
    assignments: tuple[TrainingAssignment, ...]
    unmet: tuple[TrainingUnmet, ...]


def _figures(result: TrainingResult) -> plans.PlanFigures:
    return plans.PlanFigures(
        result.objective, result.lp_bound, result.gap, result.weighted_fulfilment, result.on_time_fill
    )


def _visible_assignments(actor: Actor) -> ColumnElement[bool]:
    """Assignments the actor may see: all (cell, auditors, recipient), its nation's courses', or none."""
    scope = scope_of(actor)
    if scope.all_allocations:
        return true()
    if scope.nation_id is not None:
        return AssignmentRow.course_id.in_(
            select(CourseRow.course_id).where(CourseRow.nation_id == scope.nation_id)
        )
    return false()


def current_problem(
    session: Session, *, actor: Actor, without_nations: Sequence[str] = ()
) -> TrainingProblem:
    """The training problem of the database's current state (optionally without some nations' courses)."""
    settings = _settings(session, actor)
    gone = set(without_nations)
    return training_problem(
        [c for c in list_courses(session, actor=actor) if c.nation_id not in gone],
        list_needs(session, actor=actor),
        list_substitutes(session, actor=actor),
        horizon_weeks=settings.horizon_weeks,
        lateness_decay=settings.lateness_decay_per_week,
    )


def _latest(session: Session) -> PlanRow | None:
    return session.scalars(select(PlanRow).order_by(PlanRow.version.desc()).limit(1)).first()


def _summary(session: Session, row: PlanRow, actor: Actor) -> TrainingPlanSummary:
    # Counts are of what the actor may see: a count over other nations' courses would say more.
    assignments = session.scalar(
        select(func.count())
        .select_from(AssignmentRow)
        .where(AssignmentRow.training_plan_id == row.training_plan_id, _visible_assignments(actor))
    )
    unmet = session.scalar(
        select(func.count()).select_from(UnmetRow).where(UnmetRow.training_plan_id == row.training_plan_id)
    )
    base = row.baseline or None
    return TrainingPlanSummary(
        version=row.version,
        method=row.method,
        # SQLite hands timezone-aware columns back naive; they were written in UTC.
        created_at=row.created_at.replace(tzinfo=row.created_at.tzinfo or dt.UTC),
        created_by=row.created_by,
        figures=plans.PlanFigures(
            row.objective, row.lp_bound, row.gap, row.weighted_fulfilment, row.on_time_fill
        ),
        baseline=plans.PlanFigures(**base) if base else None,
        build_seconds=row.build_seconds,
        solve_seconds=row.solve_seconds,
        solver=row.solver,
        solver_status=row.solver_status,
        assignments=int(assignments or 0),
        unmet=int(unmet or 0),
    )


def create_training_plan(
    session: Session,
    *,
    actor: Actor,
    method: str = "optimiser",
    time_limit_s: float = 60.0,
    progress: Progress | None = None,
) -> TrainingPlanSummary:
    """Plan training for the current state and store it as the next version (coordinators).

    The greedy baseline is always computed too and its figures stored with the plan.
    """
    require_role(actor, "coordinator")
    if method not in METHODS:
        raise DomainError(
            f"unknown planning method {method!r}: use one of {', '.join(METHODS)}",
            code="validation_failed",
            status=422,
        )
    problem = current_problem(session, actor=actor)
    greedy = greedy_training(problem)
    result = greedy if method == "greedy" else plan_training(problem, TrainingOptions(time_limit_s), progress)
    previous = _latest(session)
    row = PlanRow(
        version=(previous.version + 1) if previous is not None else 1,
        created_at=dt.datetime.now(dt.UTC),
        created_by=actor.user_id,
        method=method,
        objective=result.objective,
        lp_bound=result.lp_bound,
        gap=result.gap,
        weighted_fulfilment=result.weighted_fulfilment,
        on_time_fill=result.on_time_fill,
        build_seconds=result.build_seconds,
        solve_seconds=result.solve_seconds,
        solver=result.solver,
        solver_status=result.status,
        baseline=dataclasses.asdict(_figures(greedy)),
    )
    session.add(row)
    session.flush()
    if result.assignments:
        session.execute(
            insert(AssignmentRow),
            [{"training_plan_id": row.training_plan_id, **dataclasses.asdict(a)} for a in result.assignments],
        )
    if result.unmet:
        session.execute(
            insert(UnmetRow),
            [{"training_plan_id": row.training_plan_id, **dataclasses.asdict(u)} for u in result.unmet],
        )
    session.flush()
    summary = _summary(session, row, actor)
    audit.record(
        session,
        actor=actor,
        action="training_plan.create",
        entity="training_plan",
        entity_id=str(row.version),
        after={"summary": summary, "options": {"method": method, "time_limit_s": time_limit_s}},
    )
    return summary


def _plan_row(session: Session, version: int | None) -> PlanRow:
    if version is None:
        row = _latest(session)
        if row is None:
            raise NotFound("no training plan yet: run `aidcoord training plan` first")
        return row
    row = session.scalars(select(PlanRow).where(PlanRow.version == version)).first()
    if row is None:
        raise NotFound(f"training plan version {version} does not exist")
    return row


def list_training_plans(session: Session, *, actor: Actor) -> list[TrainingPlanSummary]:
    """Every stored training plan, newest first."""
    return [
        _summary(session, r, actor) for r in session.scalars(select(PlanRow).order_by(PlanRow.version.desc()))
    ]


def _assignments(
    session: Session, plan_id: int, where: ColumnElement[bool]
) -> tuple[TrainingAssignment, ...]:
    rows = session.scalars(
        select(AssignmentRow)
        .where(AssignmentRow.training_plan_id == plan_id, where)
        .order_by(AssignmentRow.course_id, AssignmentRow.need_id)
    )
    return tuple(TrainingAssignment(a.course_id, a.need_id, a.trainees, a.finish_week) for a in rows)


def _unmet(session: Session, plan_id: int) -> tuple[TrainingUnmet, ...]:
    rows = session.scalars(
        select(UnmetRow).where(UnmetRow.training_plan_id == plan_id).order_by(UnmetRow.need_id)
    )
    return tuple(
        TrainingUnmet(u.need_id, u.trainees_unmet, u.trainees_late, u.reason, u.explanation) for u in rows
    )


def get_training_plan(session: Session, *, actor: Actor, version: int | None = None) -> TrainingPlanDetail:
    """A training plan (the latest when `version` is None) with the assignments the actor may see."""
    row = _plan_row(session, version)
    return TrainingPlanDetail(
        summary=_summary(session, row, actor),
        assignments=_assignments(session, row.training_plan_id, _visible_assignments(actor)),
        unmet=_unmet(session, row.training_plan_id),
    )


# --- reports -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpecialtyFill:
    """Per specialty: trainees needed, trained on time, trained late, and the on-time fill rate."""

    specialty: str
    needed: int
    on_time: int
    late: int
    fill: float


@dataclass(frozen=True, slots=True)
class NationSeats:
    """Per offering nation: courses, seats offered and used, trainees placed on time, and seat use."""

    nation_id: str
    courses: int
    seats_offered: int
    seats_used: int
    on_time: int
    use: float


@dataclass(frozen=True, slots=True)
class TraineesAtRisk:
    """A need with trainees that miss (or may miss) its due week."""

    need_id: str
    specialty: str
    priority: int
    due_week: int
    trainees: int
    on_time: int
    at_risk: int
    late: int
    not_trained: int


@dataclass(frozen=True, slots=True)
class TrainingReport:
    """What `aidcoord training show` prints and GET /reports/training answers."""

    summary: TrainingPlanSummary
    by_specialty: tuple[SpecialtyFill, ...]
    by_nation: tuple[NationSeats, ...]
    at_risk: tuple[TraineesAtRisk, ...]
    unmet: tuple[TrainingUnmet, ...]
    equipment_plan_version: int | None
    without_crews: tuple[CrewShortfall, ...]


def _crew_per_unit(extra: Mapping[str, Any]) -> float | None:
    text = str(extra.get("crew_per_unit", "")).strip()
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value >= 0 else None


def crewless_requirements(
    session: Session, *, actor: Actor, plan_id: int
) -> tuple[int | None, tuple[CrewShortfall, ...]]:
    """Requirements whose equipment arrives (per the approved equipment plan) without enough crews.

    A requirement names the specialty its equipment needs in its `specialty` extra column; it needs
    ``⌈units · crew_per_unit⌉`` crews when its `crew_per_unit` extra is given, else 1. Crews are the
    trainees of the training plan trained for a need of that specialty (substitutes included), shared
    out by arrival week: see :func:`aidcoord.planning.training.crew_shortfalls`.
    """
    version, arrivals = plans.arrivals_by_requirement(session, actor=actor)
    if version is None:
        return None, ()
    capability = {i.item_id: i.capability for i in catalog.list_items(session, actor=actor)}
    demands = []
    cancelled = requirements.cancelled_ids(session, actor=actor)
    for row in requirements.list_all(session, actor=actor):
        if row.requirement_id not in arrivals or row.requirement_id in cancelled:
            continue
        specialty = str((row.extra or {}).get("specialty", "")).strip()
        if not specialty:
            continue
        week, units = arrivals[row.requirement_id]
        demands.append(
            CrewDemand(
                row.requirement_id,
                capability.get(row.item_id, ""),
                specialty,
                week,
                units,
                crews_needed(units, _crew_per_unit(row.extra or {})),
            )
        )
    trained = [
        (specialty, int(week), int(count))
        for specialty, week, count in session.execute(
            select(TrainingNeedRow.specialty, AssignmentRow.finish_week, func.sum(AssignmentRow.trainees))
            .join(TrainingNeedRow, TrainingNeedRow.need_id == AssignmentRow.need_id)
            .where(AssignmentRow.training_plan_id == plan_id)
            .group_by(TrainingNeedRow.specialty, AssignmentRow.finish_week)
        )
    ]
    return version, crew_shortfalls(demands, trained)


def training_report(session: Session, *, actor: Actor, version: int | None = None) -> TrainingReport:
    """Fill per specialty and per offering nation, seats offered and used, trainees at risk, unmet needs,
    and the capabilities whose equipment arrives without crews (totals: every participant may see them)."""
    row = _plan_row(session, version)
    everything = _assignments(session, row.training_plan_id, true())
    needs = {n.need_id: n for n in list_needs(session, actor=actor)}
    courses = {c.course_id: c for c in list_courses(session, actor=actor)}
    on_time: dict[str, int] = {}
    late: dict[str, int] = {}
    at_risk: dict[str, int] = {}
    used: dict[str, int] = {}
    nation_on_time: dict[str, int] = {}
    for a in everything:
        need = needs[a.need_id]
        used[a.course_id] = used.get(a.course_id, 0) + a.trainees
        if a.finish_week <= need.due_week:
            on_time[a.need_id] = on_time.get(a.need_id, 0) + a.trainees
            nation = courses[a.course_id].nation_id
            nation_on_time[nation] = nation_on_time.get(nation, 0) + a.trainees
            if need.due_week - a.finish_week < AT_RISK_SLACK_WEEKS:
                at_risk[a.need_id] = at_risk.get(a.need_id, 0) + a.trainees
        else:
            late[a.need_id] = late.get(a.need_id, 0) + a.trainees
    by_specialty = []
    for specialty in sorted({n.specialty for n in needs.values()}):
        group = [n for n in needs.values() if n.specialty == specialty]
        needed = sum(n.trainees for n in group)
        ok = sum(on_time.get(n.need_id, 0) for n in group)
        by_specialty.append(
            SpecialtyFill(
                specialty,
                needed,
                ok,
                sum(late.get(n.need_id, 0) for n in group),
                ok / needed if needed else 1.0,
            )
        )
    by_nation = []
    for nation in sorted({c.nation_id for c in courses.values()}):
        offered_by = [c for c in courses.values() if c.nation_id == nation]
        offered = sum(c.seats for c in offered_by)
        taken = sum(used.get(c.course_id, 0) for c in offered_by)
        by_nation.append(
            NationSeats(
                nation,
                len(offered_by),
                offered,
                taken,
                nation_on_time.get(nation, 0),
                taken / offered if offered else 0.0,
            )
        )
    risky = []
    for need in sorted(needs.values(), key=lambda n: (n.priority, n.due_week, n.need_id)):
        ok, lt, risk = on_time.get(need.need_id, 0), late.get(need.need_id, 0), at_risk.get(need.need_id, 0)
        missing = need.trainees - ok - lt
        if risk or lt or missing:
            risky.append(
                TraineesAtRisk(
                    need.need_id,
                    need.specialty,
                    need.priority,
                    need.due_week,
                    need.trainees,
                    ok,
                    risk,
                    lt,
                    missing,
                )
            )
    equipment_version, without = crewless_requirements(session, actor=actor, plan_id=row.training_plan_id)
    return TrainingReport(
        summary=_summary(session, row, actor),
        by_specialty=tuple(by_specialty),
        by_nation=tuple(by_nation),
        at_risk=tuple(risky),
        unmet=_unmet(session, row.training_plan_id),
        equipment_plan_version=equipment_version,
        without_crews=without,
    )


def capabilities_without_crews(shortfalls: Sequence[CrewShortfall]) -> list[tuple[str, int, int, int]]:
    """Per capability: (capability, requirements arriving without crews, their units, crews short)."""
    out: dict[str, tuple[int, int, int]] = {}
    for s in shortfalls:
        n, units, short = out.get(s.capability, (0, 0, 0))
        out[s.capability] = (n + 1, units + s.units, short + s.crews_needed - s.crews_available)
    return [(cap, *values) for cap, values in sorted(out.items())]


def report_tables(report: TrainingReport) -> list[ReportTable]:
    """The training report as tables for CSV/XLSX export."""
    version = report.summary.version
    source = f"aidcoord training plan version {version}" + (
        f"; equipment plan version {report.equipment_plan_version}" if report.equipment_plan_version else ""
    )
    return [
        ReportTable(
            "Training fill by specialty",
            ("specialty", "trainees_needed", "trained_on_time", "trained_late", "on_time_fill"),
            tuple((s.specialty, s.needed, s.on_time, s.late, round(s.fill, 4)) for s in report.by_specialty),
            (source,),
        ),
        ReportTable(
            "Seats by offering nation",
            ("nation_id", "courses", "seats_offered", "seats_used", "trainees_on_time", "seat_use"),
            tuple(
                (n.nation_id, n.courses, n.seats_offered, n.seats_used, n.on_time, round(n.use, 4))
                for n in report.by_nation
            ),
            (source,),
        ),
        ReportTable(
            "Trainees at risk",
            (
                "need_id",
                "specialty",
                "priority",
                "due_week",
                "trainees",
                "on_time",
                "at_risk",
                "late",
                "not_trained",
            ),
            tuple(
                (
                    r.need_id,
                    r.specialty,
                    r.priority,
                    r.due_week,
                    r.trainees,
                    r.on_time,
                    r.at_risk,
                    r.late,
                    r.not_trained,
                )
                for r in report.at_risk
            ),
            (
                source,
                f"at risk: on time, on a course finishing less than {AT_RISK_SLACK_WEEKS} week(s) before due",
            ),
        ),
        ReportTable(
            "Training needs not met",
            ("need_id", "trainees_unmet", "trainees_late", "reason", "explanation"),
            tuple(
                (u.need_id, u.trainees_unmet, u.trainees_late, u.reason, u.explanation) for u in report.unmet
            ),
            (source,),
        ),
        ReportTable(
            "Equipment arriving without crews",
            (
                "requirement_id",
                "capability",
                "specialty",
                "arrive_week",
                "units",
                "crews_needed",
                "crews_available",
            ),
            tuple(
                (
                    s.requirement_id,
                    s.capability,
                    s.specialty,
                    s.arrive_week,
                    s.units,
                    s.crews_needed,
                    s.crews_available,
                )
                for s in report.without_crews
            ),
            (source,),
        ),
    ]


# --- what-if: nations withdraw their courses ---------------------------------------------------------


def training_whatif(session: Session, *, actor: Actor, withdraw_nations: Sequence[str]) -> TrainingComparison:
    """Re-plan training without the courses of `withdraw_nations` and compare (coordinators, auditors).

    The baseline is the current state planned afresh by the optimiser (training plans take well under
    a second), so the comparison shows the withdrawal alone, not drift since the last stored plan.
    Unknown nations are a 422 naming `withdraw_nations`.
    """
    require_role(actor, "coordinator", "auditor")
    wanted = [n.strip() for n in withdraw_nations if n.strip()]
    known = {n.nation_id for n in nations.list_all(session, actor=actor)}
    problems = [Problem(f"unknown nation {n!r}", column="withdraw_nations") for n in wanted if n not in known]
    if not wanted:
        problems.append(Problem("name at least one nation", column="withdraw_nations"))
    refuse_invalid("training what-if", problems)
    problem = current_problem(session, actor=actor)
    after_problem = problem.without_nations(wanted)
    before = plan_training(problem)
    after = plan_training(after_problem)
    return compare_training(problem, before, after_problem, after, sorted(set(wanted)))


def comparison_tables(comparison: TrainingComparison) -> list[ReportTable]:
    """A training what-if as tables for CSV/XLSX export."""
    source = f"aidcoord training what-if: {', '.join(comparison.withdrawn)} withdraw their courses"
    return [
        ReportTable(
            "Training fill by specialty, before and after",
            ("specialty", "trainees_needed", "on_time_before", "on_time_after"),
            tuple(
                (s.specialty, s.trainees, s.on_time_before, s.on_time_after) for s in comparison.by_specialty
            ),
            (source,),
        ),
        ReportTable(
            "Training needs newly short",
            ("need_id", "specialty", "trainees", "on_time_before", "on_time_after", "gap_closers"),
            tuple(
                (
                    n.need_id,
                    n.specialty,
                    n.trainees,
                    n.on_time_before,
                    n.on_time_after,
                    "; ".join(
                        f"{c.course_id} ({c.nation_id}, {c.seats_free} free, week {c.finish_week})"
                        for c in n.closers
                    ),
                )
                for n in comparison.newly_short
            ),
            (source,),
        ),
    ]
