"""Settings from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///./aidcoord.db"


@dataclass(frozen=True, slots=True)
class Settings:
    """What the process is configured with; read once at the command or request boundary."""

    database_url: str


def get_settings() -> Settings:
    """Read the settings from the environment (AIDCOORD_DATABASE_URL)."""
    return Settings(database_url=os.environ.get("AIDCOORD_DATABASE_URL", DEFAULT_DATABASE_URL))
