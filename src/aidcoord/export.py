"""Reports as tables, written as CSV or XLSX: one shape for every report the CLI and the API export."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

Cell = str | int | float | bool | None

FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True, slots=True)
class ReportTable:
    """A titled table: column names, rows of plain cells, and the sources of its figures."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    sources: tuple[str, ...] = field(default=())


def to_csv(table: ReportTable) -> str:
    """The table as CSV (a header row, then the rows; sources are not part of the CSV)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return out.getvalue()


def _sheet_name(title: str, taken: set[str]) -> str:
    # Excel allows 31 characters and forbids []:*?/\ in sheet names; names must be unique.
    clean = "".join("_" if c in "[]:*?/\\" else c for c in title)[:31] or "report"
    name, n = clean, 2
    while name in taken:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def to_xlsx(tables: Sequence[ReportTable]) -> bytes:
    """The tables as one workbook, a sheet each: header row frozen, numbers as numbers, sources below."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    taken: set[str] = set()
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.title, taken))
        sheet.append(list(table.columns))
        for row in table.rows:
            sheet.append(list(row))
        sheet.freeze_panes = "A2"
        for i, column in enumerate(table.columns, start=1):
            width = max(
                [len(column)] + [len(str(r[i - 1])) for r in table.rows[:200] if r[i - 1] is not None]
            )
            sheet.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
        if table.sources:
            sheet.append([])
            for source in table.sources:
                sheet.append([f"Source: {source}"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
