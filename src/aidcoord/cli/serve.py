"""`aidcoord serve`: the HTTP API on the database of AIDCOORD_DATABASE_URL."""

from __future__ import annotations

import typer
import uvicorn

from aidcoord.api.app import create_app
from aidcoord.cli.common import console, errors_shown, open_engine, require_current_schema


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
) -> None:
    """Serve the REST API (/api/v1, OpenAPI at /openapi.json) until interrupted."""
    engine = open_engine()
    try:
        with errors_shown():
            require_current_schema(engine)
    finally:
        engine.dispose()
    console.print(f"aidcoord API at http://{host}:{port}/api/v1 (OpenAPI: http://{host}:{port}/docs)")
    uvicorn.run(create_app(), host=host, port=port, log_level="info")
