"""Reports answered as files: `?format=csv` (one table, chosen by `table`) or `?format=xlsx` (all)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import Query, Response

from aidcoord.errors import DomainError
from aidcoord.export import MEDIA_TYPES, ReportTable, to_csv, to_xlsx

FormatQuery = Annotated[
    Literal["json", "csv", "xlsx"],
    Query(description="json (default), csv (one table) or xlsx (every table)."),
]
TableQuery = Annotated[str | None, Query(description="For csv: which table (default: the first).")]

FILE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}}, "description": "The report."}
}


def _slug(title: str) -> str:
    return "-".join(title.lower().split())


def file_response(tables: Sequence[ReportTable], fmt: str, table: str | None, filename: str) -> Response:
    """The tables as a CSV (one, by slugged title) or XLSX download."""
    if fmt == "xlsx":
        return Response(
            to_xlsx(tables),
            media_type=MEDIA_TYPES["xlsx"],
            headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'},
        )
    names = [_slug(t.title) for t in tables]
    chosen = tables[0] if table is None else next((t for t in tables if _slug(t.title) == table), None)
    if chosen is None:
        raise DomainError(
            f"unknown table {table!r}: use one of {', '.join(names)}", code="validation_failed", status=422
        )
    return Response(
        to_csv(chosen),
        media_type=MEDIA_TYPES["csv"],
        headers={"Content-Disposition": f'attachment; filename="{filename}-{_slug(chosen.title)}.csv"'},
    )
