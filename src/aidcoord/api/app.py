"""create_app(): the FastAPI application over the services, under /api/v1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from aidcoord import __version__
from aidcoord.access.views import auth_router
from aidcoord.access.views import router as access_router
from aidcoord.api import health, limits, problems
from aidcoord.api.logs import RequestLog
from aidcoord.audit.views import router as audit_router
from aidcoord.catalog.views import router as catalog_router
from aidcoord.config import get_settings
from aidcoord.db import make_engine
from aidcoord.handover.views import router as handover_router
from aidcoord.jobs.runner import InProcessWorker
from aidcoord.jobs.views import router as jobs_router
from aidcoord.nations.views import router as nations_router
from aidcoord.offers.views import router as offers_router
from aidcoord.plans.views import router as plans_router
from aidcoord.reference.views import router as reference_series_router
from aidcoord.reports.risk_views import router as risk_router
from aidcoord.reports.views import router as reports_router
from aidcoord.requirements.views import router as requirements_router
from aidcoord.shipments.views import router as shipments_router
from aidcoord.sites.views import router as sites_router
from aidcoord.spreadsheets.views import router as spreadsheets_router
from aidcoord.training.views import router as training_router
from aidcoord.web import routes as web
from aidcoord.whatif.views import router as whatif_router

API_PREFIX = "/api/v1"


def create_app(database_url: str | None = None) -> FastAPI:
    """Build the app for `database_url` (default: AIDCOORD_DATABASE_URL)."""
    settings = get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # On SQLite (one server, the embedded default) the server runs the jobs itself; on PostgreSQL
        # `aidcoord worker` processes do, so that servers stay stateless and any number can run.
        worker = InProcessWorker(app.state.engine) if app.state.engine.dialect.name == "sqlite" else None
        if worker is not None:
            worker.start()
        yield
        if worker is not None:
            worker.close()
        # Close the pool's connections when the server stops, so the database sees clean goodbyes.
        app.state.engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="aidcoord",
        version=__version__,
        description="Coordination of multinational assistance: reference data, requirements, pledges, "
        "plans and shipments. Errors are RFC 9457 problem+json.",
        openapi_url="/openapi.json",
    )
    app.state.engine = make_engine(database_url or settings.database_url, pool=settings.pool)
    problems.install(app)
    limits.install(app)
    # Outermost of the app's own middleware: every request, refused ones included, gets an id and a log line.
    app.add_middleware(RequestLog)
    app.include_router(health.router)
    for router in (
        auth_router,
        nations_router,
        sites_router,
        catalog_router,
        access_router,
        requirements_router,
        offers_router,
        plans_router,
        shipments_router,
        reference_series_router,
        reports_router,
        whatif_router,
        risk_router,
        audit_router,
        training_router,
        spreadsheets_router,
        handover_router,
        jobs_router,
    ):
        app.include_router(router, prefix=API_PREFIX, responses=problems.PROBLEM_RESPONSES)
    # The dashboard's pages at / (HTML, outside the OpenAPI document).
    web.install(app)
    return app
