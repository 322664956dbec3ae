"""Limits on what a request may carry, checked before any service runs (so nothing is half-written).

`RequestLimits` is a plain ASGI middleware:

- the body: 413 problem+json above AIDCOORD_MAX_BODY_BYTES (default 10 MiB). A request whose
  `Content-Length` is above the limit is answered at once, before anything reads it; a body without a
  length (chunked) is counted as the app reads it and refused the moment it passes the limit, so a
  client can never make the server hold more than the limit in memory;
- the path and the query: 422 problem+json for a NUL character (PostgreSQL refuses it in text, so a
  lookup would fail in the database) and, on API operations, for a parameter given more than once
  where the OpenAPI document says it takes one value (the framework would silently use the last) or
  a whole number beyond MAX_INTEGER where it takes an integer (the lookup would overflow).

Request bodies are checked by their schemas (`aidcoord.api.inputs`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aidcoord.api.inputs import MAX_INTEGER, NO_NUL
from aidcoord.api.problems import MEDIA_TYPE, TITLES, ProblemDetails, problem_response
from aidcoord.errors import Problem, ValidationFailed

API_PREFIX = "/api/"

MAX_BODY_BYTES_VARIABLE = "AIDCOORD_MAX_BODY_BYTES"
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
"""10 MiB: far above any request the API takes (1,000 shipment events are about 0.3 MiB)."""

CODE = "body_too_large"


def max_body_bytes(environ: Mapping[str, str] | None = None) -> int:
    """The body limit from AIDCOORD_MAX_BODY_BYTES (default 10 MiB); ValidationFailed when malformed."""
    env = os.environ if environ is None else environ
    raw = env.get(MAX_BODY_BYTES_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_MAX_BODY_BYTES
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        problem = Problem(
            f"must be a whole number of bytes, 1 or more, got {raw!r}",
            file="environment",
            column=MAX_BODY_BYTES_VARIABLE,
        )
        raise ValidationFailed("the environment is invalid", [problem])
    return int(raw)


def _detail(limit: int) -> str:
    return f"the request body is larger than the limit of {limit} bytes ({MAX_BODY_BYTES_VARIABLE})"


class BodyTooLarge(HTTPException):
    """The request body passed the limit while the app was reading it."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=_detail(limit))


@dataclass(frozen=True, slots=True)
class QueryRules:
    """An API operation's query parameters that take one value, and those that are whole numbers."""

    single: frozenset[str] = frozenset()
    integers: frozenset[str] = frozenset()


