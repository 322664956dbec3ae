"""Reports as tables, written as CSV or XLSX: one shape for every report the CLI and the API export.

Formula neutralisation (CSV/formula injection): a text cell that starts with `=`, `+`, `-`, `@`, a tab
or a carriage return could be run as a formula by the spreadsheet that opens the file. In CSV such a
cell gets a leading `'` (the spreadsheet then shows it as text); in XLSX it is stored as a string cell
with Excel's own "quote prefix" style (what Excel records when one types a leading `'`), so the text
reads back unchanged and is never a formula, also after editing the cell. Numbers stay numbers: a
negative number is a number, not text. Characters that XML forbids (control characters) are replaced
by U+FFFD so that no stored text can break an export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

# openpyxl is imported where a workbook is written, not with this module: it is a quarter of a
# second of every command line's start, and most commands write no workbook.
if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell as XlsxCell
    from openpyxl.cell.cell import MergedCell
    from openpyxl.worksheet.worksheet import Worksheet

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


FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a text cell as a formula."""


def formula_like(value: object) -> bool:
    """Whether `value` is text a spreadsheet could run as a formula (numbers never are)."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_cell(value: Cell) -> Cell:
    """The cell as CSV writes it: formula-like text prefixed with `'`, numbers unchanged.

    A carriage return in text becomes a line feed: the writer quotes fields holding its line terminator
    (`\n`) but not a lone `\r`, which readers would take for the end of the row.
    """
    if not isinstance(value, str):
        return value
    text = "'" + value if formula_like(value) else value
    return text.replace("\r\n", "\n").replace("\r", "\n")


def write_cell(sheet: Worksheet, row: int, column: int, value: Any) -> XlsxCell | MergedCell:
    """Put `value` into a sheet's cell so that no text becomes a formula; the cell.

    Text is always a string cell (openpyxl would otherwise make `=…` a formula); formula-like text also
    gets the quote-prefix style. Control characters XML cannot hold become U+FFFD.
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        cell.data_type = "s"
        if formula_like(value):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def to_csv(table: ReportTable) -> str:
    """The table as CSV (a header row, then the rows; sources are not part of the CSV).

    Formula-like text cells are neutralised with a leading `'` (see the module's docstring).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([csv_cell(c) for c in table.columns])
    writer.writerows([csv_cell(c) for c in row] for row in table.rows)
    return out.getvalue()


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid, unused sheet name for `title` (added to `taken`)."""
    # Excel allows 31 characters and forbids []:*?/\ in sheet names; names must be unique.
    clean = "".join("_" if c in "[]:*?/\\" else c for c in title)[:31] or "report"
    name, n = clean, 2
    while name in taken:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def to_xlsx(tables: Sequence[ReportTable]) -> bytes:
    """The tables as one workbook, a sheet each: a bold, frozen, filtered header row and sources below.

    Numbers stay numbers; formula-like text is neutralised (see the module's docstring).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    taken: set[str] = set()
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(sheet_name(table.title, taken))
        for c, column in enumerate(table.columns, start=1):
            write_cell(sheet, 1, c, column).font = bold
        for r, row in enumerate(table.rows, start=2):
            for c, value in enumerate(row, start=1):
                write_cell(sheet, r, c, value)
        sheet.freeze_panes = "A2"
        if table.columns:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"
        for i, column in enumerate(table.columns, start=1):
            width = max(
                [len(column)] + [len(str(r[i - 1])) for r in table.rows[:200] if r[i - 1] is not None]
            )
            sheet.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
        if table.sources:
            for r, source in enumerate(table.sources, start=len(table.rows) + 3):
                write_cell(sheet, r, 1, f"Source: {source}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
