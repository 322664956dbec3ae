"""Workbooks formatted for people: a title and source notes, a bold frozen header with a filter, widths
that fit, and number formats by column kind (EUR with thousands separators, whole units, dates, %).

Layout of every sheet: row 1 the title, then one row per note (where the figures come from), a blank
row, the header row, the data rows, and — outside the filter, so that sorting leaves it last — an
optional bold total row. Cells go through `export.write_cell`, so formula-like text is neutralised
exactly as in every other export.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from aidcoord.export import sheet_name, write_cell

# openpyxl is imported where a workbook is written (see aidcoord.export).
if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

Kind = Literal["text", "int", "eur", "number", "date", "pct", "week", "bool"]
Value = str | int | float | bool | dt.date | None

FORMATS: dict[str, str] = {
    "int": "#,##0",
    "eur": "#,##0",
    "number": "#,##0.00",
    "date": "yyyy-mm-dd",
    "pct": "0.0%",
    "week": "0",
}
"""Excel number formats by column kind (text and booleans keep the General format)."""

MIN_WIDTH, MAX_WIDTH = 8, 60
WIDTH_SAMPLE = 500
"""Rows looked at to size a column: enough to see the widths, cheap on large sheets."""

HEADER_COLOUR = "DDE4EE"


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its header as people read it and the kind of its values (which sets the format)."""

    header: str
    kind: Kind = "text"


@dataclass(frozen=True, slots=True)
class Sheet:
    """One sheet: a title, notes (sources of the figures), columns, rows and an optional total row.

    Percentages (`pct`) are fractions (0.25 shows as 25.0%); dates are `datetime.date`s.
    """

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]
    notes: tuple[str, ...] = field(default=())
    total: tuple[Value, ...] | None = None


def header_row(sheet: Sheet) -> int:
    """The row number of a sheet's header: after the title, the notes and a blank row."""
    return len(sheet.notes) + 3


def _shown(value: Value, kind: Kind) -> str:
    """The text a cell shows, roughly, to size its column."""
    if value is None:
        return ""
    if kind in ("int", "eur") and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,.0f}"
    if kind == "number" and isinstance(value, int | float):
        return f"{value:,.2f}"
    if kind == "pct" and isinstance(value, int | float):
        return f"{100 * value:.1f}%"
    if isinstance(value, dt.date):
        return "2025-01-01"
    return str(value)


def _width(column: Column, values: Sequence[Value]) -> float:
    # Header text wraps over two lines when it is long, so it counts for half its length past 16.
    header = len(column.header) if len(column.header) <= 16 else max(16, (len(column.header) + 1) // 2)
    longest = max([header, *(len(_shown(v, column.kind)) for v in values)])
    return float(min(MAX_WIDTH, max(MIN_WIDTH, longest + 2)))


def _write_row(ws: Worksheet, r: int, sheet: Sheet, values: Sequence[Value], bold: bool = False) -> None:
    for c, (column, value) in enumerate(zip(sheet.columns, values, strict=True), start=1):
        cell = write_cell(ws, r, c, value)
        if column.kind in FORMATS and value is not None and not isinstance(value, str):
            cell.number_format = FORMATS[column.kind]
        if bold:
            from openpyxl.styles import Font

            cell.font = Font(bold=True)


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The sheets as one XLSX workbook, formatted for people (see the module's docstring)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    header_fill = PatternFill("solid", start_color=HEADER_COLOUR, end_color=HEADER_COLOUR)
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    taken: set[str] = set()
    thin = Side(style="thin", color="8899AA")
    for sheet in sheets:
        ws = book.create_sheet(sheet_name(sheet.name, taken))
        write_cell(ws, 1, 1, sheet.title).font = Font(bold=True, size=14)
        for i, note in enumerate(sheet.notes, start=2):
            write_cell(ws, i, 1, note).font = Font(italic=True, color="555555")
        top = header_row(sheet)
        for c, column in enumerate(sheet.columns, start=1):
            cell = write_cell(ws, top, c, column.header)
            cell.font = Font(bold=True)
            cell.fill = header_fill
            cell.border = Border(bottom=thin)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for r, row in enumerate(sheet.rows, start=top + 1):
            _write_row(ws, r, sheet, row)
        last = top + len(sheet.rows)
        if sheet.total is not None:
            _write_row(ws, last + 1, sheet, sheet.total, bold=True)
        ws.freeze_panes = f"A{top + 1}"
        end = get_column_letter(len(sheet.columns))
        ws.auto_filter.ref = f"A{top}:{end}{max(last, top)}"
        sample = [*sheet.rows[:WIDTH_SAMPLE], *([sheet.total] if sheet.total else [])]
        for c, column in enumerate(sheet.columns, start=1):
            values = [row[c - 1] for row in sample]
            ws.column_dimensions[get_column_letter(c)].width = _width(column, values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
