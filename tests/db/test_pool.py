"""The server's connection pool: sized from the settings, and a connection cut while idle is replaced."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from aidcoord.config import PoolSettings
from aidcoord.db import engine as engine_module
from aidcoord.db import make_engine, session_scope


def test_pool_settings_size_a_postgresql_engine_and_sqlite_keeps_its_own(tmp_path: Path) -> None:
    pool = PoolSettings(size=3, max_overflow=2, timeout_s=7, recycle_s=60, pre_ping=True, connect_timeout_s=4)
    # Nothing connects until a connection is asked for: no server is needed here.
    postgres = make_engine("postgresql://aidcoord@127.0.0.1:1/none", pool=pool)
    sqlite = make_engine(f"sqlite:///{tmp_path / 'x.db'}", pool=pool)
    try:
        assert (postgres.pool.size(), postgres.pool.timeout()) == (3, 7)
        assert sqlite.pool.size() == make_engine(f"sqlite:///{tmp_path / 'y.db'}").pool.size() != 3
    finally:
        postgres.dispose()
        sqlite.dispose()


def _backend_pid(engine: Engine) -> int:
    with session_scope(engine, write=False) as session:
        return int(session.scalar(text("SELECT pg_backend_pid()")) or 0)


@pytest.mark.postgres
@pytest.mark.parametrize("pre_ping", [True, False])
def test_a_connection_cut_while_idle_is_replaced_before_use(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, pre_ping: bool
) -> None:
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 0.0)  # every checkout counts as idle
    engine = make_engine(postgres_url, pool=PoolSettings(size=1, max_overflow=0, pre_ping=pre_ping))
    admin = make_engine(postgres_url)
    try:
        first = _backend_pid(engine)
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        if pre_ping:
            assert _backend_pid(engine) != first
        else:  # what the ping saves a request from
            with pytest.raises(OperationalError):
                _backend_pid(engine)
    finally:
        engine.dispose()
        admin.dispose()
