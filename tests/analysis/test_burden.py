"""Burden sharing and the Kiel totals on cases small enough to compute by hand."""

from __future__ import annotations

import pytest

from aidcoord.analysis.burden import (
    USD_PER_EUR_2024,
    KielMonth,
    Measure,
    NationContribution,
    burden_sharing,
    gdp_eur_bn,
    kiel_contributions,
    kiel_country_totals,
)

BN = 1e9


def nation(
    nation_id: str,
    gdp: float | None,
    committed: float | None,
    allocated: float | None,
    shipped: float | None,
    delivered: float | None,
    defence: float | None = None,
) -> NationContribution:
    """A contribution with values in EUR bn (converted to EUR)."""

    def eur(value: float | None) -> float | None:
        return None if value is None else value * BN

    return NationContribution(
        nation_id,
        f"Nation {nation_id}",
        gdp,
        defence,
        eur(committed),
        eur(allocated),
        eur(shipped),
        eur(delivered),
    )


def same(measure: Measure, value: float | None, share: float | None, pct_gdp: float | None) -> None:
    """The measure holds these figures (values in EUR bn), to float rounding."""
    assert measure.value_eur == (None if value is None else pytest.approx(value * BN))
    assert measure.share_pct == (None if share is None else pytest.approx(share))
    assert measure.pct_gdp == (None if pct_gdp is None else pytest.approx(pct_gdp))


def test_two_nations_every_measure() -> None:
    # A: GDP 100 bn, B: GDP 50 bn. Totals: committed 4, allocated 4, shipped 2, delivered 2 (EUR bn).
    a = nation("A", 100.0, 3.0, 2.0, 1.0, 0.5, defence=2.0)
    b = nation("B", 50.0, 1.0, 2.0, 1.0, 1.5)
    result = burden_sharing([b, a])
    assert [r.nation_id for r in result.rows] == ["A", "B"]  # largest committed first
    ra, rb = result.rows
    same(ra.committed, 3.0, 75.0, 3.0)  # 3/4; 3/100
    same(ra.allocated, 2.0, 50.0, 2.0)
    same(ra.shipped, 1.0, 50.0, 1.0)
    same(ra.delivered, 0.5, 25.0, 0.5)
    same(rb.committed, 1.0, 25.0, 2.0)  # 1/4; 1/50
    same(rb.allocated, 2.0, 50.0, 4.0)
    same(rb.shipped, 1.0, 50.0, 2.0)
    same(rb.delivered, 1.5, 75.0, 3.0)
    assert (ra.defence_pct_gdp, rb.defence_pct_gdp) == (2.0, None)
    total = result.totals
    assert (total.nation_id, total.gdp_eur_bn) == ("TOTAL", 150.0)
    same(total.committed, 4.0, 100.0, 4.0 / 150.0 * 100)
    same(total.delivered, 2.0, 100.0, 2.0 / 150.0 * 100)
    by_delivered = burden_sharing([a, b], order_by="delivered")
    assert [r.nation_id for r in by_delivered.rows] == ["B", "A"]


def test_unknown_gdp_counts_in_shares_but_not_in_pct_of_gdp() -> None:
    a = nation("A", 100.0, 3.0, 0.0, 0.0, 0.0)
    c = nation("C", None, 1.0, 0.0, 0.0, 0.0)
    z = nation("Z", 0.0, 0.0, 0.0, 0.0, 0.0)  # a GDP of 0 means the source has none
    result = burden_sharing([c, z, a])
    rows = {r.nation_id: r for r in result.rows}
    same(rows["A"].committed, 3.0, 75.0, 3.0)
    same(rows["C"].committed, 1.0, 25.0, None)
    same(rows["Z"].committed, 0.0, 0.0, None)
    assert rows["Z"].gdp_eur_bn is None
    # The total's % of GDP is over the nations whose GDP is known: 3 / 100.
    same(result.totals.committed, 4.0, 100.0, 3.0)
    # Nothing allocated anywhere: no shares (0 / 0), but 0 % of a known GDP.
    same(rows["A"].allocated, 0.0, None, 0.0)
    same(result.totals.allocated, 0.0, None, 0.0)
    assert [r.nation_id for r in result.rows] == ["A", "C", "Z"]


def test_a_measure_the_source_does_not_record_stays_blank() -> None:
    a = nation("A", 10.0, 2.0, 1.0, None, None)
    b = nation("B", 10.0, 2.0, 3.0, None, None)
    result = burden_sharing([a, b], order_by="allocated")
    assert [r.nation_id for r in result.rows] == ["B", "A"]
    assert result.rows[0].shipped == Measure(None, None, None)
    assert result.totals.delivered == Measure(None, None, None)
    # A tie on the ordering measure is broken by nation id.
    assert [r.nation_id for r in burden_sharing([b, a]).rows] == ["A", "B"]


