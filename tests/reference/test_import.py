"""Importing a Kiel release through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from aidcoord.access.actor import SYSTEM
from aidcoord.analysis.burden import kiel_country_totals
from aidcoord.audit import service as audit
from aidcoord.db import session_scope
from aidcoord.errors import Forbidden, NotFound, ValidationFailed
from aidcoord.reference import service as reference
from aidcoord.reference.kiel import packaged_kiel_dir, read_kiel
from tests.offers.factory import AUDITOR, nation_officer
from tests.reference.factory import break_cell, kiel_copy, reference_rows


def test_import_stores_the_release_exactly_and_is_audited(migrated_engine: Engine) -> None:
    steps: list[tuple[str, float]] = []
    with session_scope(migrated_engine) as session:
        result = reference.import_kiel(
            session,
            actor=SYSTEM,
            directory=packaged_kiel_dir(),
            progress=lambda message, fraction: steps.append((message, fraction)),
        )
    assert (result.rows, result.countries, result.replaced_rows) == (1079, 42, 0)
    assert result.release.release_id == "kiel-29"
    assert result.release.citation == "Kiel Institute, Ukraine Support Tracker, Release 29 (04/2026)"
    assert steps[0] == ("reading", 0.0)
    assert steps[-1] == ("writing", 1.0)
    assert reference_rows(migrated_engine) == {"reference_releases": 1, "kiel_monthly": 1079, "audit_log": 1}

    expected = read_kiel(packaged_kiel_dir())
    with session_scope(migrated_engine, write=False) as session:
        release, months = reference.kiel_months(session, actor=AUDITOR)
        # Every value comes back bit for bit, so the totals are the pure core's on the files.
        assert sorted(months, key=lambda m: (m.iso, m.year, m.month)) == sorted(
            expected.months, key=lambda m: (m.iso, m.year, m.month)
        )
        totals = reference.kiel_totals(session, actor=nation_officer("N001"))
        assert totals.countries == kiel_country_totals(expected.months)
        assert totals.release == release
        assert (release.published_on.isoformat(), release.period, release.rows) == (
            "2026-08-04",
            "04/2026",
            1079,
        )
        germany = next(c for c in totals.countries if c.iso == "DEU")
        assert round(germany.pct_gdp or 0, 6) == 0.830916  # the tracker's published bilateral % of GDP
        (entry,) = audit.list_entries(session, actor=SYSTEM, action="reference.import").items
    assert (entry.entity, entry.entity_id, entry.before) == ("reference_series", "kiel-29", None)
    assert json.loads(entry.after or "{}") == {
        "countries": 42,
        "label": "Ukraine Support Tracker, Release 29 (04/2026)",
        "release_id": "kiel-29",
        "replaced_rows": 0,
        "rows": 1079,
    }


def test_importing_a_release_again_replaces_its_series(migrated_engine: Engine, tmp_path: Path) -> None:
    with session_scope(migrated_engine) as session:
        reference.import_kiel(session, actor=SYSTEM, directory=packaged_kiel_dir())
    folder = kiel_copy(tmp_path)
    lines = (folder / "data_explorer.csv").read_text(encoding="utf-8").splitlines()
    (folder / "data_explorer.csv").write_text("\n".join(lines[:11]) + "\n", encoding="utf-8")  # 10 rows
    with session_scope(migrated_engine) as session:
        result = reference.import_kiel(session, actor=SYSTEM, directory=folder)
    assert (result.rows, result.replaced_rows) == (10, 1079)
    assert reference_rows(migrated_engine) == {"reference_releases": 1, "kiel_monthly": 10, "audit_log": 2}
    with session_scope(migrated_engine, write=False) as session:
        entry = audit.list_entries(session, actor=SYSTEM, action="reference.import").items[0]
        assert [r.release_id for r in reference.list_releases(session, actor=SYSTEM)] == ["kiel-29"]
    assert json.loads(entry.before or "{}")["rows"] == 1079
    assert json.loads(entry.after or "{}")["replaced_rows"] == 1079


def test_a_broken_file_names_file_row_and_column_and_writes_nothing(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    folder = kiel_copy(tmp_path)
    break_cell(folder, 5, "total", "lots")
    break_cell(folder, 7, "month", "13")
    with session_scope(migrated_engine) as session, pytest.raises(ValidationFailed) as caught:
        reference.import_kiel(session, actor=SYSTEM, directory=folder)
    places = {(p.file, p.row, p.column) for p in caught.value.problems}
    assert places == {("data_explorer.csv", 5, "total"), ("data_explorer.csv", 7, "month")}
    assert caught.value.exit_code == 2
    assert reference_rows(migrated_engine) == {"reference_releases": 0, "kiel_monthly": 0, "audit_log": 0}


def test_a_broken_release_leaves_the_stored_one_alone(migrated_engine: Engine, tmp_path: Path) -> None:
    with session_scope(migrated_engine) as session:
        reference.import_kiel(session, actor=SYSTEM, directory=packaged_kiel_dir())
    folder = kiel_copy(tmp_path)
    break_cell(folder, 40, "gdp", "1.5")  # a second GDP for the same country
    with session_scope(migrated_engine) as session, pytest.raises(ValidationFailed) as caught:
        reference.import_kiel(session, actor=SYSTEM, directory=folder)
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column) == ("data_explorer.csv", 40, "gdp")
    assert "has GDP" in problem.message
    assert reference_rows(migrated_engine) == {"reference_releases": 1, "kiel_monthly": 1079, "audit_log": 1}


def test_only_coordinators_import_and_reports_need_a_release(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        with pytest.raises(Forbidden):
            reference.import_kiel(session, actor=AUDITOR, directory=packaged_kiel_dir())
        with pytest.raises(NotFound, match="aidcoord import kiel"):
            reference.kiel_totals(session, actor=SYSTEM)
        with pytest.raises(NotFound, match="kiel-30"):
            reference.kiel_totals(session, actor=SYSTEM, release_id="kiel-30")
    assert reference_rows(migrated_engine)["kiel_monthly"] == 0
