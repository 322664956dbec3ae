"""Paginated lists: limit/offset in, items and total out."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from aidcoord.db.listing import MAX_LIMIT

T = TypeVar("T")


LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Most items to return.")]
OffsetQuery = Annotated[int, Query(ge=0, description="Items to skip.")]


class Page(BaseModel, Generic[T]):
    """A page of a list: the items, how many there are in all, and the window asked for."""

    items: list[T]
    total: int
    limit: int
    offset: int
