"""HTTP routes of the plans domain: plan the current state, list, show, diff and approve plans.

Planning is a background job (202 and the job's URL, DESIGN.md "Long work"): see aidcoord.jobs.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from fastapi.responses import JSONResponse

from aidcoord.api.deps import ActorDep, SessionDep
from aidcoord.api.inputs import MAX_INTEGER
from aidcoord.api.problems import PROBLEM_RESPONSES
from aidcoord.api.routing import api_router
from aidcoord.errors import Problem, ValidationFailed
from aidcoord.jobs.schemas import JobOut
from aidcoord.jobs.views import ACCEPTED
from aidcoord.jobs.views import submit as submit_job
from aidcoord.plans import service
from aidcoord.plans.schemas import PlanApprove, PlanCreate, PlanDetailOut, PlanDiffOut, PlanSummaryOut

router = api_router(tags=["plans"])

VersionPath = Annotated[
    str, Path(description="A plan version (1, 2, …) or `latest`.", examples=["latest", "3"], max_length=20)
]


def documented(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """Problem+json responses with route-specific descriptions (a route's own entry replaces the router's)."""
    return {
        status: {**PROBLEM_RESPONSES[status], "description": text} for status, text in descriptions.items()
    }


def _version(value: str, name: str) -> int | None:
    """`latest` → None (the service's default); a positive integer → itself; anything else → 422."""
    if value == "latest":
        return None
    # isascii: "²".isdigit() holds but int("²") fails; above MAX_INTEGER no plan has that version.
    if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_INTEGER:
        return int(value)
    raise ValidationFailed(
        "the plan version is invalid",
        [Problem(f"must be a plan version (1, 2, …) or 'latest', got {value!r}", file="path", column=name)],
    )


def _resolved(session: SessionDep, actor: ActorDep, value: str, name: str) -> int:
    version = _version(value, name)
    if version is None:
        return service.get_plan(session, actor=actor).summary.version
    return version


@router.post(
    "/plans",
    status_code=202,
    response_model=JobOut,
    summary="Plan the current state, as a job (coordinators)",
    responses={
        **ACCEPTED,
        **documented({422: "The body is invalid (unknown method, time limit out of range)."}),
    },
)
def create_plan(body: PlanCreate, session: SessionDep, actor: ActorDep) -> JSONResponse:
    """Queue a plan of the loaded scenario (optimiser or greedy); it is stored as the next draft version.

    Answers 202 with the job (`Location`): its `result` is the plan's summary once it has succeeded.
    """
    return submit_job(session, actor, "plan", body.model_dump(mode="json"))


@router.get("/plans", response_model=list[PlanSummaryOut], summary="List plans")
def list_plans(session: SessionDep, actor: ActorDep) -> list[PlanSummaryOut]:
    """Every stored plan, newest first."""
    return [PlanSummaryOut.model_validate(s) for s in service.list_plans(session, actor=actor)]


@router.get(
    "/plans/{version}",
    response_model=PlanDetailOut,
    summary="Show a plan",
    responses=documented({404: "No such plan (or no plan yet, for `latest`).", 422: "Not a version."}),
)
def get_plan(version: VersionPath, session: SessionDep, actor: ActorDep) -> PlanDetailOut:
    """A plan's summary, allocations, unmet requirements with their reasons, and hub loads per week."""
    detail = service.get_plan(session, actor=actor, version=_version(version, "version"))
    return PlanDetailOut.model_validate(detail)


@router.get(
    "/plans/{before}/diff/{after}",
    response_model=PlanDiffOut,
    summary="Compare two plans",
    responses=documented({404: "A plan does not exist.", 422: "Not a version."}),
)
def diff_plans(
    before: Annotated[str, Path(description="The earlier plan version, or `latest`.", max_length=20)],
    after: Annotated[str, Path(description="The later plan version, or `latest`.", max_length=20)],
    session: SessionDep,
    actor: ActorDep,
) -> PlanDiffOut:
    """Allocations added and removed, and requirements whose delivered or on-time units change."""
    diff = service.diff_plans(
        session,
        actor=actor,
        before=_resolved(session, actor, before, "before"),
        after=_resolved(session, actor, after, "after"),
    )
    return PlanDiffOut.model_validate(diff)


@router.post(
    "/plans/{version}/approve",
    response_model=PlanSummaryOut,
    summary="Approve a draft plan (coordinators)",
    responses=documented(
        {
            404: "No such plan.",
            409: "The plan is not a draft (already approved, or superseded), or no longer fits the current "
            "offers and requirements (`plan_outdated`: plan again).",
            422: "The reason is missing or blank, or the version is invalid.",
        }
    ),
)
def approve_plan(
    version: VersionPath, body: PlanApprove, session: SessionDep, actor: ActorDep
) -> PlanSummaryOut:
    """Approve a draft plan with a reason; the plan approved before it is superseded."""
    summary = service.approve_plan(
        session, actor=actor, version=_resolved(session, actor, version, "version"), reason=body.reason
    )
    return PlanSummaryOut.model_validate(summary)
