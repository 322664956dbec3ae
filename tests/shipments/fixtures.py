"""A database with an approved plan and its shipments, built once per backend and module (on a copy of
the session's migrated template), cloned per test.

Building it (scenario, plan) costs about a second per test on PostgreSQL; copying a SQLite file or
`CREATE DATABASE … TEMPLATE` costs a fraction of that.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from aidcoord.access.actor import SYSTEM
from aidcoord.db import make_engine, session_scope
from aidcoord.shipments import service as shipments
from tests.conftest import Template
from tests.shipments.factory import approved_plan


@pytest.fixture(scope="module")
def shipped_template(
    migrated_template: Template, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Template]:
    """A database with the approved plan's shipments, all `planned`; tests only ever use copies."""
    with migrated_template.copy(tmp_path_factory.mktemp("shipped")) as made:
        engine = make_engine(made.url())
        try:
            with session_scope(engine) as session:
                approved_plan(session)
                shipments.create_from_approved_plan(session, actor=SYSTEM)
        finally:
            engine.dispose()
        yield made


@pytest.fixture
def shipped_engine(shipped_template: Template, tmp_path: Path) -> Iterator[Engine]:
    """An engine on this test's own copy of the template."""
    with shipped_template.copy(tmp_path) as copied:
        engine = make_engine(copied.url())
        try:
            yield engine
        finally:
            engine.dispose()
