"""Move rows between the pure core's frozen dataclasses and tables whose columns carry the same names."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import CursorResult, Executable, delete, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from aidcoord.db.base import Base

T = TypeVar("T")
# Bulk inserts in chunks keep PostgreSQL's bind-parameter limit and memory in check on XL scenarios.
CHUNK = 5000


def insert_rows(session: Session, model: type[Base], rows: Iterable[Any]) -> int:
    """Insert dataclass rows into `model`'s table (fields map to columns by name); return the count."""
    batch: list[dict[str, Any]] = []
    count = 0
    for row in rows:
        values = {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}
        if "extra" in values:
            values["extra"] = dict(values["extra"])
        batch.append(values)
        if len(batch) >= CHUNK:
            session.execute(insert(model), batch)
            count += len(batch)
            batch = []
    if batch:
        session.execute(insert(model), batch)
        count += len(batch)
    return count


def select_rows(
    session: Session,
    model: type[Base],
    row_type: type[T],
    order_by: Sequence[str],
    where: Sequence[ColumnElement[bool]] = (),
) -> list[T]:
    """Read the rows of `model` matching `where` as `row_type` dataclasses, in `order_by` column order."""
    names = [f.name for f in dataclasses.fields(row_type)]  # type: ignore[arg-type]
    table = model.__table__
    columns = [table.c[name] for name in names]
    query = select(*columns).where(*where).order_by(*(table.c[name] for name in order_by))
    result = session.execute(query)
    return [row_type(**dict(zip(names, values, strict=True))) for values in result]


def delete_rows(session: Session, model: type[Base]) -> None:
    """Delete every row of `model`'s table (used when a scenario is replaced)."""
    session.execute(delete(model))


def run_prebuilt(session: Session, statement: Executable, values: Mapping[str, Any]) -> CursorResult[Any]:
    """Run a statement built once (module level, or one per shape) on the session's connection.

    Rows come back as plain tuples, with no ORM loading; the session's pending changes are flushed
    first, as `Session.execute`'s autoflush would.
    """
    session.flush()
    return session.connection().execute(statement, values)
