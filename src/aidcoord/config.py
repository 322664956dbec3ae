"""Settings from the environment.

| variable | default | meaning |
| --- | --- | --- |
| AIDCOORD_DATABASE_URL | sqlite:///./aidcoord.db | the database |
| AIDCOORD_DB_POOL_SIZE | 5 | PostgreSQL: connections each server process keeps open |
| AIDCOORD_DB_MAX_OVERFLOW | 10 | PostgreSQL: extra connections a process may open under load |
| AIDCOORD_DB_POOL_TIMEOUT | 30 | PostgreSQL: seconds a request waits for a free connection |
| AIDCOORD_DB_POOL_RECYCLE | 1800 | PostgreSQL: seconds after which a connection is replaced (-1: never) |
| AIDCOORD_DB_POOL_PRE_PING | true | PostgreSQL: test a connection idle for 2 s or more before use |
| AIDCOORD_DB_CONNECT_TIMEOUT | 10 | PostgreSQL: seconds to wait for the server when connecting |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from aidcoord.errors import Problem, ValidationFailed

DEFAULT_DATABASE_URL = "sqlite:///./aidcoord.db"


@dataclass(frozen=True, slots=True)
class PoolSettings:
    """The connection pool of a server process (PostgreSQL; SQLite keeps SQLAlchemy's own)."""

    size: int = 5
    max_overflow: int = 10
    timeout_s: float = 30.0
    recycle_s: int = 1800
    pre_ping: bool = True
    connect_timeout_s: int = 10


@dataclass(frozen=True, slots=True)
class Settings:
    """What the process is configured with; read once at the command or request boundary."""

    database_url: str
    pool: PoolSettings = field(default_factory=PoolSettings)


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _int(env: Mapping[str, str], name: str, default: int, least: int, problems: list[Problem]) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.append(Problem(f"must be a whole number, got {raw!r}", file="environment", column=name))
        return default
    if value < least:
        problems.append(Problem(f"must be {least} or more, got {value}", file="environment", column=name))
    return value


def _bool(env: Mapping[str, str], name: str, default: bool, problems: list[Problem]) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE | _FALSE:
        return raw in _TRUE
    problems.append(Problem(f"must be true or false, got {raw!r}", file="environment", column=name))
    return default


def get_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from the environment; ValidationFailed naming each malformed variable."""
    env = os.environ if environ is None else environ
    defaults = PoolSettings()
    problems: list[Problem] = []
    pool = PoolSettings(
        size=_int(env, "AIDCOORD_DB_POOL_SIZE", defaults.size, 1, problems),
        max_overflow=_int(env, "AIDCOORD_DB_MAX_OVERFLOW", defaults.max_overflow, 0, problems),
        timeout_s=_int(env, "AIDCOORD_DB_POOL_TIMEOUT", int(defaults.timeout_s), 1, problems),
        recycle_s=_int(env, "AIDCOORD_DB_POOL_RECYCLE", defaults.recycle_s, -1, problems),
        pre_ping=_bool(env, "AIDCOORD_DB_POOL_PRE_PING", defaults.pre_ping, problems),
        connect_timeout_s=_int(env, "AIDCOORD_DB_CONNECT_TIMEOUT", defaults.connect_timeout_s, 1, problems),
    )
    if problems:
        raise ValidationFailed("the environment is invalid", problems)
    return Settings(database_url=env.get("AIDCOORD_DATABASE_URL", DEFAULT_DATABASE_URL), pool=pool)
