"""HTTP routes of the reports: burden sharing per nation, as JSON or as a CSV or XLSX file."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Response

from aidcoord.api.deps import ActorDep, SessionDep
from aidcoord.api.exports import FILE_RESPONSES, FormatQuery, file_response
from aidcoord.api.routing import api_router
from aidcoord.reports import burden
from aidcoord.reports.schemas import BurdenReportOut, BurdenRowOut

router = api_router(tags=["reports"])


@router.get(
    "/reports/burden-sharing",
    response_model=BurdenReportOut,
    summary="Burden sharing per nation",
    responses=FILE_RESPONSES,
)
def burden_sharing(
    session: SessionDep,
    actor: ActorDep,
    source: Annotated[
        Literal["plan", "kiel"],
        Query(description="plan: offers, the approved plan and shipments; kiel: a tracker release."),
    ] = "plan",
    release: Annotated[
        str | None, Query(description="For kiel: a release id (default: the latest).", max_length=64)
    ] = None,
    format: FormatQuery = "json",
) -> BurdenReportOut | Response:
    """Value committed, allocated, shipped and delivered per nation, its share and % of GDP, defence %.

    Totals per nation are every participant's. 404 when `source=kiel` and no release is imported.
    """
    report = burden.burden_report(session, actor=actor, source=source, release_id=release)
    if format != "json":
        return file_response([burden.burden_table(report)], format, None, f"burden-sharing-{source}")
    return BurdenReportOut(
        source=report.source,
        title=report.title,
        headline=report.headline,
        release_id=report.release_id,
        usd_per_eur=report.usd_per_eur,
        rows=[BurdenRowOut.model_validate(r) for r in report.sharing.rows],
        totals=BurdenRowOut.model_validate(report.sharing.totals),
        sources=list(report.sources),
    )
