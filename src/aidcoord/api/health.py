"""Probes for process supervisors and load balancers: /healthz (alive) and /readyz (can serve).

Both sit outside /api/v1, need no credentials and are left out of the OpenAPI document: they are for
the machinery that runs the server, not for API clients, and say nothing about the data.
"""

from __future__ import annotations

import functools
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from aidcoord.api.problems import problem_response
from aidcoord.db.migrate import current_revision, head_revision

router = APIRouter(include_in_schema=False)
log = logging.getLogger("aidcoord.api.health")


@functools.cache
def _head() -> str | None:
    # The migrations shipped with the code cannot change while the process runs.
    return head_revision()


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers HTTP. Touches no database, so a database outage never restarts it."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Readiness: the database answers and its schema is this code's migrations head; else 503 problem."""
    engine: Engine = request.app.state.engine
    want = _head()
    try:
        have = current_revision(engine)
    except (SQLAlchemyError, OSError) as error:
        # The reason goes to the log only: an unauthenticated probe gets no server details.
        log.warning("not ready: the database does not answer: %s", str(error).splitlines()[0])
        return problem_response(503, "not_ready", "the database does not answer")
    if have != want:
        return problem_response(
            503,
            "not_ready",
            f"the database is at schema {have or 'none'}, this server needs {want}: "
            "run `aidcoord db upgrade`",
        )
    return JSONResponse({"status": "ready", "schema": want})
