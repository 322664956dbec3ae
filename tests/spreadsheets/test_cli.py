"""`aidcoord export …` and `aidcoord offers import-kiel` end to end on a migrated SQLite file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from aidcoord.db import make_engine, session_scope
from tests.offers.factory import approve_greedy_plan, invoke, prepare_cli_database
from tests.spreadsheets.factory import CREATED_ROWS, audit_actions, kiel_sheet, offer_rows


def test_exports_and_the_kiel_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prepare_cli_database(tmp_path, monkeypatch)
    engine = make_engine(os.environ["AIDCOORD_DATABASE_URL"])
    code, output = invoke("export", "plan", "--out", str(tmp_path / "p.xlsx"))
    assert code == 2
    assert "no plan yet" in output
    with session_scope(engine) as session:
        approve_greedy_plan(session)
    sheets = {"requirements": ["Requirements"], "offers": ["Offers"], "plan": ["Allocations", "Unmet"]}
    sheets["pipeline"] = ["By nation", "By offer"]
    for kind, names in sheets.items():
        out = tmp_path / f"{kind}.xlsx"
        code, output = invoke("export", kind, "--out", str(out))
        assert code == 0, output
        assert f"wrote {out}" in output
        assert load_workbook(out, read_only=True).sheetnames == names
    code, output = invoke("export", "offers", "--nation", "N003", "--status", "nonsense", "--out", "x.xlsx")
    assert code == 2
    assert "status must be one of" in output

    sheet = tmp_path / "kiel.xlsx"
    sheet.write_bytes(kiel_sheet())
    before = (offer_rows(engine), len(audit_actions(engine)))
    code, output = invoke("offers", "import-kiel", str(sheet), "--dry-run")
    assert code == 0, output
    assert "3 offers would be created, 0 imported before, 7 not recognised (dry run" in output
    assert "Donor 'Atlantis': is not a nation" in output
    code, output = invoke("offers", "import-kiel", str(sheet), "--strict")
    assert code == 2
    assert "kiel.xlsx, row 4, column Donor: 'Atlantis' is not a nation" in output
    assert (offer_rows(engine), len(audit_actions(engine))) == before

    report = tmp_path / "report.json"
    code, output = invoke("offers", "import-kiel", str(sheet), "--report", str(report))
    assert code == 0, output
    assert "3 offers created, 0 imported before, 7 not recognised" in output
    mapping = json.loads(report.read_text(encoding="utf-8"))
    created = [r["offer_id"] for r in mapping["rows"] if r["outcome"] == "created"]
    assert [r["row"] for r in mapping["rows"] if r["outcome"] == "created"] == list(CREATED_ROWS)
    assert offer_rows(engine) == before[0] + 3
    code, output = invoke("offers", "show", created[0])
    assert code == 0, output
    assert "source: kiel.xlsx, row 2" in output

    not_a_workbook = tmp_path / "offers.csv"
    not_a_workbook.write_text("donor,date\nN003,2025-01-01\n", encoding="utf-8")
    for path, words in (
        (not_a_workbook, "offers.csv: is not an XLSX workbook"),
        (tmp_path / "none.xlsx", "cannot read"),
    ):
        code, output = invoke("offers", "import-kiel", str(path))
        assert code == 2
        assert words in output
    assert offer_rows(engine) == before[0] + 3
    engine.dispose()
