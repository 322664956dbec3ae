"""Shared fixtures: databases built by the migrations, on SQLite and on PostgreSQL.

PostgreSQL: CI provides a server at 127.0.0.1:5432 (trust auth, user postgres, database test);
AIDCOORD_TEST_POSTGRES_URL overrides it. Each test session creates its own database and drops it
at the end. With CI=true a missing server fails the PostgreSQL tests; elsewhere they are skipped.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from aidcoord.access import service as access
from aidcoord.access.actor import SYSTEM
from aidcoord.api.app import create_app
from aidcoord.db import make_engine, session_scope
from aidcoord.db.all_models import metadata
from aidcoord.db.migrate import upgrade
from tests.api.helpers import sign_in

POSTGRES_ADMIN_URL = os.environ.get(
    "AIDCOORD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _postgres_available() -> str | None:
    """None when the server answers, else why not."""
    engine = make_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # any failure to reach the server means the same thing here
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (dropped afterwards)."""
    reason = _postgres_available()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required when CI=true but is not reachable: {reason}")
        pytest.skip(f"PostgreSQL not reachable: {reason}")
    name = f"aidcoord_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fresh_database_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database URL of `backend` that the test owns."""
    with empty_database(request, backend, tmp_path, stem="test") as made:
        yield made.url()


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database (no schema), on each backend."""
    yield from fresh_database_url(request, request.param, tmp_path)


@dataclass(frozen=True)
class Template:
    """A database tests copy: a SQLite file, or a PostgreSQL database beside the session's one."""

    path: Path | None = None
    server_url: str | None = None
    """PostgreSQL: a database on the same server to connect to for CREATE/DROP (not the template)."""
    name: str | None = None

    def url(self, name: str | None = None) -> str:
        """The template's URL, or on PostgreSQL that of database `name` on its server."""
        if self.path is not None:
            return f"sqlite:///{self.path}"
        assert self.server_url is not None
        return self.server_url.rsplit("/", 1)[0] + f"/{name or self.name}"

    def admin(self, sql: str) -> None:
        """Run `sql` (CREATE or DROP DATABASE) on the PostgreSQL server, outside a transaction."""
        assert self.server_url is not None
        engine = make_engine(self.server_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(sql))
        finally:
            engine.dispose()

    @contextmanager
    def copy(self, folder: Path) -> Iterator[Template]:
        """A new copy of this database: a file in `folder`, or a database dropped afterwards."""
        if self.path is not None:
            copied = folder / "test.db"
            shutil.copyfile(self.path, copied)
            yield Template(path=copied)
            return
        name = f"t_{uuid.uuid4().hex[:16]}"
        self.admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        try:
            yield Template(server_url=self.server_url, name=name)
        finally:
            self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def empty_database(
    request: pytest.FixtureRequest, backend: str, folder: Path, *, stem: str
) -> Iterator[Template]:
    """An empty database of `backend`: `folder`/`stem`.db, or `stem`_<random> beside the session's
    PostgreSQL database (dropped at the end)."""
    if backend == "sqlite":
        yield Template(path=folder / f"{stem}.db")
        return
    made = Template(
        server_url=request.getfixturevalue("postgres_url"), name=f"{stem}_{uuid.uuid4().hex[:16]}"
    )
    made.admin(f'CREATE DATABASE "{made.name}"')
    try:
        yield made
    finally:
        made.admin(f'DROP DATABASE IF EXISTS "{made.name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Template]:
    """A database built by the migrations, once per backend and test session; tests use copies of it."""
    with empty_database(request, request.param, tmp_path_factory.mktemp("migrated"), stem="template") as made:
        engine = make_engine(made.url())
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        yield made


@pytest.fixture
def migrated_engine(migrated_template: Template, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database whose schema was created by the migrations, on each backend.

    A copy of `migrated_template` (building the schema costs about 0.3 s a test on either backend;
    copying it, a file copy or `CREATE DATABASE … TEMPLATE`, costs far less on SQLite and the same as
    an empty database on PostgreSQL). Like a database migrated on its own, each copy gets its own
    instance identity.
    """
    with migrated_template.copy(tmp_path) as copied:
        engine = make_engine(copied.url())
        try:
            with session_scope(engine) as session:
                session.execute(text("UPDATE instance SET instance_id = :id"), {"id": str(uuid.uuid4())})
            yield engine
        finally:
            engine.dispose()


@pytest.fixture
def session(migrated_engine: Engine) -> Iterator[Session]:
    """A session on a migrated database; committed at the end of the test like a command would."""
    with session_scope(migrated_engine) as session:
        yield session


def table_row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table the models declare."""
    with engine.connect() as connection:
        return {
            table.name: int(connection.execute(text(f'SELECT count(*) FROM "{table.name}"')).scalar_one())
            for table in metadata.sorted_tables
        }


def state_rows(engine: Engine) -> int:
    """Rows of state in all: every table but `instance` (the database's identity, made by its migration)."""
    return sum(n for name, n in table_row_counts(engine).items() if name != "instance")


@pytest.fixture
def api(migrated_engine: Engine) -> Iterator[TestClient]:
    """An HTTP client on the app, over a migrated database of each backend, signed in as a coordinator.

    The coordinator works for the cell's organisation, which the fixture creates; a scenario loaded
    later adds the rest of the organisations.
    """
    with session_scope(migrated_engine) as session:
        access.add_many(
            session,
            actor=SYSTEM,
            organisations=[access.Organisation("CELL", "Coordination cell", "coordination_cell")],
        )
    app = create_app(migrated_engine.url.render_as_string(hide_password=False))
    with TestClient(app) as client:
        sign_in(client, migrated_engine)
        yield client
    app.state.engine.dispose()
