"""insert_many: the same rows and the same integrity error on every backend and path."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, Table, select
from sqlalchemy.exc import IntegrityError

from aidcoord.access.models import Organisation
from aidcoord.db import session_scope
from aidcoord.db.bulk import COPY_FROM, insert_many

ORGANISATIONS: Table = Organisation.__table__  # a Table, typed as FromClause


def rows(count: int, prefix: str) -> list[dict[str, object]]:
    return [
        {"organisation_id": f"{prefix}-{i}", "name": f"Org 'quoted' \\ {i}\t\u00e9", "kind": "auditor"}
        for i in range(count)
    ]


@pytest.mark.parametrize("count", [COPY_FROM - 1, COPY_FROM + 5], ids=["insert", "copy"])
def test_rows_go_in_and_a_duplicate_is_an_integrity_error(migrated_engine: Engine, count: int) -> None:
    with session_scope(migrated_engine) as session:
        insert_many(session, ORGANISATIONS, rows(count, "A"))
    with session_scope(migrated_engine, write=False) as session:
        stored = session.execute(select(Organisation.organisation_id, Organisation.name)).all()
    assert sorted(stored) == sorted((r["organisation_id"], r["name"]) for r in rows(count, "A"))
    with pytest.raises(IntegrityError), session_scope(migrated_engine) as session:
        insert_many(session, ORGANISATIONS, [*rows(count, "B"), rows(1, "A")[0]])
    with session_scope(migrated_engine, write=False) as session:
        assert len(session.execute(select(Organisation.organisation_id)).all()) == count  # nothing of B
