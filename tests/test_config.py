"""Settings from the environment: defaults, the pool variables, and every malformed one named."""

from __future__ import annotations

import pytest

from aidcoord.config import DEFAULT_DATABASE_URL, PoolSettings, get_settings
from aidcoord.errors import ValidationFailed


def test_defaults_and_values() -> None:
    assert get_settings({}).database_url == DEFAULT_DATABASE_URL
    assert get_settings({}).pool == PoolSettings()
    settings = get_settings(
        {
            "AIDCOORD_DATABASE_URL": "postgresql://db/x",
            "AIDCOORD_DB_POOL_SIZE": " 8 ",
            "AIDCOORD_DB_MAX_OVERFLOW": "0",
            "AIDCOORD_DB_POOL_TIMEOUT": "5",
            "AIDCOORD_DB_POOL_RECYCLE": "-1",
            "AIDCOORD_DB_POOL_PRE_PING": "off",
            "AIDCOORD_DB_CONNECT_TIMEOUT": "3",
        }
    )
    assert settings.database_url == "postgresql://db/x"
    assert settings.pool == PoolSettings(
        size=8, max_overflow=0, timeout_s=5, recycle_s=-1, pre_ping=False, connect_timeout_s=3
    )


def test_every_malformed_variable_is_named() -> None:
    with pytest.raises(ValidationFailed) as refused:
        get_settings(
            {
                "AIDCOORD_DB_POOL_SIZE": "0",
                "AIDCOORD_DB_MAX_OVERFLOW": "x",
                "AIDCOORD_DB_POOL_PRE_PING": "maybe",
            }
        )
    assert [p.column for p in refused.value.problems] == [
        "AIDCOORD_DB_POOL_SIZE",
        "AIDCOORD_DB_MAX_OVERFLOW",
        "AIDCOORD_DB_POOL_PRE_PING",
    ]
    assert all(p.file == "environment" for p in refused.value.problems)
