"""Render reports for the terminal with rich."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from rich.console import Console
from rich.table import Table

from aidcoord.dataset.service import DatasetSummary, LoadCounts
from aidcoord.planning import REASONS, PlanResult, Unmet
from aidcoord.plans.service import PlanDetail, PlanDiff, PlanFigures, PlanSummary
from aidcoord.scenario.model import Requirement
from aidcoord.training.service import TrainingReport, capabilities_without_crews


def eur(value: float) -> str:
    """Format an amount in EUR with a sensible unit (bn, m, k)."""
    for size, unit in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= size:
            return f"EUR {value / size:,.2f} {unit}"
    return f"EUR {value:,.0f}"


def print_counts(console: Console, counts: LoadCounts) -> None:
    """Print how many rows a load wrote."""
    table = Table(title="Loaded", show_header=True)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for field in dataclasses.fields(counts):
        table.add_row(field.name, f"{getattr(counts, field.name):,}")
    console.print(table)


def print_summary(console: Console, summary: DatasetSummary) -> None:
    """Print what is loaded: nations, pledged value by capability, requirements by priority, hubs."""
    console.print(
        f"[bold]{summary.title or summary.name}[/] — {summary.nations} nations "
        f"({summary.donor_nations} pledging), {summary.items} catalogue items, "
        f"{summary.horizon_weeks} weeks from {summary.start_date:%Y-%m-%d} (Monday of week 0)"
    )
    status = summary.offers_by_status
    console.print(
        f"Offers: {status.get('committed', 0):,} committed, {status.get('announced', 0):,} announced, "
        f"{status.get('withdrawn', 0):,} withdrawn; {summary.delivery_sites} hand-over points; "
        f"{summary.courses} courses, {summary.training_needs} training needs"
    )

    pledged = Table(title="Pledged value by capability")
    pledged.add_column("capability")
    pledged.add_column("committed", justify="right")
    pledged.add_column("announced", justify="right")
    pledged.add_column("committed t", justify="right")
    for row in sorted(summary.pledged, key=lambda p: -p.committed_eur):
        pledged.add_row(
            row.capability, eur(row.committed_eur), eur(row.announced_eur), f"{row.committed_t:,.0f}"
        )
    pledged.add_row(
        "[bold]total",
        eur(sum(p.committed_eur for p in summary.pledged)),
        eur(sum(p.announced_eur for p in summary.pledged)),
        f"{sum(p.committed_t for p in summary.pledged):,.0f}",
    )
    console.print(pledged)

    reqs = Table(title="Requirements by priority class")
    reqs.add_column("priority", justify="right")
    reqs.add_column("lines", justify="right")
    reqs.add_column("units", justify="right")
    for p in summary.requirements:
        reqs.add_row(str(p.priority), f"{p.lines:,}", f"{p.units:,}")
    console.print(reqs)

    hubs = Table(title="Hub capacity")
    hubs.add_column("hub")
    hubs.add_column("name")
    hubs.add_column("t / week", justify="right")
    hubs.add_column(f"t over {summary.horizon_weeks} weeks", justify="right")
    for hub in summary.hubs:
        weekly = hub.throughput_t_per_week or 0.0
        hubs.add_row(hub.site_id, hub.name, f"{weekly:,.0f}", f"{weekly * summary.horizon_weeks:,.0f}")
    console.print(hubs)
    if summary.sources:
        console.print("[bold]Sources[/] of the real figures (the rest is illustrative):")
        for source in summary.sources:
            console.print(f"- {source}", highlight=False)


def pct(value: float | None) -> str:
    """A share as a percentage with one decimal, or a dash."""
    return "—" if value is None else f"{100 * value:.1f}%"


def _figures_table(title: str, columns: list[tuple[str, PlanFigures | None]]) -> Table:
    table = Table(title=title)
    table.add_column("")
    for name, _ in columns:
        table.add_column(name, justify="right")
    rows: list[tuple[str, Callable[[PlanFigures], str]]] = [
        ("weighted fulfilment", lambda f: pct(f.weighted_fulfilment)),
        ("on-time fill", lambda f: pct(f.on_time_fill)),
        ("objective", lambda f: f"{f.objective:,.1f}"),
        ("LP bound", lambda f: "—" if f.lp_bound is None else f"{f.lp_bound:,.1f}"),
        ("gap to LP bound", lambda f: pct(f.gap)),
    ]
    for label, cell in rows:
        table.add_row(label, *("—" if f is None else cell(f) for _, f in columns))
    return table


def _figures_of(result: PlanResult) -> PlanFigures:
    return PlanFigures(
        result.objective, result.lp_bound, result.gap, result.weighted_fulfilment, result.on_time_fill
    )


def _reason_counts(unmet: Sequence[Unmet]) -> Table:
    table = Table(title="Requirements not filled on time, by reason")
    table.add_column("reason")
    table.add_column("requirements", justify="right")
    table.add_column("units unmet", justify="right")
    table.add_column("units late", justify="right")
    for reason in REASONS:
        rows = [u for u in unmet if u.reason == reason]
        if rows:
            table.add_row(
                reason,
                str(len(rows)),
                f"{sum(u.quantity_unmet for u in rows):,}",
                f"{sum(u.quantity_late for u in rows):,}",
            )
    return table


def print_plan_result(console: Console, result: PlanResult, greedy: PlanResult | None) -> None:
    """Print a plan made from files: its figures (beside greedy's), timings and unmet reasons."""
    columns: list[tuple[str, PlanFigures | None]] = [("plan", _figures_of(result))]
    if greedy is not None:
        columns.append(("greedy", _figures_of(greedy)))
    console.print(_figures_table("Plan", columns))
    console.print(
        f"{len(result.allocations):,} allocations; build {result.build_seconds:.2f} s, "
        f"solve {result.solve_seconds:.2f} s ({result.solver}, {result.status})"
    )
    if result.unmet:
        console.print(_reason_counts(result.unmet))


def print_plan_detail(
    console: Console, detail: PlanDetail, reqs: Sequence[Requirement], top: int = 10
) -> None:
    """Print a stored plan: figures against greedy, hub utilisation, the most urgent unmet requirements."""
    s = detail.summary
    console.print(
        f"[bold]Plan version {s.version}[/] ({s.status}, {s.method}) by {s.created_by} at "
        f"{s.created_at:%Y-%m-%d %H:%M} UTC; {s.allocations:,} allocations; "
        f"build {s.build_seconds:.2f} s, solve {s.solve_seconds:.2f} s ({s.solver}, {s.solver_status})"
    )
    if s.approved_by:
        console.print(f"approved by {s.approved_by}: {s.approval_reason}")
    console.print(
        _figures_table("Plan against the greedy baseline", [("plan", s.figures), ("greedy", s.baseline)])
    )

    hubs = Table(title="Hub utilisation (planned tonnes against throughput)")
    hubs.add_column("hub")
    hubs.add_column("t / week", justify="right")
    hubs.add_column("planned t", justify="right")
    hubs.add_column("mean", justify="right")
    hubs.add_column("peak", justify="right")
    hubs.add_column("weeks full (≥ 99%)", justify="right")
    for hub_id in sorted({h.hub_site_id for h in detail.hub_load}):
        weeks = [h for h in detail.hub_load if h.hub_site_id == hub_id]
        capacity = weeks[0].capacity_t if weeks else 0.0
        use = [h.tonnes / h.capacity_t for h in weeks if h.capacity_t > 0]
        hubs.add_row(
            hub_id,
            f"{capacity:,.0f}",
            f"{sum(h.tonnes for h in weeks):,.0f}",
            pct(sum(use) / len(use) if use else None),
            pct(max(use) if use else None),
            str(sum(1 for u in use if u >= 0.99)),
        )
    console.print(hubs)

    if detail.unmet:
        console.print(_reason_counts(detail.unmet))
        by_id = {r.requirement_id: r for r in reqs}
        ranked = sorted(
            detail.unmet,
            key=lambda u: (
                by_id[u.requirement_id].priority,
                -by_id[u.requirement_id].weight,
                by_id[u.requirement_id].due_week,
                u.requirement_id,
            ),
        )
        console.print(f"[bold]The {min(top, len(ranked))} most urgent requirements not filled on time[/]")
        for u in ranked[:top]:
            r = by_id[u.requirement_id]
            console.print(f"- priority {r.priority}, [italic]{u.reason}[/]: {u.explanation}", highlight=False)


def print_plan_list(console: Console, summaries: Sequence[PlanSummary]) -> None:
    """Print stored plans, newest first."""
    table = Table(title="Plans")
    for column in (
        "version",
        "status",
        "method",
        "created",
        "by",
        "weighted fulfilment",
        "on-time fill",
        "gap",
    ):
        table.add_column(column)
    for s in summaries:
        table.add_row(
            str(s.version),
            s.status,
            s.method,
            f"{s.created_at:%Y-%m-%d %H:%M}",
            s.created_by,
            pct(s.figures.weighted_fulfilment),
            pct(s.figures.on_time_fill),
            pct(s.figures.gap),
        )
    console.print(table)


def print_plan_diff(console: Console, diff: PlanDiff) -> None:
    """Print what changes between two plans."""
    a, b = diff.before, diff.after
    console.print(
        _figures_table(
            f"Plan {a.version} → plan {b.version}",
            [(f"v{a.version}", a.figures), (f"v{b.version}", b.figures)],
        )
    )
    console.print(f"{len(diff.added):,} allocations added, {len(diff.removed):,} removed")
    if diff.requirements:
        table = Table(title="Requirements whose deliveries change")
        for column in ("requirement", "delivered before", "after", "on time before", "after "):
            table.add_column(column, justify="right" if column != "requirement" else "left")
        for change in diff.requirements[:50]:
            table.add_row(
                change.requirement_id,
                f"{change.delivered_before:,}",
                f"{change.delivered_after:,}",
                f"{change.on_time_before:,}",
                f"{change.on_time_after:,}",
            )
        console.print(table)
        if len(diff.requirements) > 50:
            console.print(f"… and {len(diff.requirements) - 50} more requirements")


def print_training_report(console: Console, report: TrainingReport, top: int = 10) -> None:
    """Print a training plan: figures against greedy, fill per specialty and nation, at risk, unmet, crews."""
    s = report.summary
    console.print(
        f"[bold]Training plan version {s.version}[/] ({s.method}) by {s.created_by} at "
        f"{s.created_at:%Y-%m-%d %H:%M} UTC; {s.assignments:,} assignments; "
        f"solve {s.solve_seconds:.2f} s ({s.solver}, {s.solver_status})"
    )
    figures = [
        ("training plan", PlanFigures(**dataclasses.asdict(s.figures))),
        ("greedy", PlanFigures(**dataclasses.asdict(s.baseline)) if s.baseline else None),
    ]
    console.print(_figures_table("Training plan against the greedy baseline", figures))
    fill = Table(title="Training fill by specialty (trainees)")
    for column in ("specialty", "needed", "on time", "late", "on-time fill"):
        fill.add_column(column, justify="left" if column == "specialty" else "right")
    for row in report.by_specialty:
        fill.add_row(row.specialty, f"{row.needed:,}", f"{row.on_time:,}", f"{row.late:,}", pct(row.fill))
    console.print(fill)
    seats = Table(title="Seats by offering nation")
    for column in ("nation", "courses", "seats offered", "seats used", "on time", "use"):
        seats.add_column(column, justify="left" if column == "nation" else "right")
    for n in report.by_nation:
        seats.add_row(
            n.nation_id,
            str(n.courses),
            f"{n.seats_offered:,}",
            f"{n.seats_used:,}",
            f"{n.on_time:,}",
            pct(n.use),
        )
    console.print(seats)
    if report.at_risk:
        risk = Table(
            title=f"Trainees at risk of missing their due week (first {min(top, len(report.at_risk))})"
        )
        for column in (
            "need",
            "specialty",
            "priority",
            "due",
            "trainees",
            "on time",
            "no slack",
            "late",
            "none",
        ):
            risk.add_column(column, justify="left" if column in ("need", "specialty") else "right")
        for r in report.at_risk[:top]:
            risk.add_row(
                r.need_id,
                r.specialty,
                str(r.priority),
                str(r.due_week),
                f"{r.trainees:,}",
                f"{r.on_time:,}",
                f"{r.at_risk:,}",
                f"{r.late:,}",
                f"{r.not_trained:,}",
            )
        console.print(risk)
    if report.unmet:
        console.print("[bold]Training needs not met on time[/]")
        for u in report.unmet[:top]:
            console.print(f"- [italic]{u.reason}[/]: {u.explanation}", highlight=False)
    if report.equipment_plan_version is None:
        console.print("No equipment plan yet: crews are compared with equipment arrivals once one exists.")
    elif report.without_crews:
        crews = Table(
            title=f"Capabilities arriving without crews (equipment plan {report.equipment_plan_version})"
        )
        for column in ("capability", "requirements", "units", "crews short"):
            crews.add_column(column, justify="left" if column == "capability" else "right")
        for capability, count, units, short in capabilities_without_crews(report.without_crews):
            crews.add_row(capability, str(count), f"{units:,}", f"{short:,}")
        console.print(crews)
    else:
        console.print(
            f"Every crewed requirement of equipment plan {report.equipment_plan_version} has crews on arrival"
        )
