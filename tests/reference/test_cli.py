"""`aidcoord import kiel` and `aidcoord report burden` end to end on a migrated SQLite file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from aidcoord.db import make_engine, session_scope
from aidcoord.reports.burden import COLUMNS
from tests.offers.factory import invoke
from tests.reference.factory import break_cell, kiel_copy, plan_and_ship, reference_rows


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A migrated SQLite file as AIDCOORD_DATABASE_URL (and an engine on it for the checks)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("AIDCOORD_DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "240")
    assert invoke("db", "upgrade")[0] == 0
    return make_engine(url)


def test_import_kiel_and_report_it(engine: Engine, tmp_path: Path) -> None:
    code, output = invoke("report", "burden", "--kiel")
    assert code == 2
    assert "aidcoord import kiel" in output
    code, output = invoke("import", "kiel")  # the packaged copy of Release 29
    assert code == 0, output
    assert "1,079 monthly rows, 42 donors" in output
    code, output = invoke(
        "report", "burden", "--kiel", "--csv", str(tmp_path / "b.csv"), "--xlsx", str(tmp_path / "b.xlsx")
    )
    assert code == 0, output
    germany = next(line for line in output.splitlines() if "Germany (DEU)" in line)
    assert "29.928" in germany  # EUR bn allocated
    assert "0.831" in germany  # the tracker's % of GDP
    assert "2.12" in germany  # NATO 2024 defence estimate
    assert "Source: Kiel Institute, Ukraine Support Tracker, Release 29 (04/2026)" in output
    assert "NATO" in output

    rows = list(csv.reader(io.StringIO((tmp_path / "b.csv").read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == COLUMNS
    deu = next(r for r in rows if r[0] == "DEU")
    assert round(float(deu[COLUMNS.index("allocated_pct_gdp")]), 6) == 0.830916
    assert rows[-1][0] == "TOTAL"
    sheet = load_workbook(tmp_path / "b.xlsx").active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    assert sheet.cell(row=2, column=1).value == "USA"
    assert sheet.cell(row=2, column=COLUMNS.index("allocated_eur") + 1).value == 115_380_650_000  # a number
    assert any(
        str(c.value).startswith("Source: Kiel Institute") for row in sheet.iter_rows() for c in row if c.value
    )


def test_a_broken_folder_exits_2_naming_the_cell(engine: Engine, tmp_path: Path) -> None:
    folder = kiel_copy(tmp_path)
    break_cell(folder, 12, "commitments", "n/a")
    code, output = invoke("import", "kiel", str(folder))
    assert code == 2
    assert "data_explorer.csv, row 12, column commitments" in output
    assert reference_rows(engine) == {"reference_releases": 0, "kiel_monthly": 0, "audit_log": 0}


def test_report_burden_from_the_plan(engine: Engine, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        expected = plan_and_ship(session)
    code, output = invoke("report", "burden", "--xlsx", str(tmp_path / "p.xlsx"))
    assert code == 0, output
    assert "Burden sharing — committed offers, approved plan and shipments" in output
    assert "(values in EUR m)" in output
    assert "delivered %GDP" in output
    assert "Source: GDP: World Bank WDI" in output
    top = max(expected, key=lambda n: expected[n]["committed"])
    sheet = load_workbook(tmp_path / "p.xlsx").active
    assert sheet is not None
    assert sheet.cell(row=2, column=1).value == top
    assert sheet.cell(row=2, column=3).value == pytest.approx(expected[top]["committed"], abs=0.01)
