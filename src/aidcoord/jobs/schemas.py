"""Pydantic schemas of the jobs API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from aidcoord.jobs.service import JobView

JOBS_PATH = "/api/v1/jobs"


class JobLinks(BaseModel):
    """Where to read the job again, and its file once it has one."""

    self: str
    result: str | None = Field(
        None,
        description="The job's file once it succeeded: a state bundle, or a what-if's or Monte Carlo's "
        "tables (`?format=csv|xlsx`).",
    )


class JobOut(BaseModel):
    """A background job: poll `links.self` until `status` is succeeded or failed."""

    job_id: str
    kind: Literal["plan", "whatif", "reliability", "state_export", "offers_import"]
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float = Field(description="From 0 to 1.")
    message: str
    result: dict[str, Any] | None = Field(None, description="What the job produced, once it succeeded.")
    error: dict[str, Any] | None = Field(
        None, description="Why it failed: code, status, title, detail and problems, as in problem+json."
    )
    attempts: int
    max_attempts: int
    created_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    links: JobLinks


def job_out(view: JobView) -> JobOut:
    """A JobView as the API answers it."""
    url = f"{JOBS_PATH}/{view.job_id}"
    return JobOut.model_validate(
        {
            **{f: getattr(view, f) for f in ("job_id", "kind", "status", "progress", "message", "result")},
            **{f: getattr(view, f) for f in ("error", "attempts", "max_attempts", "created_by")},
            **{f: getattr(view, f) for f in ("created_at", "started_at", "finished_at")},
            "links": {"self": url, "result": f"{url}/result" if view.has_file else None},
        }
    )
