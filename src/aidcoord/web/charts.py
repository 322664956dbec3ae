"""Plotly figures as plain dicts (data and layout), drawn in the page by static/app.js with plotly.js."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aidcoord.analysis.dependency import DependencyReport
from aidcoord.planning.problem import Allocation
from aidcoord.plans.service import PlanDetail
from aidcoord.reports.burden import BurdenReport
from aidcoord.training.service import SpecialtyFill

Figure = dict[str, Any]
NOT_VISIBLE = "other nations (not in your view)"
PALETTE = (
    "#1f5f99",
    "#e07b00",
    "#2e8b57",
    "#b03a48",
    "#6a4c93",
    "#8c6d1f",
    "#00838f",
    "#c2185b",
    "#5d6d7e",
    "#7cb342",
)


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": title, "font": {"size": 15}},
        "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
        "height": 320,
        "font": {"family": "system-ui, sans-serif", "size": 12},
        "legend": {"orientation": "h", "y": -0.25},
        **extra,
    }


def hub_load(
    detail: PlanDetail, capability_of_requirement: Mapping[str, str], unit_mass_kg: Mapping[str, float]
) -> list[tuple[str, Figure]]:
    """Per hub: tonnes through it per week stacked by capability, against its weekly throughput.

    Stacks come from the allocations the actor may see; the rest of each week's total (public) is one
    stack of its own, so every role sees the true load without seeing other nations' allocations.
    """
    stacks: dict[str, dict[str, dict[int, float]]] = {}
    for a in detail.allocations:
        cap = capability_of_requirement[a.requirement_id]
        week = stacks.setdefault(a.hub_site_id, {}).setdefault(cap, {})
        week[a.hub_week] = week.get(a.hub_week, 0.0) + a.quantity * unit_mass_kg[a.offer_id] / 1000.0
    loads: dict[str, list[tuple[int, float, float]]] = {}
    for load in detail.hub_load:
        loads.setdefault(load.hub_site_id, []).append((load.week, load.tonnes, load.capacity_t))
    figures = []
    for hub, rows in sorted(loads.items()):
        weeks = [w for w, _, _ in rows]
        by_cap = stacks.get(hub, {})
        data: list[dict[str, Any]] = []
        for i, (cap, tonnes) in enumerate(sorted(by_cap.items())):
            data.append(
                {
                    "type": "bar",
                    "name": cap,
                    "x": weeks,
                    "y": [round(tonnes.get(w, 0.0), 2) for w in weeks],
                    "marker": {"color": PALETTE[i % len(PALETTE)]},
                }
            )
        seen = {w: sum(t.get(w, 0.0) for t in by_cap.values()) for w in weeks}
        rest = [round(max(total - seen[w], 0.0), 2) for w, total, _ in rows]
        if any(r > 0.01 for r in rest):
            data.append(
                {"type": "bar", "name": NOT_VISIBLE, "x": weeks, "y": rest, "marker": {"color": "#bbb"}}
            )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "throughput",
                "x": weeks,
                "y": [cap for _, _, cap in rows],
                "line": {"color": "#b03a48", "dash": "dash", "shape": "hv"},
            }
        )
        layout = _layout(
            f"{hub}: tonnes per week against throughput",
            barmode="stack",
            xaxis={"title": {"text": "week"}},
            yaxis={"title": {"text": "t"}},
        )
        figures.append((hub, {"data": data, "layout": layout}))
    return figures


def delivery_timeline(allocations: Iterable[Allocation], due_week: Mapping[str, int]) -> Figure:
    """Units arriving per week, on time and late."""
    on_time: dict[int, int] = {}
    late: dict[int, int] = {}
    for a in allocations:
        target = on_time if a.arrive_week <= due_week.get(a.requirement_id, a.arrive_week) else late
        target[a.arrive_week] = target.get(a.arrive_week, 0) + a.quantity
    weeks = sorted(set(on_time) | set(late))
    return {
        "data": [
            {
                "type": "bar",
                "name": "on time",
                "x": weeks,
                "y": [on_time.get(w, 0) for w in weeks],
                "marker": {"color": "#2e8b57"},
            },
            {
                "type": "bar",
                "name": "late",
                "x": weeks,
                "y": [late.get(w, 0) for w in weeks],
                "marker": {"color": "#e07b00"},
            },
        ],
        "layout": _layout(
            "Delivery timeline: units arriving per week",
            barmode="stack",
            xaxis={"title": {"text": "week"}},
            yaxis={"title": {"text": "units"}},
        ),
    }


def sankey(
    allocations: Iterable[Allocation],
    nation_of_offer: Mapping[str, str],
    capability_of_requirement: Mapping[str, str],
    unit_mass_kg: Mapping[str, float],
) -> Figure:
    """Planned tonnes from nations through hubs to capabilities (the allocations the actor may see)."""
    first: dict[tuple[str, str], float] = {}
    second: dict[tuple[str, str], float] = {}
    for a in allocations:
        tonnes = a.quantity * unit_mass_kg[a.offer_id] / 1000.0
        nation = nation_of_offer.get(a.offer_id, "nations not in your view")
        cap = capability_of_requirement[a.requirement_id]
        first[(nation, a.hub_site_id)] = first.get((nation, a.hub_site_id), 0.0) + tonnes
        second[(a.hub_site_id, cap)] = second.get((a.hub_site_id, cap), 0.0) + tonnes
    labels = sorted({n for n, _ in first}) + sorted({h for h, _ in second}) + sorted({c for _, c in second})
    index = {label: i for i, label in enumerate(labels)}
    links = [(index[s], index[t], round(v, 2)) for (s, t), v in sorted((first | second).items())]
    return {
        "data": [
            {
                "type": "sankey",
                "node": {"label": labels, "pad": 12, "thickness": 14},
                "link": {
                    "source": [s for s, _, _ in links],
                    "target": [t for _, t, _ in links],
                    "value": [v for _, _, v in links],
                },
            }
        ],
        "layout": _layout("Planned tonnes: nations → hubs → capabilities", height=460),
    }


def burden(report: BurdenReport) -> Figure:
    """Each nation's EUR value at each stage (the source's own stages)."""
    rows = report.sharing.rows
    names = [r.nation_id for r in rows]
    data = []
    for i, stage in enumerate(("committed", "allocated", "shipped", "delivered")):
        values = [r.measure(stage).value_eur for r in rows]
        if all(v is None for v in values):
            continue
        data.append(
            {
                "type": "bar",
                "name": stage,
                "x": names,
                "y": [round(v or 0.0) for v in values],
                "marker": {"color": PALETTE[i]},
            }
        )
    return {
        "data": data,
        "layout": _layout(report.title, barmode="group", yaxis={"title": {"text": "EUR"}}, height=360),
    }


def dependency(report: DependencyReport) -> Figure:
    """The largest donor's share of each capability."""
    groups = [g for g in report.by_capability if g.top_share is not None]
    return {
        "data": [
            {
                "type": "bar",
                "x": [str(g.key) for g in groups],
                "y": [round((g.top_share or 0.0) * 100, 1) for g in groups],
                "text": [g.top_nation for g in groups],
                "textposition": "auto",
                "marker": {"color": "#6a4c93"},
            }
        ],
        "layout": _layout(
            "Largest donor's share of each capability (%)", yaxis={"range": [0, 100], "title": {"text": "%"}}
        ),
    }


def training_fill(by_specialty: Iterable[SpecialtyFill]) -> Figure:
    """Each specialty's on-time fill rate, labelled with its trainees on time of those needed."""
    rows = list(by_specialty)
    return {
        "data": [
            {
                "type": "bar",
                "x": [r.specialty for r in rows],
                "y": [round(r.fill * 100, 1) for r in rows],
                "text": [f"{r.on_time}/{r.needed}" for r in rows],
                "textposition": "auto",
                "marker": {"color": "#00838f"},
            }
        ],
        "layout": _layout(
            "On-time fill rate per specialty (%)",
            yaxis={"range": [0, 100], "title": {"text": "%"}},
            margin={"l": 60, "r": 20, "t": 40, "b": 110},
            height=380,
        ),
    }