def test_refuses_duplicate_nations_and_unknown_measures() -> None:
    a = nation("A", 10.0, 1.0, 1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="unique"):
        burden_sharing([a, a])
    with pytest.raises(ValueError, match="unknown measure"):
        burden_sharing([a], order_by="pledged")
    assert burden_sharing([]).rows == ()


def test_gdp_conversion_from_usd() -> None:
    assert gdp_eur_bn(108.24) == pytest.approx(100.0)  # at the 2024 ECB average of 1.0824 USD per EUR
    assert gdp_eur_bn(108.24) == pytest.approx(108.24 / USD_PER_EUR_2024)
    assert gdp_eur_bn(200.0, usd_per_eur=2.0) == 100.0
    assert gdp_eur_bn(None) is None
    with pytest.raises(ValueError, match="positive"):
        gdp_eur_bn(1.0, usd_per_eur=0.0)


def month(iso: str, m: int, total: float, military: float, commitments: float, gdp: float) -> KielMonth:
    """A monthly row whose non-military part is financial, to_be_allocated = commitments - total."""
    return KielMonth(
        country=f"Country {iso}",
        iso=iso,
        year=2022,
        month=m,
        total=total,
        financial=total - military,
        humanitarian=0.0,
        military=military,
        commitments=commitments,
        to_be_allocated=commitments - total,
        gdp=gdp,
        pct_gdp=100 * total / gdp if gdp else 0.0,
    )


def test_kiel_country_totals_by_hand() -> None:
    rows = [
        month("X", 1, 1.0, 0.25, 1.5, 200.0),
        month("Y", 1, 4.0, 4.0, 4.0, 0.0),  # the tracker gives no GDP (e.g. the EU institutions)
        month("X", 2, 3.0, 3.0, 3.0, 200.0),
    ]
    x, y = kiel_country_totals(rows)  # tie on 4.0 bn: by iso
    assert (x.iso, x.country, x.months) == ("X", "Country X", 2)
    assert (x.total, x.financial, x.humanitarian, x.military) == (4.0, 0.75, 0.0, 3.25)
    assert (x.commitments, x.to_be_allocated) == (4.5, 0.5)
    assert x.gdp_eur_bn == 200.0
    assert x.pct_gdp == pytest.approx(2.0)  # 4 / 200
    assert x.military_pct_gdp == pytest.approx(1.625)  # 3.25 / 200
    assert x.commitments_pct_gdp == pytest.approx(2.25)  # 4.5 / 200
    assert x.pct_gdp == pytest.approx(sum(r.pct_gdp for r in rows if r.iso == "X"))
    assert (x.share_pct, y.share_pct) == (50.0, 50.0)
    assert (y.gdp_eur_bn, y.pct_gdp, y.commitments_pct_gdp) == (None, None, None)


def test_kiel_totals_refuse_two_gdps_or_a_month_twice() -> None:
    with pytest.raises(ValueError, match="more than one GDP"):
        kiel_country_totals([month("X", 1, 1.0, 1.0, 1.0, 200.0), month("X", 2, 1.0, 1.0, 1.0, 201.0)])
    with pytest.raises(ValueError, match="twice"):
        kiel_country_totals([month("X", 1, 1.0, 1.0, 1.0, 200.0), month("X", 1, 2.0, 1.0, 2.0, 200.0)])


def test_kiel_totals_as_burden_sharing_keep_the_tracker_figures() -> None:
    totals = kiel_country_totals(
        [
            month("X", 1, 1.0, 0.25, 1.5, 200.0),
            month("X", 2, 3.0, 3.0, 3.0, 200.0),
            month("W", 1, 1.0, 1.0, 2.0, 50.0),
        ]
    )
    contributions = kiel_contributions(totals, {"X": 2.5})
    assert [(c.nation_id, c.committed_eur, c.allocated_eur) for c in contributions] == [
        ("X", 4.5 * BN, 4.0 * BN),
        ("W", 2.0 * BN, 1.0 * BN),
    ]
    assert all(c.shipped_eur is None and c.delivered_eur is None for c in contributions)
    result = burden_sharing(contributions, order_by="allocated")
    x, w = result.rows
    same(x.allocated, 4.0, 80.0, 2.0)  # 4 of 5 bn; 4 / 200
    same(w.allocated, 1.0, 20.0, 2.0)  # 1 / 50
    same(w.committed, 2.0, 2.0 / 6.5 * 100, 4.0)
    assert (x.defence_pct_gdp, w.defence_pct_gdp) == (2.5, None)
    same(result.totals.allocated, 5.0, 100.0, 2.0)  # 5 / 250
