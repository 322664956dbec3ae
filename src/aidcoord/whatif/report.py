"""A what-if's comparison as report tables (for the CLI's and the API's CSV and XLSX exports)."""

from __future__ import annotations

from collections.abc import Sequence

from aidcoord.analysis.whatif import GroupFigures
from aidcoord.export import Cell, ReportTable
from aidcoord.training import service as training
from aidcoord.whatif.service import WhatIfOutcome

SOURCE = "aidcoord what-if: re-planned with HiGHS against plan version {version}"


def tables(outcome: WhatIfOutcome) -> list[ReportTable]:
    """Summary, per capability, per priority class and newly unmet requirements (one closer per row)."""
    c = outcome.comparison
    source = (SOURCE.format(version=outcome.baseline_version),)
    summary = ReportTable(
        "what-if summary",
        ("measure", "baseline", "what-if"),
        (
            ("changes", f"plan {outcome.baseline_version}", "; ".join(c.changes)),
            ("weighted fulfilment", round(c.fulfilment_before, 6), round(c.fulfilment_after, 6)),
            ("on-time fill", round(c.on_time_before, 6), round(c.on_time_after, 6)),
            ("objective", round(outcome.objective_before, 2), round(outcome.objective_after, 2)),
            ("requirements newly unmet", 0, len(c.newly_unmet)),
            ("history kept before week", "", c.freeze_week),
        ),
        source,
    )
    columns = (
        "group",
        "requirements",
        "fulfilment before",
        "fulfilment after",
        "on-time before",
        "on-time after",
    )

    def groups(title: str, rows: Sequence[GroupFigures]) -> ReportTable:
        return ReportTable(
            title,
            columns,
            tuple(
                (
                    g.group,
                    g.requirements,
                    round(g.fulfilment_before, 6),
                    round(g.fulfilment_after, 6),
                    round(g.on_time_before, 6),
                    round(g.on_time_after, 6),
                )
                for g in rows
            ),
            source,
        )

    unmet_rows: list[tuple[Cell, ...]] = []
    for n in c.newly_unmet:
        base = (
            n.requirement_id,
            n.item_id,
            n.priority,
            n.quantity,
            n.on_time_before,
            n.on_time_after,
            n.reason,
        )
        if not n.closers:
            unmet_rows.append((*base, None, None, None, None, None))
        for k in n.closers:
            unmet_rows.append((*base, k.offer_id, k.nation_id, k.status, k.units_free, k.earliest_arrival))
    unmet = ReportTable(
        "newly unmet",
        (
            "requirement",
            "item",
            "priority",
            "quantity",
            "on time before",
            "on time after",
            "reason",
            "closer offer",
            "closer nation",
            "closer status",
            "units free",
            "earliest arrival",
        ),
        tuple(unmet_rows),
        source,
    )
    out = [summary, groups("by capability", c.by_capability), groups("by priority", c.by_priority), unmet]
    if outcome.training is not None:
        out += training.comparison_tables(outcome.training)
    return out
