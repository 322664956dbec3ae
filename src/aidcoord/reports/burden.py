"""Burden sharing over the database: per nation, value committed, allocated, shipped and delivered.

Two sources. `plan`: the coordination's own figures — committed offers' value; the approved plan's
allocations, shipments dispatched or later (lost ones included: they left the donor) and units the
recipient signed for, each valued at the offer's value per unit (its stated value spread evenly over its
units, or the catalogue's unit value); GDP from the loaded nations (World Bank, USD) converted to EUR at
`analysis.burden.USD_PER_EUR_2024`. `kiel`: an imported Kiel Ukraine Support Tracker release — its
commitments and allocations per country over the tracker's own GDP in EUR.

Totals per nation are every participant's (like the tracker's), so they are computed from the offers'
and shipments' per-offer totals functions (`offers.values_by_offer`, `shipments.units_by_offer`), which
do not filter by the actor's visibility; no single offer leaves this module.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor
from aidcoord.analysis.burden import (
    MEASURES,
    USD_PER_EUR_2024,
    BurdenRow,
    BurdenSharing,
    NationContribution,
    burden_sharing,
    gdp_eur_bn,
    kiel_contributions,
)
from aidcoord.errors import Problem, ValidationFailed
from aidcoord.export import Cell, ReportTable
from aidcoord.nations import service as nations
from aidcoord.offers import service as offers
from aidcoord.reference import service as reference
from aidcoord.reference.service import DEFENCE_SOURCE, GDP_SOURCE
from aidcoord.shipments import service as shipments

SOURCES: tuple[str, ...] = ("plan", "kiel")
ECB_SOURCE = f"EUR/USD: ECB euro reference rate, annual average 2024 ({USD_PER_EUR_2024} USD per EUR)"


@dataclass(frozen=True, slots=True)
class BurdenReport:
    """Burden sharing from one source, the measure its shares and % of GDP lead with, and its citations."""

    source: str
    title: str
    headline: str
    """The measure the rows are ordered by: committed (plan) or allocated (the Kiel tracker's)."""
    release_id: str | None
    usd_per_eur: float | None
    """The rate GDP was converted at (plan); None where GDP is already in EUR (Kiel)."""
    sharing: BurdenSharing
    sources: tuple[str, ...]


def _plan_contributions(session: Session, actor: Actor, usd_per_eur: float) -> list[NationContribution]:
    values: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(MEASURES, 0.0))
    units = shipments.units_by_offer(session, actor=actor)
    for offer in offers.values_by_offer(session, actor=actor):
        figures = values[offer.nation_id]
        per_unit = offer.value_eur / offer.quantity
        if offer.status == "committed":
            figures["committed"] += offer.value_eur
        shipped, received = units.get(offer.offer_id, (0, 0))
        figures["allocated"] += offer.allocated * per_unit
        figures["shipped"] += shipped * per_unit
        figures["delivered"] += received * per_unit
    known = {n.nation_id: n for n in nations.list_all(session, actor=actor)}
    return [
        NationContribution(
            nation_id=nation_id,
            name=known[nation_id].name,
            gdp_eur_bn=gdp_eur_bn(known[nation_id].gdp_usd_bn, usd_per_eur),
            defence_pct_gdp=known[nation_id].defence_pct_gdp,
            committed_eur=figures["committed"],
            allocated_eur=figures["allocated"],
            shipped_eur=figures["shipped"],
            delivered_eur=figures["delivered"],
        )
        for nation_id, figures in sorted(values.items())
    ]


def burden_report(
    session: Session,
    *,
    actor: Actor,
    source: str = "plan",
    release_id: str | None = None,
    usd_per_eur: float = USD_PER_EUR_2024,
) -> BurdenReport:
    """Burden sharing per nation from the plan and shipments (`plan`) or a Kiel release (`kiel`).

    Every nation that made an offer (plan) or every donor in the release (kiel) has a row; the totals
    are over all of them. Any signed-in actor may read it: totals per nation are public.
    """
    if source not in SOURCES:
        raise ValidationFailed(
            "unknown burden-sharing source",
            [Problem(f"must be one of {', '.join(SOURCES)}, got {source!r}", file="query", column="source")],
        )
    if source == "kiel":
        totals = reference.kiel_totals(session, actor=actor, release_id=release_id)
        defence = reference.defence_pct_by_nation(session, actor=actor)
        sharing = burden_sharing(kiel_contributions(totals.countries, defence), order_by="allocated")
        return BurdenReport(
            source="kiel",
            title=f"Burden sharing — {totals.release.label}",
            headline="allocated",
            release_id=totals.release.release_id,
            usd_per_eur=None,
            sharing=sharing,
            sources=(
                f"{totals.release.citation}; commitments and allocations per donor, GDP (EUR) as the "
                "tracker publishes it",
                f"Defence spending: {DEFENCE_SOURCE}",
            ),
        )
    sharing = burden_sharing(_plan_contributions(session, actor, usd_per_eur), order_by="committed")
    return BurdenReport(
        source="plan",
        title="Burden sharing — committed offers, approved plan and shipments",
        headline="committed",
        release_id=None,
        usd_per_eur=usd_per_eur,
        sharing=sharing,
        sources=(
            "Values: committed offers (stated value, or quantity × catalogue unit value), the approved "
            "plan's allocations, shipments dispatched or later, units received",
            f"GDP: {GDP_SOURCE}; {ECB_SOURCE}",
            f"Defence spending: {DEFENCE_SOURCE}",
        ),
    )


COLUMNS: tuple[str, ...] = (
    "nation_id",
    "nation",
    *(f"{m}_eur" for m in MEASURES),
    *(f"{m}_share_pct" for m in MEASURES),
    *(f"{m}_pct_gdp" for m in MEASURES),
    "gdp_eur_bn",
    "defence_pct_gdp",
)
"""The export's columns: values (EUR), shares of the total (%), % of GDP, GDP (EUR bn), defence %."""


def _cells(row: BurdenRow) -> tuple[Cell, ...]:
    measures = [row.measure(m) for m in MEASURES]
    return (
        row.nation_id,
        row.name,
        *(None if m.value_eur is None else round(m.value_eur, 2) for m in measures),
        *(m.share_pct for m in measures),
        *(m.pct_gdp for m in measures),
        row.gdp_eur_bn,
        row.defence_pct_gdp,
    )


def burden_table(report: BurdenReport) -> ReportTable:
    """The report as one table (a row per nation, then the total row `TOTAL`), for CSV and XLSX."""
    rows = [_cells(r) for r in report.sharing.rows]
    rows.append(_cells(report.sharing.totals))
    return ReportTable(title="Burden sharing", columns=COLUMNS, rows=tuple(rows), sources=report.sources)
