"""Errors as RFC 9457 problem+json: DomainError, request validation, unknown routes, the unexpected."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from aidcoord.errors import DomainError, Problem, ValidationFailed

log = logging.getLogger("aidcoord.api")
denials = logging.getLogger("aidcoord.access.denials")
DENIALS = frozenset({401, 403, 404})

MEDIA_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    422: "Unprocessable content",
    500: "Internal server error",
}


class ProblemItem(BaseModel):
    """One thing wrong with the input, and where."""

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None


class ProblemDetails(BaseModel):
    """An RFC 9457 problem: type, title, status, detail, plus aidcoord's code and problem list."""

    type: str = Field(description="A URI naming the kind of problem (about:blank for plain HTTP ones).")
    title: str
    status: int
    detail: str
    code: str = Field(description="A stable machine-readable code, e.g. validation_failed, conflict.")
    problems: list[ProblemItem] = Field(default_factory=list)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDetails, "description": TITLES[status], "content": {MEDIA_TYPE: {}}}
    for status in (400, 401, 403, 404, 409, 422)
}
"""Declared on every router so that each operation documents its problem+json answers."""


def problem_response(
    status: int, code: str, detail: str, problems: tuple[Problem, ...] | list[Problem] = ()
) -> JSONResponse:
    """A problem+json response."""
    body = ProblemDetails(
        type=f"urn:aidcoord:problem:{code}" if code != "http" else "about:blank",
        title=TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        code=code,
        problems=[ProblemItem(message=p.message, file=p.file, row=p.row, column=p.column) for p in problems],
    )
    return JSONResponse(body.model_dump(), status_code=status, media_type=MEDIA_TYPE)


def _location(loc: tuple[int | str, ...]) -> tuple[str | None, str | None]:
    # pydantic locations look like ("body", "quantity") or ("query", "limit"): the first part is
    # where the value came from, the rest names the field.
    where = str(loc[0]) if loc else None
    field = ".".join(str(part) for part in loc[1:]) or None
    return where, field


async def _domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    problems = error.problems if isinstance(error, ValidationFailed) else ()
    response = problem_response(error.status, error.code, error.message, problems)
    if error.status in DENIALS:
        # Every denial is logged with who asked, for what, and the request id that ties it to the audit.
        actor = getattr(request.state, "actor", None)
        denials.warning(
            "denied %s %s %s: status=%d code=%s user=%s organisation=%s request_id=%s",
            request.method,
            request.url.path,
            error.message,
            error.status,
            error.code,
            getattr(actor, "user_id", "-"),
            getattr(actor, "organisation_id", "-"),
            getattr(request.state, "request_id", "-"),
        )
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="aidcoord"'
    return response


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = []
    for item in error.errors():
        where, field = _location(tuple(item.get("loc", ())))
        problems.append(Problem(message=str(item.get("msg", "invalid")), file=where, column=field))
    return problem_response(422, "validation_failed", "the request is invalid", problems)


async def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    return problem_response(error.status_code, "http", str(error.detail))


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return problem_response(500, "internal_error", "an unexpected error occurred; it has been logged")


def install(app: FastAPI) -> None:
    """Render every error of the app as problem+json."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
