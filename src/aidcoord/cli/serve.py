"""`aidcoord serve`: the HTTP API on the database of AIDCOORD_DATABASE_URL."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer
import uvicorn

from aidcoord.api.logs import LOG_FORMATS, logging_config
from aidcoord.cli.common import console, errors_shown, open_engine, require_current_schema
from aidcoord.config import get_settings
from aidcoord.errors import Problem, ValidationFailed

APP_FACTORY = "aidcoord.api.app:create_app"
"""Each worker process builds its own app (and engine) from the environment."""

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def _check(workers: int, log_format: str, log_level: str, graceful_timeout: int) -> None:
    problems = []
    if workers < 1:
        problems.append(Problem(f"must be 1 or more, got {workers}", column="--workers"))
    if log_format not in LOG_FORMATS:
        problems.append(
            Problem(f"use one of {', '.join(LOG_FORMATS)}, got {log_format!r}", column="--log-format")
        )
    if log_level not in LOG_LEVELS:
        problems.append(
            Problem(f"use one of {', '.join(LOG_LEVELS)}, got {log_level!r}", column="--log-level")
        )
    if graceful_timeout < 0:
        problems.append(Problem(f"must be 0 or more, got {graceful_timeout}", column="--graceful-timeout"))
    if problems:
        raise ValidationFailed("the serve options are invalid", problems)


def _stop_quietly(_signal: int, _frame: FrameType | None) -> None:
    # uvicorn finishes the requests in flight on SIGTERM/SIGINT and then raises the signal again for
    # the previous handler: this one, so that a requested stop ends the command normally (exit 0).
    return


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(
        1, "--workers", help="Worker processes (each with its own connection pool); use PostgreSQL for >1."
    ),
    log_format: str = typer.Option(
        "text", "--log-format", help="Log lines as `text` or `json` (one object a line)."
    ),
    log_level: str = typer.Option("info", "--log-level", help="critical, error, warning, info or debug."),
    graceful_timeout: int = typer.Option(
        30, "--graceful-timeout", help="Seconds requests in flight get to finish after SIGTERM."
    ),
) -> None:
    """Serve the REST API (/api/v1, OpenAPI at /openapi.json, probes /healthz and /readyz) until stopped.

    Logs one line per request on stderr (method, path, status, duration, request id, user). SIGTERM or
    Ctrl-C stops accepting connections, lets the requests in flight finish and exits 0.
    """
    with errors_shown():
        _check(workers, log_format, log_level, graceful_timeout)
        get_settings()  # the pool settings of every worker, checked once here
        from aidcoord.api.limits import max_body_bytes  # the web stack only when serving

        max_body_bytes()  # and the body limit: a bad value is exit 2 now, not a crash in every worker
    engine = open_engine()
    try:
        with errors_shown():
            require_current_schema(engine)
    finally:
        engine.dispose()
    console.print(
        f"aidcoord API at http://{host}:{port}/api/v1 (OpenAPI: http://{host}:{port}/docs), "
        f"{workers} worker{'s' if workers != 1 else ''}"
    )
    in_main = threading.current_thread() is threading.main_thread()  # signals are the main thread's
    previous = {sig: signal.signal(sig, _stop_quietly) for sig in (signal.SIGTERM, signal.SIGINT) if in_main}
    try:
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=logging_config(log_format, log_level),
            log_level=log_level,
            access_log=False,  # the app writes its own access log (aidcoord.access_log)
            timeout_graceful_shutdown=graceful_timeout,
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    console.print("aidcoord API stopped")
