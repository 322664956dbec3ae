"""Reading a Kiel-style sheet (no database): headers and their variants, and files refused as a whole."""

from __future__ import annotations

import io
import zipfile

import pytest

from aidcoord.errors import ValidationFailed
from aidcoord.spreadsheets import kiel_import
from aidcoord.spreadsheets.kiel_import import PayloadTooLarge, clean_file_name, item_key, read_sheet
from tests.spreadsheets.factory import ROWS, kiel_sheet


def test_header_variants_below_a_title_and_ignored_columns() -> None:
    header = ("COUNTRY", "date", "Type", "Equipment", "units", "Value EUR", "Comment")
    sheet = read_sheet(kiel_sheet(ROWS[:2], header, title="Ukraine Support Tracker"), "C:\\data\\kiel.xlsx")
    assert sheet.file == "kiel.xlsx"
    assert sheet.sheet == "Kiel items"
    assert sheet.header_row == 2
    assert {c.field: c.header for c in sheet.columns} == {
        "donor": "COUNTRY",
        "date": "date",
        "measure": "Type",
        "item": "Equipment",
        "quantity": "units",
        "value": "Value EUR",
    }
    assert sheet.ignored_columns == ("Comment",)
    assert [number for number, _ in sheet.rows] == [3, 4]


def test_rows_keep_their_spreadsheet_numbers_and_formulas_stay_formulas() -> None:
    sheet = read_sheet(kiel_sheet(), "kiel.xlsx")
    numbers = [n for n, _ in sheet.rows]
    assert numbers == [2, 3, 4, 5, 6, 7, 8, 9, 11, 12]  # row 10 is blank
    formula = dict(sheet.rows)[9][4]
    assert (formula.value, formula.data_type) == ("=2*3", "f")


def _refused(data: bytes) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        read_sheet(data, "upload.xlsx")
    return caught.value


def test_a_missing_column_is_named_with_the_header_row() -> None:
    error = _refused(kiel_sheet(ROWS[:1], ("Donor", "Date", "Measure", "Quantity")))
    assert [(p.file, p.row, p.column) for p in error.problems] == [("upload.xlsx", 1, "item")]
    assert "'Item', 'Equipment'" in error.problems[0].message


def test_two_columns_for_one_field_are_refused() -> None:
    header = ("Donor", "Date", "Announcement date", "Measure", "Item", "Quantity")
    error = _refused(kiel_sheet([], header))
    assert "'Date' and 'Announcement date' both name the date" in error.message


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"donor,date\nN003,2025-01-01\n", "not an XLSX workbook (not a ZIP archive)"),
        (kiel_sheet()[:900], "not an XLSX workbook"),  # a truncated workbook
        (b"", "not an XLSX workbook"),
    ],
    ids=["csv", "truncated", "empty"],
)
def test_bytes_that_are_no_workbook_are_refused(data: bytes, words: str) -> None:
    error = _refused(data)
    assert words in error.message
    assert error.problems[0].file == "upload.xlsx"


def test_a_zip_that_is_no_workbook_and_invalid_xml_are_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "not a readable XLSX workbook" in _refused(buffer.getvalue()).message
    # A workbook whose sheet holds bytes that are not UTF-8.
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(kiel_sheet())) as source, zipfile.ZipFile(broken, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                content = content.replace(b"Atlantis", b"Atl\xff\xfentis")
            target.writestr(name, content)
    assert "not a readable XLSX workbook (not well-formed" in _refused(broken.getvalue()).message


def test_limits_on_size_and_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(PayloadTooLarge) as caught:
        read_sheet(b"x" * (kiel_import.MAX_FILE_BYTES + 1), "big.xlsx")
    assert caught.value.status == 413
    monkeypatch.setattr(kiel_import, "MAX_ROWS", 6)
    error = _refused(kiel_sheet())
    assert error.problems[0].row == 7
    assert "beyond row 6" in error.message


def test_an_empty_sheet_is_refused() -> None:
    assert "is empty" in _refused(kiel_sheet([], ())).message


def test_names_and_items_as_matched() -> None:
    assert clean_file_name("../../etc/passwd") == "passwd"
    assert clean_file_name(None) == "upload.xlsx"
    assert clean_file_name("a\x00b.xlsx") == "ab.xlsx"
    assert item_key("  155 mm  HE Rounds ") == item_key("155 mm HE round") == "155 mm he round"
    assert item_key("Glass") == "glass"
