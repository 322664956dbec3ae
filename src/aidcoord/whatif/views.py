"""HTTP routes of the what-if domain: run a what-if, save and list named ones, export the comparison."""

from __future__ import annotations

from fastapi import Response
from pydantic import TypeAdapter

from aidcoord.api.deps import ActorDep, SessionDep
from aidcoord.api.problems import PROBLEM_RESPONSES
from aidcoord.api.routing import api_router
from aidcoord.jobs.schemas import JobOut
from aidcoord.jobs.views import ACCEPTED
from aidcoord.jobs.views import submit as submit_job
from aidcoord.training.views import comparison_out
from aidcoord.whatif import service
from aidcoord.whatif.schemas import ChangeIn, ComparisonOut, SavedIn, SavedOut, WhatIfIn
from aidcoord.whatif.service import SavedView, WhatIfOutcome

router = api_router(prefix="/whatif", tags=["analysis"])
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


def _saved(view: SavedView) -> SavedOut:
    return SavedOut(
        name=view.name,
        description=view.description,
        changes=_changes.validate_python([service.change_to_dict(c) for c in view.changes]),
        created_by=view.created_by,
        created_at=view.created_at,
    )


FILE_NOTE = (
    "The comparison is the job's `result`; its tables as CSV or XLSX are at `GET /api/v1/jobs/{id}/result"
    "?format=csv|xlsx[&table=]` once it has succeeded."
)


@router.post(
    "",
    status_code=202,
    response_model=JobOut,
    responses=ACCEPTED,
    summary="Run a what-if against the baseline plan (a job)",
    description="Apply the changes, re-plan warm-started from the baseline and compare (coordinators, "
    f"auditors). 202 and the job (`Location`). {FILE_NOTE}",
)
def run_whatif(body: WhatIfIn, session: SessionDep, actor: ActorDep) -> Response:
    """Queue the what-if as a job."""
    for c in body.changes:  # a change the core refuses is refused now, not by the job
        service.change_from_dict(c.model_dump())
    changes = [c.model_dump(mode="json") for c in body.changes]
    return submit_job(session, actor, "whatif", {"changes": changes, "time_limit_s": body.time_limit_s})


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
    status_code=202,
    response_model=JobOut,
    responses={**ACCEPTED, 404: {**PROBLEM_RESPONSES[404], "description": "No saved what-if of that name."}},
    summary="Run a saved what-if (a job)",
    description="Run the saved changes against the current baseline and compare: 202 and the job. "
    + FILE_NOTE,
)
def run_saved(name: str, session: SessionDep, actor: ActorDep) -> Response:
    """Queue the saved what-if's changes as a what-if job."""
    saved = service.get_saved(session, actor=actor, name=name)
    # Saved changes are stored in the shape the job's params take.
    return submit_job(
        session, actor, "whatif", {"changes": [service.change_to_dict(c) for c in saved.changes]}
    )
