"""Fixtures of the HTTP tests."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from aidcoord.access.actor import SYSTEM
from aidcoord.dataset.service import load_scenario
from aidcoord.db import session_scope
from aidcoord.scenario.generate import generate


@pytest.fixture
def client(api: TestClient, migrated_engine: Engine) -> TestClient:
    """The API over a database holding the generated scenario S (seed 1)."""
    with session_scope(migrated_engine) as session:
        load_scenario(session, actor=SYSTEM, scenario=generate("S", 1))
    return api
