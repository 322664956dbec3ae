"""HTTP routes of the training domain: courses, training needs, training plans, the report and a what-if."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Response

from aidcoord.api.deps import ActorDep, SessionDep
from aidcoord.api.exports import FILE_RESPONSES, FormatQuery, TableQuery, file_response
from aidcoord.api.inputs import MAX_INTEGER
from aidcoord.api.pagination import LimitQuery, OffsetQuery
from aidcoord.api.routing import api_router
from aidcoord.errors import Problem, ValidationFailed
from aidcoord.planning.training import TrainingComparison
from aidcoord.training import service
from aidcoord.training.schemas import (
    CourseIn,
    CourseOut,
    CoursePage,
    CoursePatch,
    NeedIn,
    NeedOut,
    NeedPage,
    NewlyShortOut,
    ResultFiguresOut,
    SpecialtyChangeOut,
    TrainingComparisonOut,
    TrainingPlanCreate,
    TrainingPlanDetailOut,
    TrainingPlanSummaryOut,
    TrainingReportOut,
    TrainingWhatIfIn,
)

router = api_router(tags=["training"])

VersionPath = Annotated[
    str,
    Path(
        description="A training plan version (1, 2, …) or `latest`.", examples=["latest", "2"], max_length=20
    ),
]


def _version(value: str) -> int | None:
    """`latest` → None (the service's default); a positive integer → itself; anything else → 422."""
    if value == "latest":
        return None
    # isascii: "²".isdigit() holds but int("²") fails; above MAX_INTEGER no plan has that version.
    if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_INTEGER:
        return int(value)
    raise ValidationFailed(
        "the training plan version is invalid",
        [Problem(f"must be a version (1, 2, …) or 'latest', got {value!r}", file="path", column="version")],
    )


@router.get("/courses", response_model=CoursePage, summary="List courses")
def list_courses(
    session: SessionDep,
    actor: ActorDep,
    nation_id: Annotated[str | None, Query(description="Only this nation's courses.")] = None,
    specialty: Annotated[str | None, Query(description="Only courses of this specialty.")] = None,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> CoursePage:
    """A page of the courses nations offer (everyone may see them), by id."""
    page = service.list_course_page(
        session, actor=actor, nation_id=nation_id, specialty=specialty, limit=limit, offset=offset
    )
    return CoursePage(
        items=[CourseOut.model_validate(c) for c in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post(
    "/courses",
    response_model=CourseOut,
    status_code=201,
    summary="Offer a course (coordinators, the nation's officers)",
)
def create_course(body: CourseIn, session: SessionDep, actor: ActorDep) -> CourseOut:
    """Add a course; 422 naming the field (unknown nation or site, week outside the horizon), 403 for
    another nation's officer, 409 if the id is taken."""
    view = service.create_course(session, actor=actor, **body.model_dump())
    return CourseOut.model_validate(view)


@router.get("/courses/{course_id}", response_model=CourseOut, summary="Show a course")
def get_course(course_id: str, session: SessionDep, actor: ActorDep) -> CourseOut:
    """One course; 404 if there is none with that id."""
    return CourseOut.model_validate(service.get_course(session, actor=actor, course_id=course_id))


@router.patch(
    "/courses/{course_id}",
    response_model=CourseOut,
    summary="Amend a course (coordinators, the nation's officers)",
)
def amend_course(course_id: str, body: CoursePatch, session: SessionDep, actor: ActorDep) -> CourseOut:
    """Change the fields given; 403 for another nation's course, 422 naming a bad field."""
    view = service.amend_course(
        session, actor=actor, course_id=course_id, changes=body.model_dump(exclude_unset=True)
    )
    return CourseOut.model_validate(view)


@router.get("/training-needs", response_model=NeedPage, summary="List training needs")
def list_needs(
    session: SessionDep,
    actor: ActorDep,
    specialty: Annotated[str | None, Query(description="Only needs of this specialty.")] = None,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> NeedPage:
    """A page of the recipient's training needs, by id."""
    page = service.list_need_page(session, actor=actor, specialty=specialty, limit=limit, offset=offset)
    return NeedPage(
        items=[NeedOut.model_validate(n) for n in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post(
    "/training-needs",
    response_model=NeedOut,
    status_code=201,
    summary="Add a training need (coordinators, the recipient's officers)",
)
def create_need(body: NeedIn, session: SessionDep, actor: ActorDep) -> NeedOut:
    """Add a training need; 422 naming the field (due week outside the horizon), 409 if the id is taken."""
    return NeedOut.model_validate(service.create_need(session, actor=actor, **body.model_dump()))


@router.get("/training-needs/{need_id}", response_model=NeedOut, summary="Show a training need")
def get_need(need_id: str, session: SessionDep, actor: ActorDep) -> NeedOut:
    """One training need; 404 if there is none with that id."""
    return NeedOut.model_validate(service.get_need(session, actor=actor, need_id=need_id))


@router.post(
    "/training-plans",
    response_model=TrainingPlanSummaryOut,
    status_code=201,
    summary="Plan training for the current state (coordinators)",
)
def create_training_plan(
    body: TrainingPlanCreate, session: SessionDep, actor: ActorDep
) -> TrainingPlanSummaryOut:
    """Allocate trainees to courses (the optimiser, or greedy) and store the next training plan version."""
    summary = service.create_training_plan(
        session, actor=actor, method=body.method, time_limit_s=body.time_limit_s
    )
    return TrainingPlanSummaryOut.model_validate(summary)


@router.get("/training-plans", response_model=list[TrainingPlanSummaryOut], summary="List training plans")
def list_training_plans(session: SessionDep, actor: ActorDep) -> list[TrainingPlanSummaryOut]:
    """Every stored training plan, newest first."""
    return [
        TrainingPlanSummaryOut.model_validate(s) for s in service.list_training_plans(session, actor=actor)
    ]


@router.get("/training-plans/{version}", response_model=TrainingPlanDetailOut, summary="Show a training plan")
def get_training_plan(version: VersionPath, session: SessionDep, actor: ActorDep) -> TrainingPlanDetailOut:
    """A training plan's figures, the assignments the caller may see, and unmet needs with their reasons."""
    detail = service.get_training_plan(session, actor=actor, version=_version(version))
    return TrainingPlanDetailOut.model_validate(detail)


@router.get(
    "/reports/training",
    response_model=TrainingReportOut,
    responses=FILE_RESPONSES,
    summary="Training report",
)
def training_report(
    session: SessionDep,
    actor: ActorDep,
    version: Annotated[
        str, Query(description="A training plan version or `latest`.", max_length=20)
    ] = "latest",
    format: FormatQuery = "json",
    table: TableQuery = None,
) -> Response | TrainingReportOut:
    """Fill per specialty and offering nation, seats offered against used, trainees at risk, unmet needs
    and equipment arriving without crews (per the approved equipment plan)."""
    report = service.training_report(session, actor=actor, version=_version(version))
    if format != "json":
        return file_response(service.report_tables(report), format, table, "training")
    return TrainingReportOut.model_validate(report)


@router.post(
    "/training/whatif",
    response_model=TrainingComparisonOut,
    responses=FILE_RESPONSES,
    summary="What if nations withdraw their courses (coordinators, auditors)",
)
def training_whatif(
    body: TrainingWhatIfIn,
    session: SessionDep,
    actor: ActorDep,
    format: FormatQuery = "json",
    table: TableQuery = None,
) -> Response | TrainingComparisonOut:
    """Re-plan training without these nations' courses and compare with the current state."""
    comparison = service.training_whatif(session, actor=actor, withdraw_nations=body.withdraw_nations)
    if format != "json":
        return file_response(service.comparison_tables(comparison), format, table, "training-whatif")
    return comparison_out(comparison)


def comparison_out(comparison: TrainingComparison) -> TrainingComparisonOut:
    """A training what-if in the API's shape (also part of a what-if's answer)."""
    return TrainingComparisonOut(
        withdrawn=list(comparison.withdrawn),
        before=ResultFiguresOut.model_validate(comparison.before),
        after=ResultFiguresOut.model_validate(comparison.after),
        by_specialty=[SpecialtyChangeOut.model_validate(s) for s in comparison.by_specialty],
        newly_short=[NewlyShortOut.model_validate(n) for n in comparison.newly_short],
    )
