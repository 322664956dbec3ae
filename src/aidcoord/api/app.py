"""create_app(): the FastAPI application over the services, under /api/v1."""

from __future__ import annotations

from fastapi import FastAPI

from aidcoord import __version__
from aidcoord.api import problems
from aidcoord.config import get_settings
from aidcoord.db import make_engine
from aidcoord.nations.views import router as nations_router

API_PREFIX = "/api/v1"


def create_app(database_url: str | None = None) -> FastAPI:
    """Build the app for `database_url` (default: AIDCOORD_DATABASE_URL)."""
    app = FastAPI(
        title="aidcoord",
        version=__version__,
        description="Coordination of multinational assistance: reference data, requirements, pledges, "
        "plans and shipments. Errors are RFC 9457 problem+json.",
        openapi_url="/openapi.json",
    )
    app.state.engine = make_engine(database_url or get_settings().database_url)
    problems.install(app)
    for router in (nations_router,):
        app.include_router(router, prefix=API_PREFIX, responses=problems.PROBLEM_RESPONSES)
    return app
