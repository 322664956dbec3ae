"""Database: engine, session scope, declarative base, migrations."""

from aidcoord.db import column_limits  # noqa: F401  (registers the text guard on every ORM flush)
from aidcoord.db.base import Base
from aidcoord.db.engine import make_engine, normalise_url, session_scope

__all__ = ["Base", "make_engine", "normalise_url", "session_scope"]
