"""The burden-sharing report and the Kiel per-country totals over HTTP: JSON, CSV and XLSX."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine

from aidcoord.access.actor import SYSTEM
from aidcoord.db import session_scope
from aidcoord.export import MEDIA_TYPES
from aidcoord.reference import service as reference
from aidcoord.reference.kiel import packaged_kiel_dir
from aidcoord.reference.service import KIEL_COUNTRY_COLUMNS
from aidcoord.reports.burden import COLUMNS
from tests.api.helpers import V1, problem, sign_in
from tests.reference.factory import plan_and_ship


def import_kiel(engine: Engine) -> None:
    """Import the packaged Release 29."""
    with session_scope(engine) as session:
        reference.import_kiel(session, actor=SYSTEM, directory=packaged_kiel_dir())


def test_kiel_countries_json_csv_xlsx(api: TestClient, migrated_engine: Engine) -> None:
    problem(api.get(f"{V1}/reference/kiel/countries"), 404, "not_found")
    assert api.get(f"{V1}/reference/releases").json() == []
    import_kiel(migrated_engine)

    body = api.get(f"{V1}/reference/kiel/countries").json()
    assert body["release"]["release_id"] == "kiel-29"
    assert body["release"]["citation"] == "Kiel Institute, Ukraine Support Tracker, Release 29 (04/2026)"
    assert body["sources"][0].startswith("Kiel Institute, Ukraine Support Tracker, Release 29 (04/2026)")
    countries = {c["iso"]: c for c in body["countries"]}
    assert len(countries) == 42
    assert round(countries["DNK"]["pct_gdp"], 6) == 3.273931  # published bilateral % of GDP
    assert countries["EU"]["gdp_eur_bn"] is None
    assert body["countries"][0]["iso"] == "USA"
    assert [r["release_id"] for r in api.get(f"{V1}/reference/releases").json()] == ["kiel-29"]

    response = api.get(f"{V1}/reference/kiel/countries", params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"] == MEDIA_TYPES["csv"]
    assert 'filename="kiel-countries-kiel-29' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert tuple(rows[0]) == KIEL_COUNTRY_COLUMNS
    assert len(rows) == 43

    response = api.get(f"{V1}/reference/kiel/countries", params={"format": "xlsx", "release": "kiel-29"})
    assert response.headers["content-type"] == MEDIA_TYPES["xlsx"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == list(KIEL_COUNTRY_COLUMNS)
    dnk = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "DNK")
    assert round(float(dnk[KIEL_COUNTRY_COLUMNS.index("pct_gdp")] or 0), 6) == 3.273931
    problem(api.get(f"{V1}/reference/kiel/countries", params={"release": "kiel-1"}), 404, "not_found")


def test_burden_sharing_from_kiel(api: TestClient, migrated_engine: Engine) -> None:
    problem(api.get(f"{V1}/reports/burden-sharing", params={"source": "kiel"}), 404, "not_found")
    import_kiel(migrated_engine)
    body = api.get(f"{V1}/reports/burden-sharing", params={"source": "kiel"}).json()
    assert (body["source"], body["headline"], body["release_id"]) == ("kiel", "allocated", "kiel-29")
    germany = next(r for r in body["rows"] if r["nation_id"] == "DEU")
    assert round(germany["allocated"]["pct_gdp"], 6) == 0.830916
    assert germany["shipped"] == {"value_eur": None, "share_pct": None, "pct_gdp": None}
    assert body["totals"]["allocated"]["share_pct"] == 100.0
    assert any("NATO" in s for s in body["sources"])
    problem(api.get(f"{V1}/reports/burden-sharing", params={"source": "rumour"}), 422, "validation_failed")


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_burden_sharing_from_the_plan(api: TestClient, migrated_engine: Engine, fmt: str) -> None:
    with session_scope(migrated_engine) as session:
        expected = plan_and_ship(session)
    top = max(expected, key=lambda n: expected[n]["committed"])
    delivered = sum(e["delivered"] for e in expected.values())
    response = api.get(f"{V1}/reports/burden-sharing", params={"format": fmt})
    assert response.status_code == 200, response.text
    if fmt == "json":
        body = response.json()
        assert body["rows"][0]["nation_id"] == top
        assert body["rows"][0]["committed"]["value_eur"] == pytest.approx(expected[top]["committed"])
        assert body["totals"]["delivered"]["value_eur"] == pytest.approx(delivered)
        assert body["usd_per_eur"] == 1.0824
        return
    assert response.headers["content-type"] == MEDIA_TYPES[fmt]
    assert 'filename="burden-sharing-plan' in response.headers["content-disposition"]
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(response.text)))
        first, total = rows[0], rows[-1]
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        assert [c.value for c in sheet[1]] == list(COLUMNS)
        values = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r and r[0] is not None]
        table = [dict(zip(COLUMNS, r, strict=False)) for r in values if not str(r[0]).startswith("Source:")]
        first, total = table[0], table[-1]
        assert any(str(r[0]).startswith("Source: GDP: World Bank WDI") for r in values)
    assert first["nation_id"] == top
    assert float(first["committed_eur"] or 0) == pytest.approx(expected[top]["committed"], abs=0.01)
    assert total["nation_id"] == "TOTAL"
    assert float(total["delivered_eur"] or 0) == pytest.approx(delivered, abs=0.01)


def test_every_participant_sees_the_totals_and_strangers_none(
    api: TestClient, migrated_engine: Engine
) -> None:
    with session_scope(migrated_engine) as session:
        plan_and_ship(session)
    coordinator = api.get(f"{V1}/reports/burden-sharing").json()
    sign_in(api, migrated_engine, user_id="olga", organisation_id="DEL-N002", role="nation_officer")
    assert api.get(f"{V1}/reports/burden-sharing").json() == coordinator
    del api.headers["Authorization"]
    problem(api.get(f"{V1}/reports/burden-sharing"), 401, "unauthorized")
    problem(api.get(f"{V1}/reference/kiel/countries"), 401, "unauthorized")