class _Operations:
    """The query rules of every API operation, from the OpenAPI document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.operations: list[tuple[re.Pattern[str], str, QueryRules]] = []
        # Literal paths before templated ones, so a literal path is never read as a templated one.
        for path in sorted(document.get("paths", {}), key=lambda p: (p.count("{"), p)):
            pattern = re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path)) + "$")
            for method, operation in document["paths"][path].items():
                query = [p for p in operation.get("parameters", ()) if p.get("in") == "query"]
                rules = QueryRules(
                    single=frozenset(p["name"] for p in query if not _is(p.get("schema", {}), "array")),
                    integers=frozenset(p["name"] for p in query if _is(p.get("schema", {}), "integer")),
                )
                self.operations.append((pattern, method.upper(), rules))

    def rules(self, method: str, path: str) -> QueryRules:
        """The query rules of the operation `method path`, if it is one."""
        for pattern, verb, rules in self.operations:
            if verb == method and pattern.match(path):
                return rules
        return QueryRules()


def _is(schema: dict[str, Any], kind: str) -> bool:
    return schema.get("type") == kind or any(_is(v, kind) for v in schema.get("anyOf", ()))


def _too_large_integer(text: str) -> bool:
    digits = text.strip().lstrip("+-")
    return digits.isascii() and digits.isdigit() and int(digits[:12]) > MAX_INTEGER


def _parameter_problems(scope: Scope, operation: Callable[[str, str], QueryRules]) -> list[Problem]:
    """What is wrong with the path and query of a request (NUL characters, repeated single values)."""
    problems: list[Problem] = []
    if "\x00" in scope["path"]:
        problems.append(Problem("the path may not contain the NUL character (U+0000)", file="path"))
    query = scope.get("query_string", b"").decode("latin-1")
    pairs = parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="replace")
    if any("\x00" in name or "\x00" in value for name, value in pairs):
        named = sorted({name[:64] for name, value in pairs if "\x00" in name + value})
        problems.extend(
            Problem("may not contain the NUL character (U+0000)", file="query", column=name) for name in named
        )
    if not pairs or not scope["path"].startswith(API_PREFIX):
        return problems
    counts: dict[str, int] = {}
    for name, _ in pairs:
        counts[name] = counts.get(name, 0) + 1
    long_numbers = {name for name, value in pairs if _too_large_integer(value)}
    if long_numbers or any(count > 1 for count in counts.values()):
        # Only now is the operation looked up: building the rules reads the whole OpenAPI document.
        rules = operation(scope["method"], scope["path"])
        problems.extend(
            Problem(f"must lie between {-MAX_INTEGER - 1} and {MAX_INTEGER}", "query", None, name)
            for name in sorted(long_numbers & rules.integers)
        )
        problems.extend(
            Problem(f"takes one value, got {count}", "query", None, name)
            for name, count in counts.items()
            if count > 1 and name in rules.single
        )
    return problems


class RequestLimits:
    """ASGI middleware: 413 for a body above `max_bytes`, 422 for a NUL or repeated query value."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, document: Callable[[], dict[str, Any]]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.document = document  # the app's OpenAPI document, read once when first needed
        self._operations: _Operations | None = None

    def _rules(self, method: str, path: str) -> QueryRules:
        if self._operations is None:
            self._operations = _Operations(self.document())
        return self._operations.rules(method, path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope["headers"]:
            if key == b"content-length" and value.strip().isdigit() and int(value) > self.max_bytes:
                await problem_response(413, CODE, _detail(self.max_bytes))(scope, receive, send)
                return
        problems = _parameter_problems(scope, self._rules)
        if problems:
            detail = "the request is invalid: " + "; ".join(str(p) for p in problems)
            await problem_response(422, "validation_failed", detail, problems)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the app's read of the body; the handler below answers it.
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counted, send)


async def _body_too_large(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, BodyTooLarge)
    return problem_response(413, CODE, str(error.detail))


def _bounded(schema: dict[str, Any]) -> None:
    if schema.get("type") == "string" and "enum" not in schema and "format" not in schema:
        schema.setdefault("pattern", NO_NUL)
    if schema.get("type") == "integer":
        schema["maximum"] = min(schema.get("maximum", MAX_INTEGER), MAX_INTEGER)
        schema["minimum"] = max(schema.get("minimum", -MAX_INTEGER - 1), -MAX_INTEGER - 1)
    for variant in schema.get("anyOf", ()):
        _bounded(variant)


def _declare(document: dict[str, Any]) -> dict[str, Any]:
    # What the middleware refuses, the document says: the body's size, NUL in the path and the query.
    schema = {"$ref": f"#/components/schemas/{ProblemDetails.__name__}"}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                if parameter.get("in") in ("path", "query"):
                    _bounded(parameter.get("schema", {}))
            if "requestBody" in operation:
                operation["responses"].setdefault(
                    "413", {"description": TITLES[413], "content": {MEDIA_TYPE: {"schema": schema}}}
                )
    return document


def install(app: FastAPI, max_bytes: int | None = None) -> None:
    """Check every request's size (`max_bytes`, default AIDCOORD_MAX_BODY_BYTES), path and query."""
    app.add_middleware(RequestLimits, max_bytes=max_bytes or max_body_bytes(), document=lambda: app.openapi())
    app.add_exception_handler(BodyTooLarge, _body_too_large)
    documented = app.openapi
    app.openapi = lambda: _declare(documented())  # type: ignore[method-assign]
