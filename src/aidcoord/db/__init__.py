"""Database: engine, session scope, declarative base, migrations."""

from aidcoord.db.base import Base
from aidcoord.db.engine import make_engine, normalise_url, session_scope

__all__ = ["Base", "make_engine", "normalise_url", "session_scope"]
