"""HTTP routes of the dependency and Monte Carlo reliability reports."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Response

from aidcoord.api.deps import ActorDep, SessionDep
from aidcoord.api.exports import FILE_RESPONSES, FormatQuery, TableQuery, file_response
from aidcoord.api.routing import api_router
from aidcoord.jobs.schemas import JobOut
from aidcoord.jobs.views import ACCEPTED
from aidcoord.jobs.views import submit as submit_job
from aidcoord.reports import risk
from aidcoord.reports.risk_schemas import (
    DependencyOut,
    DistributionOut,
    GroupOut,
    ReliabilityIn,
    ReliabilityOut,
    RequirementOddsOut,
    RiskOut,
    SoleSourceOut,
)

router = api_router(prefix="/reports", tags=["analysis"])


@router.get("/dependency", response_model=DependencyOut, responses=FILE_RESPONSES, summary="Donor dependency")
def dependency(
    session: SessionDep,
    actor: ActorDep,
    basis: Annotated[
        Literal["plan", "supply"], Query(description="The baseline plan, or committed supply.")
    ] = "plan",
    format: FormatQuery = "json",
    table: TableQuery = None,
) -> Response | DependencyOut:
    """Top donor's share, HHI, donors and single-nation requirements per capability and priority class."""
    dep = risk.dependency_report(session, actor=actor, basis=basis)
    if format != "json":
        return file_response(risk.dependency_tables(dep), format, table, "dependency")
    r = dep.report
    return DependencyOut(
        plan_version=dep.plan_version,
        basis=r.basis,
        measure=r.measure,
        overall=GroupOut.model_validate(r.overall),
        by_capability=[GroupOut.model_validate(g) for g in r.by_capability],
        by_priority=[GroupOut.model_validate(g) for g in r.by_priority],
        sole_source=[SoleSourceOut.model_validate(s) for s in r.sole_source],
    )


@router.post(
    "/reliability",
    status_code=202,
    response_model=JobOut,
    responses=ACCEPTED,
    summary="Monte Carlo reliability (a job)",
)
def reliability(body: ReliabilityIn, session: SessionDep, actor: ActorDep) -> Response:
    """Simulate the baseline plan with nations delivering by their record (or the overrides); seeded.

    202 and the job (`Location`), whose `result` is the report once it has succeeded; its tables as CSV
    or XLSX are at `GET /api/v1/jobs/{id}/result?format=csv|xlsx[&table=]`.
    """
    return submit_job(session, actor, "reliability", body.model_dump(mode="json"))


def reliability_out(rel: risk.Reliability) -> ReliabilityOut:
    """A Monte Carlo run as the API answers it."""
    res = rel.result
    return ReliabilityOut(
        plan_version=rel.plan_version,
        runs=res.runs,
        seed=res.seed,
        threshold=res.threshold,
        planned_fulfilment=res.planned.weighted_fulfilment,
        planned_on_time=res.planned.on_time_fill,
        fulfilment=DistributionOut.model_validate(res.fulfilment),
        on_time=DistributionOut.model_validate(res.on_time),
        probabilities=dict(rel.probabilities),
        flagged=[RiskOut.model_validate(f) for f in res.flagged],
        requirements=[
            RequirementOddsOut(requirement_id=rid, p_on_time=float(a), p_as_planned=float(b))
            for rid, a, b in zip(res.requirement_ids, res.p_on_time, res.p_as_planned, strict=True)
        ],
    )
