"""HTTP routes of the what-if domain: run a what-if, save and list named ones, export the comparison."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import TypeAdapter

from aidcoord.api.deps import ActorDep, SessionDep
from aidcoord.api.exports import FILE_RESPONSES, FormatQuery, TableQuery, file_response
from aidcoord.jobs.schemas import JobOut
from aidcoord.jobs.views import ACCEPTED
from aidcoord.jobs.views import submit as submit_job
from aidcoord.training.views import comparison_out
from aidcoord.whatif import service
from aidcoord.whatif.report import tables
from aidcoord.whatif.schemas import ChangeIn, ComparisonOut, SavedIn, SavedOut, WhatIfIn
from aidcoord.whatif.service import SavedView, WhatIfOutcome

router = APIRouter(prefix="/whatif", tags=["analysis"])
_changes = TypeAdapter(list[ChangeIn])


def comparison(outcome: WhatIfOutcome) -> ComparisonOut:
    """A what-if's outcome as the API answers it."""
    c = outcome.comparison
    return ComparisonOut.model_validate(
        {
            **{f: getattr(c, f) for f in ("freeze_week", "fulfilment_before", "fulfilment_after")},
            **{f: getattr(c, f) for f in ("on_time_before", "on_time_after")},
            "changes": list(c.changes),
            "by_capability": list(c.by_capability),
            "by_priority": list(c.by_priority),
            "newly_unmet": list(c.newly_unmet),
            "baseline_version": outcome.baseline_version,
            "objective_before": outcome.objective_before,
            "objective_after": outcome.objective_after,
            "gap_after": outcome.gap_after,
            "solver_status": outcome.solver_status,
            "seconds": outcome.seconds,
            "training": comparison_out(outcome.training) if outcome.training is not None else None,
        }
    )


def _answer(outcome: WhatIfOutcome, fmt: str, table: str | None) -> Any:
    if fmt == "json":
        return comparison(outcome)
    return file_response(tables(outcome), fmt, table, "whatif")


def _saved(view: SavedView) -> SavedOut:
    return SavedOut(
        name=view.name,
        description=view.description,
        changes=_changes.validate_python([service.change_to_dict(c) for c in view.changes]),
        created_by=view.created_by,
        created_at=view.created_at,
    )


@router.post(
    "",
    status_code=202,
    response_model=JobOut,
    responses={**ACCEPTED, **FILE_RESPONSES},
    summary="Run a what-if against the baseline plan (a job; CSV and XLSX at once)",
)
def run_whatif(
    body: WhatIfIn,
    session: SessionDep,
    actor: ActorDep,
    format: FormatQuery = "json",
    table: TableQuery = None,
) -> Response:
    """Apply the changes, re-plan warm-started from the baseline and compare (coordinators, auditors).

    JSON: 202 and the job (`Location`), whose `result` is the comparison once it has succeeded. CSV and
    XLSX: the file, computed within the request.
    """
    changes = [service.change_from_dict(c.model_dump()) for c in body.changes]
    if format == "json":
        params = {
            "changes": [c.model_dump(mode="json") for c in body.changes],
            "time_limit_s": body.time_limit_s,
        }
        return submit_job(session, actor, "whatif", params)
    outcome = service.run(session, actor=actor, changes=changes, time_limit_s=body.time_limit_s)
    answer: Response = _answer(outcome, format, table)
    return answer


@router.get("/scenarios", response_model=list[SavedOut], summary="List saved what-ifs")
def list_saved(session: SessionDep, actor: ActorDep) -> list[SavedOut]:
    """Every saved what-if, by name."""
    return [_saved(v) for v in service.list_saved(session, actor=actor)]


@router.post("/scenarios", response_model=SavedOut, status_code=201, summary="Save a named what-if")
def save(body: SavedIn, session: SessionDep, actor: ActorDep) -> SavedOut:
    """Save the changes under a name (coordinators); 409 if the name is taken."""
    changes = [service.change_from_dict(c.model_dump()) for c in body.changes]
    return _saved(
        service.save(session, actor=actor, name=body.name, changes=changes, description=body.description)
    )


@router.get("/scenarios/{name}", response_model=SavedOut, summary="Show a saved what-if")
def get_saved(name: str, session: SessionDep, actor: ActorDep) -> SavedOut:
    """One saved what-if; 404 if none has that name."""
    return _saved(service.get_saved(session, actor=actor, name=name))


@router.post(
    "/scenarios/{name}/run",
    response_model=ComparisonOut,
    responses=FILE_RESPONSES,
    summary="Run a saved what-if",
)
def run_saved(
    name: str, session: SessionDep, actor: ActorDep, format: FormatQuery = "json", table: TableQuery = None
) -> Response | ComparisonOut:
    """Run the saved changes against the current baseline and compare."""
    saved = service.get_saved(session, actor=actor, name=name)
    outcome = service.run(session, actor=actor, changes=saved.changes)
    answer: Response | ComparisonOut = _answer(outcome, format, table)
    return answer
