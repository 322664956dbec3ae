"""Structured logs: the request id, one access-log line per request, JSON or text formatting.

Every HTTP request gets an id (the caller's `X-Request-ID` when it is sane, else a new one) before
anything else runs; the actor, the audit records and the access log all use that one id, and the
response echoes it in `X-Request-ID`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
MAX_REQUEST_ID = 64
"""The audit log's request_id column holds 64 characters."""

access_log = logging.getLogger("aidcoord.access_log")

_ids = random.Random()  # seeded from os.urandom once, in each worker process

_HEADER_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")


def derive_request_id(given: str | None) -> str:
    """The caller's request id if it is short printable ASCII, else a new random one."""
    if given and len(given) <= MAX_REQUEST_ID and given.isascii() and given.isprintable():
        return given
    # A random 128-bit id from the process's own generator: uuid4 reads os.urandom, a system call that
    # lets go of the GIL on the event loop's thread on every request, and the loop then queues behind
    # the handler threads to get it back. A request id names a request; it guards no secret.
    return f"{_ids.getrandbits(128):032x}"


class RequestLog:
    """ASGI middleware: give the request its id, echo it, and log the request once it is answered.

    A plain ASGI middleware (not BaseHTTPMiddleware), so that it adds no task or body copy per request.
    The id is kept in `scope["state"]`, which is what `request.state` reads.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = None
        for key, value in scope["headers"]:
            if key == _HEADER_KEY:
                given = value.decode("latin-1")
                break
        rid = derive_request_id(given)
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = rid
        status = 500  # what the client gets if the app fails before answering
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [*message.get("headers", ()), (_HEADER_KEY, rid.encode("ascii"))]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 2)
            actor = state.get("actor")
            user = getattr(actor, "user_id", None)
            method, path = scope["method"], scope["path"]
            access_log.info(
                "%s %s %d %.1fms request_id=%s user=%s",
                method,
                path,
                status,
                duration_ms,
                rid,
                user or "-",
                extra={
                    "method": method,
                    "path": path,
                    "status": status,
                    "duration_ms": duration_ms,
                    "request_id": rid,
                    "user": user,
                },
            )


# Attributes every LogRecord has; anything else on a record came in through `extra=`.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the record's extras, any exception."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


LOG_FORMATS = ("json", "text")


def logging_config(log_format: str = "text", level: str = "info") -> dict[str, Any]:
    """A `logging.config.dictConfig` for a server process: aidcoord's and uvicorn's loggers to stderr.

    Passed to uvicorn as `log_config`, so that every worker process configures itself the same way.
    """
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, got {log_format!r}")
    level = level.upper()
    handler = {"class": "logging.StreamHandler", "formatter": log_format, "stream": "ext://sys.stderr"}
    quiet = {"handlers": ["stderr"], "level": level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": f"{__name__}.JsonFormatter"},
            "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        },
        "handlers": {"stderr": handler},
        "loggers": {"aidcoord": quiet, "uvicorn": quiet, "uvicorn.error": {"level": level}},
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }
