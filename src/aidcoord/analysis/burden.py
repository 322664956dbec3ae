"""Burden sharing: what each nation committed, allocated, shipped and delivered, against its economy.

Pure: plain dataclasses in, plain dataclasses out. The shell gathers the values (from the plan and the
shipments, or from an imported Kiel Ukraine Support Tracker release) and renders the rows.

Units. Values are EUR. GDP is taken in EUR bn: the Kiel tracker publishes its own GDP in EUR bn, which
is used as it is; the scenario's nations carry GDP in current USD bn (World Bank WDI 2024), which is
converted at one fixed rate, `USD_PER_EUR_2024` (the ECB's euro reference rate against the US dollar,
annual average 2024). A fixed annual rate keeps the report reproducible and matches the year of the GDP
figures; a caller may pass another rate.

The Kiel part reproduces the tracker's own per-country figures from its monthly series
(`kiel_country_totals`): a country's total is the sum of its monthly allocations, and its % of GDP is
that total over its GDP — the definition of the monthly `pct_gdp` column (`total / gdp × 100`, exact to
the float) and of the tracker's published per-country `bilateral_pct_gdp`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

USD_PER_EUR_2024 = 1.0824
"""US dollars per euro: ECB euro foreign exchange reference rate, annual average 2024."""

MEASURES: tuple[str, ...] = ("committed", "allocated", "shipped", "delivered")
"""The value measures of a burden-sharing row, from promise to hand-over."""


def gdp_eur_bn(gdp_usd_bn: float | None, usd_per_eur: float = USD_PER_EUR_2024) -> float | None:
    """GDP in EUR bn from GDP in USD bn: `gdp_usd_bn / usd_per_eur`; None stays None (unknown).

    Parameters
    ----------
    gdp_usd_bn
        GDP in current US dollars, billions, or None where unknown.
    usd_per_eur
        US dollars per euro (default: ECB reference rate, annual average 2024).
    """
    if usd_per_eur <= 0:
        raise ValueError(f"usd_per_eur must be positive, got {usd_per_eur}")
    return None if gdp_usd_bn is None else gdp_usd_bn / usd_per_eur


@dataclass(frozen=True, slots=True)
class NationContribution:
    """One nation's inputs: its economy and the EUR value at each stage (None: the source has no figure).

    `gdp_eur_bn` is None (or not positive) where the GDP is unknown; `defence_pct_gdp` is shown beside
    the nation's figures as given.
    """

    nation_id: str
    name: str
    gdp_eur_bn: float | None
    defence_pct_gdp: float | None
    committed_eur: float | None
    allocated_eur: float | None
    shipped_eur: float | None
    delivered_eur: float | None


@dataclass(frozen=True, slots=True)
class Measure:
    """A value (EUR), its share of the total over all nations (%) and its size against GDP (%)."""

    value_eur: float | None
    share_pct: float | None
    pct_gdp: float | None


@dataclass(frozen=True, slots=True)
class BurdenRow:
    """A nation's burden-sharing figures, one Measure per stage, with its defence spending beside them."""

    nation_id: str
    name: str
    gdp_eur_bn: float | None
    defence_pct_gdp: float | None
    committed: Measure
    allocated: Measure
    shipped: Measure
    delivered: Measure

    def measure(self, name: str) -> Measure:
        """The Measure called `name` (one of MEASURES)."""
        if name not in MEASURES:
            raise ValueError(f"unknown measure {name!r}; one of {', '.join(MEASURES)}")
        value: Measure = getattr(self, name)
        return value


@dataclass(frozen=True, slots=True)
class BurdenSharing:
    """Every nation's row (largest first by the ordering measure) and the totals over all nations.

    In `totals` each Measure's `share_pct` is 100 where the total is positive, and its `pct_gdp` is the
    total over the nations with a known GDP divided by their combined GDP.
    """

    rows: tuple[BurdenRow, ...]
    totals: BurdenRow


def _value(c: NationContribution, name: str) -> float | None:
    value: float | None = getattr(c, f"{name}_eur")
    return value


def _known_gdp(gdp: float | None) -> float | None:
    return gdp if gdp is not None and gdp > 0 else None


def _pct_gdp(value: float | None, gdp_bn: float | None) -> float | None:
    return None if value is None or gdp_bn is None else value / (gdp_bn * 1e9) * 100.0


def burden_sharing(
    contributions: Sequence[NationContribution], *, order_by: str = "committed"
) -> BurdenSharing:
    """Per-nation values, shares of the total and % of GDP for every stage, and the totals.

    For nation n and stage m (committed, allocated, shipped, delivered) with value v[n, m] in EUR:

    - share_pct[n, m] = 100 · v[n, m] / Σ_k v[k, m], the sum over the nations with a value for m;
      None where v[n, m] is None or that sum is not positive;
    - pct_gdp[n, m] = 100 · v[n, m] / (gdp_eur_bn[n] · 1e9); None where either is unknown;
    - totals: V[m] = Σ_k v[k, m] (None if no nation has a value for m), share 100 (None if V[m] ≤ 0),
      and pct_gdp = 100 · Σ_{k: gdp known} v[k, m] / (Σ_{k: gdp known} gdp_eur_bn[k] · 1e9).

    Parameters
    ----------
    contributions
        One entry per nation (nation ids unique).
    order_by
        The stage whose value orders the rows, largest first (unknown values last); ties by nation id.
    """
    if order_by not in MEASURES:
        raise ValueError(f"unknown measure {order_by!r}; one of {', '.join(MEASURES)}")
    ids = [c.nation_id for c in contributions]
    if len(set(ids)) != len(ids):
        raise ValueError("nation ids must be unique")
    totals: dict[str, float | None] = {}
    for m in MEASURES:
        known = [v for c in contributions if (v := _value(c, m)) is not None]
        totals[m] = math.fsum(known) if known else None

    def measure(c: NationContribution, m: str) -> Measure:
        value, total = _value(c, m), totals[m]
        share = None if value is None or total is None or total <= 0 else 100.0 * value / total
        return Measure(value, share, _pct_gdp(value, _known_gdp(c.gdp_eur_bn)))

    rows = [
        BurdenRow(
            nation_id=c.nation_id,
            name=c.name,
            gdp_eur_bn=_known_gdp(c.gdp_eur_bn),
            defence_pct_gdp=c.defence_pct_gdp,
            committed=measure(c, "committed"),
            allocated=measure(c, "allocated"),
            shipped=measure(c, "shipped"),
            delivered=measure(c, "delivered"),
        )
        for c in contributions
    ]

    def order(row: BurdenRow) -> tuple[bool, float, str]:
        value = row.measure(order_by).value_eur
        return (value is None, -(value or 0.0), row.nation_id)

    rows.sort(key=order)

    with_gdp = [c for c in contributions if _known_gdp(c.gdp_eur_bn) is not None]
    gdp_total = math.fsum(c.gdp_eur_bn or 0.0 for c in with_gdp)

    def total_measure(m: str) -> Measure:
        total = totals[m]
        if total is None:
            return Measure(None, None, None)
        known = [v for c in with_gdp if (v := _value(c, m)) is not None]
        pct = _pct_gdp(math.fsum(known), gdp_total) if known and gdp_total > 0 else None
        return Measure(total, 100.0 if total > 0 else None, pct)

    total_row = BurdenRow(
        nation_id="TOTAL",
        name="Total",
        gdp_eur_bn=gdp_total if with_gdp else None,
        defence_pct_gdp=None,
        committed=total_measure("committed"),
        allocated=total_measure("allocated"),
        shipped=total_measure("shipped"),
        delivered=total_measure("delivered"),
    )
    return BurdenSharing(rows=tuple(rows), totals=total_row)


# --- the Kiel Ukraine Support Tracker ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KielMonth:
    """One row of the tracker's monthly series (data_explorer.csv): a donor's aid in one month, EUR bn.

    `total` = financial + humanitarian + military (allocations: delivered or specified for delivery);
    `commitments` = total + to_be_allocated; `gdp` is the tracker's GDP in EUR bn (0 where it gives
    none, e.g. the EU institutions); `pct_gdp` = total / gdp × 100.
    """

    country: str
    iso: str
    year: int
    month: int
    total: float
    financial: float
    humanitarian: float
    military: float
    commitments: float
    to_be_allocated: float
    gdp: float
    pct_gdp: float


@dataclass(frozen=True, slots=True)
class KielCountryTotal:
    """A donor's totals over the series (EUR bn), its GDP (EUR bn) and the totals as % of it."""

    country: str
    iso: str
    months: int
    total: float
    financial: float
    humanitarian: float
    military: float
    commitments: float
    to_be_allocated: float
    gdp_eur_bn: float | None
    pct_gdp: float | None
    """Allocations (total) as % of GDP: the tracker's per-country `bilateral_pct_gdp`."""
    military_pct_gdp: float | None
    commitments_pct_gdp: float | None
    share_pct: float
    """The country's share of the total allocations of every donor in the series (%)."""


def kiel_country_totals(rows: Iterable[KielMonth]) -> tuple[KielCountryTotal, ...]:
    """Per-country sums of the monthly series and the tracker's % of GDP, largest total first.

    For country c with months t and GDP g_c (EUR bn, the same in every month of c):

    - X_c = Σ_t x[c, t] for x in total, financial, humanitarian, military, commitments, to_be_allocated
      (compensated summation, so the order of the rows does not change the result);
    - pct_gdp_c = 100 · total_c / g_c (equal to Σ_t pct_gdp[c, t]); military_pct_gdp_c and
      commitments_pct_gdp_c likewise; None where the tracker gives no GDP (g_c ≤ 0);
    - share_pct_c = 100 · total_c / Σ_k total_k.

    Parameters
    ----------
    rows
        The monthly series (EUR bn), in any order.

    Raises
    ------
    ValueError
        When a country's GDP differs between months (the tracker uses one per country) or a
        (country, year, month) appears twice.
    """
    by_iso: dict[str, list[KielMonth]] = {}
    seen: set[tuple[str, int, int]] = set()
    for row in rows:
        key = (row.iso, row.year, row.month)
        if key in seen:
            raise ValueError(f"{row.iso} {row.year}-{row.month:02d} appears twice")
        seen.add(key)
        by_iso.setdefault(row.iso, []).append(row)
    grand = math.fsum(r.total for months in by_iso.values() for r in months)
    out: list[KielCountryTotal] = []
    for iso, months in by_iso.items():
        gdps = {r.gdp for r in months}
        if len(gdps) != 1:
            raise ValueError(f"{iso} has more than one GDP in the series: {sorted(gdps)}")
        gdp = _known_gdp(gdps.pop())

        def pct(value: float, gdp: float | None = gdp) -> float | None:
            return None if gdp is None else 100.0 * value / gdp

        sums = {
            name: math.fsum(getattr(r, name) for r in months)
            for name in ("total", "financial", "humanitarian", "military", "commitments", "to_be_allocated")
        }
        out.append(
            KielCountryTotal(
                country=months[0].country,
                iso=iso,
                months=len(months),
                total=sums["total"],
                financial=sums["financial"],
                humanitarian=sums["humanitarian"],
                military=sums["military"],
                commitments=sums["commitments"],
                to_be_allocated=sums["to_be_allocated"],
                gdp_eur_bn=gdp,
                pct_gdp=pct(sums["total"]),
                military_pct_gdp=pct(sums["military"]),
                commitments_pct_gdp=pct(sums["commitments"]),
                share_pct=100.0 * sums["total"] / grand if grand > 0 else 0.0,
            )
        )
    out.sort(key=lambda t: (-t.total, t.iso))
    return tuple(out)


def kiel_contributions(
    totals: Iterable[KielCountryTotal], defence_pct_gdp: Mapping[str, float | None] | None = None
) -> list[NationContribution]:
    """The tracker's totals as burden-sharing inputs: commitments → committed, allocations → allocated.

    committed_eur = 1e9 · commitments_c, allocated_eur = 1e9 · total_c (EUR bn → EUR); the tracker
    records no shipments or hand-overs, so shipped and delivered are None; GDP stays the tracker's.

    Parameters
    ----------
    totals
        Per-country totals from `kiel_country_totals`.
    defence_pct_gdp
        Defence spending as % of GDP by ISO code (missing codes: unknown).
    """
    defence = defence_pct_gdp or {}
    return [
        NationContribution(
            nation_id=t.iso,
            name=t.country,
            gdp_eur_bn=t.gdp_eur_bn,
            defence_pct_gdp=defence.get(t.iso),
            committed_eur=t.commitments * 1e9,
            allocated_eur=t.total * 1e9,
            shipped_eur=None,
            delivered_eur=None,
        )
        for t in totals
    ]
