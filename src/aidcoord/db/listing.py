"""What every paginated, sortable list shares: checking the window and turning `sort` into an ORDER BY."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, bindparam, func
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


def windowed(view: Select[Any], order: Sequence[ColumnElement[Any]]) -> Select[Any]:
    """A page of `view` in `order`: `limit` and `offset` bound when it runs, and the number of rows the
    whole list has as one more column on every row (`count(*) OVER ()`), which saves a count query for
    every page but one past the end."""
    return (
        view.add_columns(func.count().over().label("total"))
        .order_by(*order)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
