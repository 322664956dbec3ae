"""Workbooks formatted for people: title and notes, a bold frozen filtered header, formats and widths."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from aidcoord.spreadsheets.workbook import (
    FORMATS,
    MAX_WIDTH,
    MIN_WIDTH,
    Column,
    Sheet,
    header_row,
    workbook_bytes,
)

SHEET = Sheet(
    name="Offers: a/b",  # characters Excel forbids in sheet names
    title="Offers (pledges)",
    columns=(
        Column("Offer"),
        Column("Units", "int"),
        Column("Value (EUR)", "eur"),
        Column("Due week", "week"),
        Column("Announced on", "date"),
        Column("Allocated share", "pct"),
        Column("Weight", "number"),
        Column("Source"),
    ),
    rows=(
        ("OFF-1", 1200, 1_234_567.5, 3, dt.date(2025, 3, 3), 0.25, 1.5, '=HYPERLINK("http://x")'),
        ("OFF-2", 7, 10.0, 0, None, None, 2.0, "a letter of 2025-03-01 " + "x" * 100),
    ),
    notes=("Reference data: scenario S (illustrative).", "Shown: every nation's offers."),
    total=("Total", 1207, 1_234_577.5, None, None, None, None, None),
)


def _sheet() -> Worksheet:
    book = load_workbook(io.BytesIO(workbook_bytes([SHEET])))
    assert book.sheetnames == ["Offers_ a_b"]
    sheet = book.worksheets[0]
    assert isinstance(sheet, Worksheet)
    return sheet


def test_title_notes_and_a_bold_frozen_filtered_header() -> None:
    sheet = _sheet()
    top = header_row(SHEET)
    assert top == 5  # title, two notes, a blank row
    assert sheet["A1"].value == "Offers (pledges)"
    assert sheet["A1"].font.bold
    assert [sheet.cell(row=r, column=1).value for r in (2, 3)] == list(SHEET.notes)
    assert [c.value for c in sheet[top]] == [c.header for c in SHEET.columns]
    assert all(c.font.bold for c in sheet[top])
    assert sheet.freeze_panes == f"A{top + 1}"
    # The filter covers the header and the data; the total row stays below it when sorting.
    assert sheet.auto_filter.ref == f"A{top}:H{top + 2}"
    total = sheet[top + 3]
    assert total[0].value == "Total"
    assert total[1].value == 1207
    assert total[1].font.bold


def test_number_formats_dates_and_percentages() -> None:
    sheet = _sheet()
    first = sheet[header_row(SHEET) + 1]
    assert first[1].value == 1200
    assert first[1].number_format == FORMATS["int"] == "#,##0"
    assert first[2].number_format == FORMATS["eur"]
    assert first[3].number_format == "0"
    assert isinstance(first[4].value, dt.datetime)  # a date cell (openpyxl reads dates back as datetimes)
    assert first[4].value.date() == dt.date(2025, 3, 3)
    assert first[4].number_format == "yyyy-mm-dd"
    assert first[5].value == 0.25
    assert first[5].number_format == "0.0%"
    assert first[6].number_format == "#,##0.00"
    # Text that a spreadsheet would run is stored as text.
    assert first[7].data_type == "s"
    assert first[7].quotePrefix
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_column_widths_fit_their_contents_within_bounds() -> None:
    sheet = _sheet()
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGH"}
    assert all(MIN_WIDTH <= w <= MAX_WIDTH for w in widths.values())
    assert widths["C"] >= len("1,234,578")  # the EUR value as shown, with separators
    assert widths["H"] == MAX_WIDTH  # the long source is capped
    assert widths["A"] < widths["C"] < widths["H"]
