"""What every paginated, sortable list shares: checking the window and turning `sort` into an ORDER BY."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.sql.elements import ColumnElement

from aidcoord.errors import Problem, ValidationFailed

MAX_LIMIT = 1000


def window_problems(limit: int, offset: int) -> list[Problem]:
    """Problems with a page window: `limit` in [1, MAX_LIMIT], `offset` ≥ 0."""
    problems = []
    if not 1 <= limit <= MAX_LIMIT:
        problems.append(Problem(f"limit must be in [1, {MAX_LIMIT}], got {limit}", column="limit"))
    if offset < 0:
        problems.append(Problem(f"offset must be ≥ 0, got {offset}", column="offset"))
    return problems


def sort_order(
    sort: str, columns: Mapping[str, ColumnElement[Any]], tiebreak: str
) -> list[ColumnElement[Any]]:
    """ORDER BY for `sort` (a key of `columns`, `-` prefix to descend), then `tiebreak` ascending."""
    key = sort.removeprefix("-")
    if key not in columns:
        message = f"sort must be one of {', '.join(columns)} (prefix - to descend), got {sort!r}"
        raise ValidationFailed(message, [Problem(message, column="sort")])
    first = columns[key].desc() if sort.startswith("-") else columns[key].asc()
    return [first] if key == tiebreak else [first, columns[tiebreak].asc()]
