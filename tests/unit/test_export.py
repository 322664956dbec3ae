"""Report exports (`aidcoord.export`): formula-like text is neutralised, numbers stay numbers."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from aidcoord.export import ReportTable, csv_cell, formula_like, to_csv, to_xlsx

TRIGGERS = ("=1+2", "+1+2", "-1+2", "@SUM(A1:A2)", "\t=1+2", "\r=1+2")
TABLE = ReportTable(
    title="Donors",
    columns=("name", "value"),
    rows=(*((text, -5) for text in TRIGGERS), ("plain", -2.5), ("a=b", 0), ("bell\x07", None)),
    sources=("=not a formula either",),
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *(("=x", True), ("+x", True), ("-x", True), ("@x", True), ("\tx", True), ("\rx", True)),
        *(("x=", False), ("", False), (-5, False), (-2.5, False), (None, False), (True, False)),
    ],
)
def test_formula_like(value: object, expected: bool) -> None:
    assert formula_like(value) is expected


def test_csv_prefixes_formula_like_text_and_leaves_numbers() -> None:
    rows = list(csv.reader(io.StringIO(to_csv(TABLE))))
    assert rows[0] == ["name", "value"]
    names = [r[0] for r in rows[1 : 1 + len(TRIGGERS)]]
    # A carriage return is written as a line feed, inside quotes, so the row stays one row.
    assert names == ["'" + t.replace("\r", "\n") for t in TRIGGERS]
    assert [r[1] for r in rows[1 : 1 + len(TRIGGERS)]] == ["-5"] * len(TRIGGERS)
    assert rows[1 + len(TRIGGERS)] == ["plain", "-2.5"]
    assert rows[2 + len(TRIGGERS)] == ["a=b", "0"]
    assert len(rows) == 1 + len(TABLE.rows)
    assert csv_cell(-7) == -7


def test_xlsx_stores_formula_like_text_as_quoted_text_and_numbers_as_numbers() -> None:
    data = to_xlsx([TABLE])
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    names = [sheet.cell(row=r, column=1) for r in range(2, 2 + len(TRIGGERS))]
    # The text reads back as written (XML turns a carriage return into a line feed), never as a formula.
    assert [c.value for c in names] == [t.replace("\r", "\n") for t in TRIGGERS]
    assert all(c.data_type == "s" and c.quotePrefix for c in names)
    values = [sheet.cell(row=r, column=2) for r in range(2, 3 + len(TRIGGERS))]
    assert [c.value for c in values] == [-5] * len(TRIGGERS) + [-2.5]
    assert all(c.data_type == "n" for c in values)
    assert sheet.cell(row=2 + len(TRIGGERS) + 1, column=1).quotePrefix is False  # "a=b" is plain text
    assert sheet.cell(row=2 + len(TRIGGERS) + 2, column=1).value == "bell\ufffd"  # XML cannot hold \x07
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        assert b"<f>" not in book.read("xl/worksheets/sheet1.xml")


def test_xlsx_header_is_bold_frozen_and_filtered_with_sources_below() -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx([TABLE]))).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == ["name", "value"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:B{1 + len(TABLE.rows)}"
    source = sheet.cell(row=len(TABLE.rows) + 3, column=1)
    assert source.value == "Source: =not a formula either"
