"""Errors as RFC 9457 problem+json: DomainError, request validation, unknown routes, the unexpected."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

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
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    500: "Internal server error",
    503: "Service unavailable",
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


JSON_BODY = "application/json"


def is_json(content_type: str) -> bool:
    """Whether a Content-Type names JSON (application/json or application/<anything>+json)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == JSON_BODY or (media_type.startswith("application/") and media_type.endswith("+json"))


def _wrong_media_type(request: Request, error: RequestValidationError) -> str | None:
    # FastAPI hands a body of another media type to the model as raw bytes, which then fails as "not an
    # object": that is the client naming the wrong media type (415), not invalid content (422).
    content_type = request.headers.get("content-type")
    if content_type is not None and is_json(content_type):
        return None
    if not any(isinstance(item.get("input"), bytes) for item in error.errors()):
        return None
    return f"this operation takes {JSON_BODY}, not {content_type or 'a body without a Content-Type'}"


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    unsupported = _wrong_media_type(request, error)
    if unsupported is not None:
        return problem_response(415, "unsupported_media_type", unsupported)
    problems = []
    for item in error.errors():
        where, field = _location(tuple(item.get("loc", ())))
        problems.append(Problem(message=str(item.get("msg", "invalid")), file=where, column=field))
    return problem_response(422, "validation_failed", "the request is invalid", problems)


def _allowed_methods(request: Request) -> str:
    # The router's 405 carries no Allow header (or only the first route's methods); HTTP wants every
    # method the path takes, so each one is tried against the routes (only ever on a 405).
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    )


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    detail = str(error.detail)
    # FastAPI answers a body its JSON parser gave up on with a bare 400; the cause says why.
    if error.status_code == 400 and isinstance(error.__cause__, RecursionError):
        detail = "the JSON body is nested too deeply to read"
    elif error.status_code == 400 and isinstance(error.__cause__, ValueError):
        detail = f"the JSON body cannot be read: {error.__cause__}"[:500]
    response = problem_response(error.status_code, "http", detail)
    response.headers.update(error.headers or {})
    if error.status_code == 405:
        response.headers["Allow"] = _allowed_methods(request)
    return response


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return problem_response(500, "internal_error", "an unexpected error occurred; it has been logged")


def _problem_bodies(document: dict[str, Any]) -> dict[str, Any]:
    # FastAPI files a response's `model` under application/json; problems are only ever sent as
    # application/problem+json, so the schema moves there and clients can validate what they get.
    schema = {"$ref": f"#/components/schemas/{ProblemDetails.__name__}"}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                if MEDIA_TYPE in content:
                    if content.get("application/json", {}).get("schema") == schema:
                        del content["application/json"]
                    content[MEDIA_TYPE] = {"schema": schema}
            if "requestBody" in operation:
                operation["responses"].setdefault(
                    "415", {"description": TITLES[415], "content": {MEDIA_TYPE: {"schema": schema}}}
                )
    return document


def install(app: FastAPI) -> None:
    """Render every error of the app as problem+json, and document them so."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    documented = app.openapi
    app.openapi = lambda: _problem_bodies(documented())  # type: ignore[method-assign]
