"""HTTP routes of the jobs domain: read jobs, fetch a job's file, and start a state export as a job."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query, Response
from fastapi.responses import JSONResponse

from aidcoord.access.actor import Actor
from aidcoord.api.deps import ActorDep, SessionDep
from aidcoord.api.exports import TableQuery, file_response
from aidcoord.api.problems import PROBLEM_RESPONSES
from aidcoord.api.routing import api_router
from aidcoord.errors import ValidationFailed
from aidcoord.export import MEDIA_TYPES
from aidcoord.jobs import runner, service
from aidcoord.jobs.schemas import JobOut, job_out
from aidcoord.jobs.service import JobView

router = api_router(tags=["jobs"])

JobIdPath = Annotated[str, Path(description="The job's id (a UUID).", max_length=36)]
ResultFormat = Annotated[
    Literal["csv", "xlsx"] | None,
    Query(description="A what-if's or Monte Carlo's tables: csv (one table) or xlsx (every table, default)."),
]

ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {"model": JobOut, "description": "Queued: poll the job at `Location` until it has ended."}
}
"""The `responses=` entry of a route that answers with a job."""


def accepted(view: JobView) -> JSONResponse:
    """202 with the job's body and its URL in `Location`."""
    body = job_out(view)
    return JSONResponse(body.model_dump(mode="json"), status_code=202, headers={"Location": body.links.self})


def submit(session: SessionDep, actor: Actor, kind: str, params: dict[str, Any]) -> JSONResponse:
    """Queue a job of `kind` and answer 202 (for the routes of other domains that start jobs)."""
    return accepted(service.submit(session, actor=actor, kind=kind, params=params))


def submit_with_upload(
    session: SessionDep, actor: Actor, kind: str, params: dict[str, Any], upload: bytes
) -> JSONResponse:
    """Queue a job of `kind` that reads an uploaded file (stored with the job, out of its params): 202."""
    return accepted(service.submit(session, actor=actor, kind=kind, params=params, input_bytes=upload))


@router.get("/jobs", response_model=list[JobOut], summary="List your organisation's jobs")
def list_jobs(session: SessionDep, actor: ActorDep) -> list[JobOut]:
    """Your organisation's jobs, newest first (the latest 100)."""
    return [job_out(v) for v in service.list_jobs(session, actor=actor)]


@router.get(
    "/jobs/{job_id}",
    response_model=JobOut,
    summary="Show a job",
    responses={404: {**PROBLEM_RESPONSES[404], "description": "No such job (or not yours to see)."}},
)
def get_job(job_id: JobIdPath, session: SessionDep, actor: ActorDep) -> JobOut:
    """A job's status, progress, message, and its result or error once it has ended."""
    return job_out(service.get(session, actor=actor, job_id=job_id))


@router.get(
    "/jobs/{job_id}/result",
    summary="Download a job's file",
    response_class=Response,
    responses={
        200: {
            "content": {"application/gzip": {}, MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}},
            "description": "The file: a state export's bundle (tar.gz), a what-if's or Monte Carlo's "
            "tables (CSV or XLSX).",
        },
        404: {**PROBLEM_RESPONSES[404], "description": "No such job, or it has no file (yet)."},
        422: {**PROBLEM_RESPONSES[422], "description": "No such table, or a format for a bundle."},
    },
)
def get_result(
    job_id: JobIdPath,
    session: SessionDep,
    actor: ActorDep,
    format: ResultFormat = None,
    table: TableQuery = None,
) -> Response:
    """The file a job produced: a state export's bundle, or a what-if's or Monte Carlo's tables.

    A bundle has its fingerprint in X-Bundle-SHA256. Tables answer as XLSX (every table, the default) or
    CSV (`table` picks one by slugged title, default the first).
    """
    view, content = service.result_file(session, actor=actor, job_id=job_id)
    if view.kind in runner.TABLE_KINDS:
        return file_response(runner.tables_of(content), format or "xlsx", table, f"{view.kind}-{view.job_id}")
    if format is not None or table is not None:
        raise ValidationFailed(f"a {view.kind} job's file is its bundle: leave out format and table", [])
    fingerprint = str((view.result or {}).get("fingerprint", ""))
    return Response(
        content,
        media_type="application/gzip",
        headers={
            "Content-Disposition": f'attachment; filename="aidcoord-state-{view.job_id}.tar.gz"',
            "X-Bundle-SHA256": fingerprint,
        },
    )


@router.post(
    "/state/exports",
    status_code=202,
    response_model=JobOut,
    summary="Export the whole state as a job (coordinators, auditors)",
    tags=["handover"],
    responses={
        **ACCEPTED,
        403: {
            **PROBLEM_RESPONSES[403],
            "description": "Only coordinators and auditors read the whole state.",
        },
    },
)
def start_export(session: SessionDep, actor: ActorDep) -> JSONResponse:
    """Queue a state export; the bundle is at the job's `links.result` once it has succeeded."""
    return submit(session, actor, "state_export", {})
