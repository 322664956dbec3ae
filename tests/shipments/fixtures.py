"""A database with an approved plan and its shipments, built once per backend and module, cloned per test.

Building it (migrations, scenario, plan) costs about a second per test on PostgreSQL; copying a SQLite
file or `CREATE DATABASE … TEMPLATE` costs a fraction of that.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from aidcoord.access.actor import SYSTEM
from aidcoord.db import make_engine, session_scope
from aidcoord.db.migrate import upgrade
from aidcoord.shipments import service as shipments
from tests.conftest import BACKENDS
from tests.shipments.factory import approved_plan


@dataclass(frozen=True)
class Template:
    """Where the template lives: a SQLite file, or a PostgreSQL database beside the session's one."""

    path: Path | None = None
    server_url: str | None = None
    """PostgreSQL: a database on the same server to connect to for CREATE/DROP (not the template)."""
    name: str | None = None

    def url(self, name: str | None = None) -> str:
        if self.path is not None:
            return f"sqlite:///{self.path}"
        assert self.server_url is not None
        return self.server_url.rsplit("/", 1)[0] + f"/{name or self.name}"

    def admin(self, sql: str) -> None:
        assert self.server_url is not None
        engine = make_engine(self.server_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(sql))
        finally:
            engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def shipped_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Template]:
    """A database with the approved plan's shipments, all `planned`; tests only ever use copies."""
    if request.param == "sqlite":
        template = Template(path=tmp_path_factory.mktemp("shipped") / "template.db")
    else:
        template = Template(
            server_url=request.getfixturevalue("postgres_url"), name=f"tpl_{uuid.uuid4().hex[:16]}"
        )
        template.admin(f'CREATE DATABASE "{template.name}"')
    engine = make_engine(template.url())
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            approved_plan(session)
            shipments.create_from_approved_plan(session, actor=SYSTEM)
    finally:
        engine.dispose()
    yield template
    if template.name is not None:
        template.admin(f'DROP DATABASE IF EXISTS "{template.name}" WITH (FORCE)')


@pytest.fixture
def shipped_engine(shipped_template: Template, tmp_path: Path) -> Iterator[Engine]:
    """An engine on this test's own copy of the template."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    if shipped_template.path is not None:
        copy = tmp_path / "test.db"
        shutil.copyfile(shipped_template.path, copy)
        url = f"sqlite:///{copy}"
    else:
        shipped_template.admin(f'CREATE DATABASE "{name}" TEMPLATE "{shipped_template.name}"')
        url = shipped_template.url(name)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        if shipped_template.path is None:
            shipped_template.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
