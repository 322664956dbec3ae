"""What the spreadsheet tests share: a Kiel-style sheet built with openpyxl and what each row must become."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from sqlalchemy import Engine, text

HEADER = ("Donor", "Announcement date", "Measure", "Item", "Quantity", "Value (EUR)", "Notes")

ROWS: tuple[tuple[Any, ...] | None, ...] = (
    # row 2: an allocation by id, with a value: committed, week 5 (2025-02-10 from 2025-01-06)
    ("N003", dt.date(2025, 2, 10), "Allocation", "SAM launcher type 1", 4, 9_000_000, "letter"),
    # row 3: a commitment by name, a plural item name, text date before the start (week 0), no value
    ("donor nation 5", "2024-12-01", "commitment", "interceptor missiles type 2", "1,200", None, ""),
    ("Atlantis", dt.date(2025, 2, 10), "Allocation", "SAM launcher type 1", 4, 1, ""),  # 4: unknown donor
    ("N003", dt.date(2025, 2, 10), "Allocation", "Death star", 4, 1, ""),  # 5: unknown item
    ("N003", dt.date(2025, 2, 10), "Pledge", "ITM-0003", 4, 1, ""),  # 6: bad measure
    ("N003", "yesterday", "Allocation", "ITM-0003", 4, 1, ""),  # 7: bad date
    ("N003", dt.date(2025, 2, 10), "Allocation", "ITM-0003", -4, 1, ""),  # 8: negative quantity
    ("N003", dt.date(2025, 2, 10), "Allocation", "ITM-0003", "=2*3", 1, ""),  # 9: a formula
    None,  # row 10: blank, skipped
    # row 11: ids in lower case, a whole float quantity, dd.mm.yyyy: committed, week 2
    ("n003", "20.01.2025", "allocation", "itm-0003", 2.0, 100, ""),
    ("N003", dt.date(2025, 2, 10), "Allocation", "SAM launcher type 1", 4, 9_000_000, "again"),  # 12: repeat
)
CREATED_ROWS = (2, 3, 11)
REFUSED = {
    4: ("Donor", "Atlantis", "not a nation"),
    5: ("Item", "Death star", "not an item"),
    6: ("Measure", "Pledge", "Commitment"),
    7: ("Announcement date", "yesterday", "not a date"),
    8: ("Quantity", "-4", "whole number"),
    9: ("Quantity", "=2*3", "formula"),
    12: (None, None, "repeats row 2"),
}
"""Row → (column as the sheet names it, the value shown, words of the reason)."""
EXPECTED: dict[int, dict[str, Any]] = {
    2: {
        "nation_id": "N003",
        "item_id": "ITM-0001",
        "status": "committed",
        "quantity": 4,
        "available_week": 5,
        "origin_site_id": "DEP-N003-1",
        "value_eur": 9_000_000.0,
        "announced_on": dt.date(2025, 2, 10),
    },
    3: {
        "nation_id": "N005",
        "item_id": "ITM-0002",
        "status": "announced",
        "quantity": 1200,
        "available_week": 0,
        "origin_site_id": "DEP-N005-1",
        "value_eur": None,
        "announced_on": dt.date(2024, 12, 1),
    },
    11: {
        "nation_id": "N003",
        "item_id": "ITM-0003",
        "status": "committed",
        "quantity": 2,
        "available_week": 2,
        "origin_site_id": "DEP-N003-1",
        "value_eur": 100.0,
        "announced_on": dt.date(2025, 1, 20),
    },
}


def kiel_sheet(
    rows: Sequence[Sequence[Any] | None] = ROWS, header: Sequence[str] = HEADER, title: str | None = None
) -> bytes:
    """An XLSX workbook whose first sheet holds an optional title row, the header and the rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Kiel items"
    if title is not None:
        sheet.append([title])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row) if row is not None else [])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def audit_actions(engine: Engine) -> list[tuple[str, str]]:
    """(action, entity id) of every audit record, oldest first."""
    with engine.connect() as connection:
        return [
            (str(a), str(e))
            for a, e in connection.execute(text("SELECT action, entity_id FROM audit_log ORDER BY seq"))
        ]


def offer_rows(engine: Engine) -> int:
    """How many offers the database holds."""
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM offers")).scalar_one())
