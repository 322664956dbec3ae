"""Burden sharing over the database: the plan source against figures computed from the scenario."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from aidcoord.access.actor import SYSTEM
from aidcoord.analysis.burden import MEASURES, USD_PER_EUR_2024
from aidcoord.db import session_scope
from aidcoord.errors import NotFound, ValidationFailed
from aidcoord.export import to_csv
from aidcoord.reference import service as reference
from aidcoord.reference.kiel import packaged_kiel_dir
from aidcoord.reports.burden import COLUMNS, burden_report, burden_table
from tests.offers.factory import RECIPIENT, SCENARIO, nation_officer
from tests.reference.factory import plan_and_ship


def test_plan_source_per_nation(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        expected = plan_and_ship(session)
    with session_scope(migrated_engine, write=False) as session:
        report = burden_report(session, actor=SYSTEM)
        # Totals per nation are public: a delegation and the recipient get the very same figures.
        assert burden_report(session, actor=nation_officer("N001")) == report
        assert burden_report(session, actor=RECIPIENT) == report
    assert (report.source, report.headline, report.usd_per_eur) == ("plan", "committed", USD_PER_EUR_2024)
    rows = {r.nation_id: r for r in report.sharing.rows}
    assert set(rows) == set(expected)
    totals = {m: sum(e[m] for e in expected.values()) for m in MEASURES}
    assert totals["shipped"] > totals["delivered"] > 0
    nations = {n.nation_id: n for n in SCENARIO.nations}
    for nation_id, figures in expected.items():
        row = rows[nation_id]
        gdp_usd_bn = nations[nation_id].gdp_usd_bn
        assert gdp_usd_bn is not None
        gdp_eur_bn = gdp_usd_bn / USD_PER_EUR_2024
        assert row.gdp_eur_bn == pytest.approx(gdp_eur_bn)
        assert row.defence_pct_gdp == nations[nation_id].defence_pct_gdp
        for m in MEASURES:
            measure = row.measure(m)
            assert measure.value_eur == pytest.approx(figures[m]), (nation_id, m)
            assert measure.pct_gdp == pytest.approx(100 * figures[m] / (gdp_eur_bn * 1e9)), (nation_id, m)
            share = None if totals[m] == 0 else pytest.approx(100 * figures[m] / totals[m])
            assert measure.share_pct == share, (nation_id, m)
    committed = [r.committed.value_eur or 0 for r in report.sharing.rows]
    assert committed == sorted(committed, reverse=True)
    for m in MEASURES:
        assert report.sharing.totals.measure(m).value_eur == pytest.approx(totals[m])

    table = burden_table(report)
    assert table.columns == COLUMNS
    assert len(table.rows) == len(expected) + 1
    assert table.rows[-1][0] == "TOTAL"
    assert any("World Bank" in s for s in table.sources)
    assert to_csv(table).splitlines()[0].startswith("nation_id,nation,committed_eur,allocated_eur")


def test_kiel_source_reproduces_the_tracker(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        with pytest.raises(NotFound):
            burden_report(session, actor=SYSTEM, source="kiel")
        reference.import_kiel(session, actor=SYSTEM, directory=packaged_kiel_dir())
    with session_scope(migrated_engine, write=False) as session:
        report = burden_report(session, actor=nation_officer("DEU"), source="kiel")
        with pytest.raises(ValidationFailed) as caught:
            burden_report(session, actor=SYSTEM, source="rumour")
    assert caught.value.problems[0].column == "source"
    assert (report.release_id, report.headline) == ("kiel-29", "allocated")
    assert report.sources[0].startswith("Kiel Institute, Ukraine Support Tracker, Release 29 (04/2026)")
    rows = {r.nation_id: r for r in report.sharing.rows}
    germany = rows["DEU"]
    assert round(germany.allocated.pct_gdp or 0, 6) == 0.830916  # published bilateral % of GDP
    assert germany.defence_pct_gdp == 2.12  # NATO 2024 estimate, from the packaged reference
    assert germany.shipped.value_eur is None
    assert rows["EU"].allocated.pct_gdp is None
    assert report.sharing.rows[0].nation_id == "USA"
