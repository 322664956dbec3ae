"""The hostile-input corpus's fixtures: one shipped scenario per backend, shared by a module's tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from aidcoord.access import service as access
from aidcoord.access.actor import SYSTEM
from aidcoord.api.app import create_app
from aidcoord.dataset import service as dataset
from aidcoord.db import make_engine, session_scope
from aidcoord.db.migrate import upgrade
from aidcoord.plans import service as plans
from aidcoord.scenario.generate import generate
from aidcoord.shipments import service as shipments
from tests.conftest import BACKENDS, fresh_database_url

PASSWORD = "a long enough password"


@dataclass(frozen=True)
class World:
    """A coordinator's API client (bearer token) over scenario S, planned, approved and shipped."""

    client: TestClient
    engine: Engine
    shipment_id: str
    spare_shipment_id: str  # another, so that tests never depend on each other's events
    user_id: str = "coord"


def shipped_world(request: pytest.FixtureRequest, folder: Path) -> Iterator[World]:
    """Build the world on the backend the fixture's parameter names."""
    for url in fresh_database_url(request, request.param, folder):
        engine = make_engine(url)
        upgrade(engine)
        with session_scope(engine) as session:
            dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", 1))
            version = plans.create_plan(session, actor=SYSTEM, method="greedy").version
            plans.approve_plan(session, actor=SYSTEM, version=version, reason="board")
            shipment_ids = shipments.create_from_approved_plan(session, actor=SYSTEM).created[:2]
            access.add_user(
                session,
                actor=SYSTEM,
                user_id="coord",
                organisation_id="CELL",
                roles=["coordinator"],
                password=PASSWORD,
            )
            token = access.create_token(session, actor=SYSTEM, user_id="coord").secret
        app = create_app(url)
        with TestClient(app, raise_server_exceptions=False) as client:
            client.headers["Authorization"] = f"Bearer {token}"
            yield World(client, engine, *shipment_ids)
        app.state.engine.dispose()
        engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One shipped world per backend and test module."""
    yield from shipped_world(request, tmp_path_factory.mktemp("hostile"))
