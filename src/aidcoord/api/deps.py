"""Per-request dependencies: the database session (the request boundary commits) and the actor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from aidcoord.access import service as access
from aidcoord.access.actor import Actor
from aidcoord.api.logs import REQUEST_ID_HEADER, derive_request_id
from aidcoord.db.engine import finish_session, open_session
from aidcoord.errors import Unauthorized

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_COOKIE = "aidcoord_session"
CSRF_COOKIE = "aidcoord_csrf"
CSRF_HEADER = "X-CSRF-Token"

# Declared as security schemes so that the OpenAPI document says how to authenticate; the checks
# themselves are access.service.authenticate's.
bearer_scheme = HTTPBearer(auto_error=False, description="An API token from `aidcoord tokens create`.")
cookie_scheme = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, description="The browser session set by POST /auth/login."
)


def get_engine(request: Request) -> Engine:
    """The app's engine."""
    engine: Engine = request.app.state.engine
    return engine


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for this request: committed when the handler returns, rolled back when it raises."""
    # An async dependency, so that opening and ending a session costs no trip to the thread pool
    # (FastAPI runs each sync dependency there, on enter and on exit). Opening does no I/O; a read
    # session ends without waiting on anything (on PostgreSQL it runs in autocommit, so its commit and
    # the pool's reset send nothing), so it ends here; a write session's commit may wait on locks and
    # the disk, so it ends in the pool.
    write = request.method not in READ_METHODS
    session = open_session(get_engine(request), write=write)
    succeeded = False
    try:
        yield session
        succeeded = True
    finally:
        if write:
            await run_in_threadpool(finish_session, session, succeeded=succeeded)
        else:
            finish_session(session, succeeded=succeeded)


def request_id(request: Request) -> str:
    """The request's id: the one the app's RequestLog middleware gave it (from X-Request-ID or new)."""
    rid: str | None = getattr(request.state, "request_id", None)
    return rid if rid is not None else derive_request_id(request.headers.get(REQUEST_ID_HEADER))


def get_actor(
    request: Request,
    session: Annotated[Session, Depends(get_session, scope="function")],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> Actor:
    """Who is calling: a bearer token, or a session cookie (with its CSRF header on changes); else 401."""
    rid = request_id(request)
    request.state.request_id = rid
    if bearer is not None:
        actor = access.authenticate(session, secret=bearer.credentials, kind="token", request_id=rid)
    elif cookie:
        actor = access.authenticate(
            session,
            secret=cookie,
            kind="session",
            csrf_token=request.headers.get(CSRF_HEADER),
            check_csrf=request.method not in READ_METHODS,
            request_id=rid,
        )
    else:
        raise Unauthorized("sign in: send `Authorization: Bearer <token>` or the session cookie")
    request.state.actor = actor
    return actor


# "function" scope: the session commits when the handler returns and before the answer is sent, so a
# client that reads right after a write sees it (and a failed commit is an error, not a 2xx).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ActorDep = Annotated[Actor, Depends(get_actor)]
