"""Engines and the session scope, the only place that commits."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry

from aidcoord.config import PoolSettings


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given without a driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


WRITE = "aidcoord_write"
"""Execution option: the transaction will write, so SQLite takes the write lock when it begins."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling begins late and cannot BEGIN IMMEDIATE; hand it to
    # SQLAlchemy (see _sqlite_begin). WAL lets readers work while a writer commits; foreign keys
    # are off by default in SQLite.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # A writer takes the database's write lock up front (BEGIN IMMEDIATE), so two writers queue on
    # busy_timeout instead of both reading and then failing to upgrade: SQLite's counterpart to
    # SELECT … FOR UPDATE on PostgreSQL.
    immediate = connection.get_execution_options().get(WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


PING_AFTER_IDLE_S = 2.0
"""A pooled connection idle this long is pinged before use; one used more recently is trusted."""


def pool_options(pool: PoolSettings) -> dict[str, Any]:
    """create_engine's arguments for a server process's PostgreSQL connection pool."""
    return {
        "pool_size": pool.size,
        "max_overflow": pool.max_overflow,
        "pool_timeout": pool.timeout_s,
        "pool_recycle": pool.recycle_s,
        "connect_args": {"connect_timeout": pool.connect_timeout_s},
    }


def _idle_since(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["idle_since"] = time.monotonic()


def _pinger(engine: Engine) -> Any:
    # SQLAlchemy's pool_pre_ping costs a round trip on every checkout, i.e. on every request of a busy
    # server. A connection handed back moments ago was alive then: only one idle for a while (when a
    # database restart may have cut it) is pinged. A dead one is replaced before any request sees it.
    def ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # whatever the driver raises, the connection is unusable
            raise DisconnectionError(f"a pooled connection was dead: {error}") from error

    return ping_if_idle


def make_engine(url: str, *, pool: PoolSettings | None = None, **kwargs: Any) -> Engine:
    """Create an engine for `url`; SQLite gets WAL, foreign keys and a busy timeout on every connection.

    `pool` sizes the connection pool of a long-running server on PostgreSQL (and pings connections
    that were idle, see PING_AFTER_IDLE_S); SQLite ignores it (its connections are files opened on
    demand, and writers queue on the database's own lock).
    """
    url = normalise_url(url)
    server_pool = pool is not None and make_url(url).get_backend_name() == "postgresql"
    if server_pool:
        assert pool is not None
        kwargs = {**pool_options(pool), **kwargs}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    if server_pool and pool is not None and pool.pre_ping:
        event.listen(engine.pool, "checkin", _idle_since)
        event.listen(engine.pool, "checkout", _pinger(engine))
    return engine


def _binds(engine: Engine) -> tuple[Engine, Engine]:
    """(write, read) binds: a write begins with the write lock on SQLite; on PostgreSQL a read runs
    without BEGIN/COMMIT round trips (READ COMMITTED gives each statement its own snapshot anyway)."""
    # Made once per engine and kept on it, not once per request.
    binds: tuple[Engine, Engine] | None = getattr(engine, "_aidcoord_binds", None)
    if binds is None:
        read = engine
        if engine.dialect.name == "postgresql":
            read = engine.execution_options(isolation_level="AUTOCOMMIT")
        binds = (engine.execution_options(**{WRITE: True}), read)
        setattr(engine, "_aidcoord_binds", binds)  # noqa: B010 (Engine declares no such attribute)
    return binds


def open_session(engine: Engine, *, write: bool = True) -> Session:
    """A new session on `engine`'s write or read bind (see `session_scope`); no I/O until it is used."""
    return Session(bind=_binds(engine)[0 if write else 1], expire_on_commit=False)


def _autocommitted(session: Session) -> bool:
    """Whether everything `session` did is committed already: it runs on an autocommit bind (a read
    session on PostgreSQL) and holds no ORM change waiting for a flush, nor anything kept for its commit
    (`Session.info`: the audit records appended at commit)."""
    bind = session.bind
    return (
        bind is not None
        and bind.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        and not (session.new or session.dirty or session.deleted or session.info)
    )


def finish_session(session: Session, *, succeeded: bool) -> None:
    """End a session from `open_session`: commit if `succeeded`, else roll back; then close it."""
    try:
        if succeeded and _autocommitted(session):
            pass  # a commit would send nothing; closing is enough
        elif succeeded:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def session_scope(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """Open a session, commit when the block succeeds, roll back when it raises.

    A `write` session locks for writing from its start on SQLite; read-only ones (`write=False`)
    never wait for writers, and on PostgreSQL run in autocommit (each statement its own snapshot, as
    under READ COMMITTED; no BEGIN and COMMIT round trips). Reads that need one snapshot across
    statements open their own REPEATABLE READ transaction.
    """
    session = open_session(engine, write=write)
    try:
        yield session
    except BaseException:
        finish_session(session, succeeded=False)
        raise
    finish_session(session, succeeded=True)
