"""Donor dependency and Monte Carlo reliability of the baseline plan, over the database.

Both read the plan what-ifs compare against (`plans.baseline_result`: the approved plan, else the
latest) and the current state's planning problem; the figures are the pure core's
(`analysis.dependency`, `analysis.montecarlo`). They name which nation fills which requirement and
every nation's record, so coordinators and auditors (who see everything) may ask for them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role
from aidcoord.analysis import dependency, montecarlo
from aidcoord.catalog import service as catalog
from aidcoord.errors import Problem, refuse_invalid
from aidcoord.export import Cell, ReportTable
from aidcoord.offers import service as offers
from aidcoord.planning.result import still_fitting
from aidcoord.plans import service as plans
from aidcoord.shipments import service as shipments

READERS = ("coordinator", "auditor")
BASES = ("plan", "supply")
Progress = Callable[[str, float], None]


@dataclass(frozen=True, slots=True)
class Dependency:
    """A dependency report and the plan version it is of (None for committed supply)."""

    plan_version: int | None
    report: dependency.DependencyReport


def dependency_report(session: Session, *, actor: Actor, basis: str = "plan") -> Dependency:
    """Dependency per capability and priority class of the baseline plan (`plan`) or committed supply."""
    require_role(actor, *READERS)
    if basis not in BASES:
        refuse_invalid("dependency", [Problem(f"use one of {', '.join(BASES)}", column="basis")])
    items = catalog.list_items(session, actor=actor)
    capability = {i.item_id: i.capability for i in items}
    unit_value = {i.item_id: i.unit_value_eur for i in items}
    problem = plans.current_problem(session, actor=actor)
    if basis == "supply":
        return Dependency(
            None, dependency.supply_dependency(problem, capability=capability, unit_value_eur=unit_value)
        )
    version, stored = plans.baseline_result(session, actor=actor)
    result = still_fitting(stored, problem)
    report = dependency.plan_dependency(problem, result, capability=capability, unit_value_eur=unit_value)
    return Dependency(version, report)


def delivery_record(session: Session, *, actor: Actor) -> dict[str, float]:
    """Each nation's delivery probability from its record: received of settled units (1 without a record)."""
    require_role(actor, *READERS)
    nation_of = {o.offer_id: o.nation_id for o in offers.values_by_offer(session, actor=actor)}
    settled = shipments.settled_by_offer(session, actor=actor)
    nations = sorted(set(nation_of.values()))
    committed: dict[str, int] = defaultdict(int)
    delivered: dict[str, int] = defaultdict(int)
    for offer_id, (units, received) in settled.items():
        committed[nation_of[offer_id]] += units
        delivered[nation_of[offer_id]] += received
    return montecarlo.delivery_probabilities(
        nations, [committed[n] for n in nations], [delivered[n] for n in nations]
    )


@dataclass(frozen=True)
class Reliability:
    """A Monte Carlo run of the baseline plan: the probabilities used and the result."""

    plan_version: int
    probabilities: Mapping[str, float]
    result: montecarlo.MonteCarloResult
    overrides: Mapping[str, float] = field(default_factory=dict)


def reliability(
    session: Session,
    *,
    actor: Actor,
    runs: int = 1000,
    seed: int = 0,
    threshold: float = montecarlo.DEFAULT_THRESHOLD,
    probabilities: Mapping[str, float] | None = None,
    delay_pmf: Mapping[str, Sequence[float]] | None = None,
    default_delay_pmf: Sequence[float] = (1.0,),
    workers: int = 1,
    progress: Progress | None = None,
) -> Reliability:
    """Simulate the baseline plan `runs` times (seeded); nations deliver by their record unless overridden.

    `probabilities` overrides nations' delivery probabilities; `delay_pmf` gives per-nation
    distributions of weeks late (default `default_delay_pmf`: never late).
    """
    require_role(actor, *READERS)
    problems = []
    if not 1 <= runs <= 100_000:
        problems.append(Problem("from 1 to 100,000 runs", column="runs"))
    if not 0 < threshold <= 1:
        problems.append(Problem("a probability in (0, 1]", column="threshold"))
    refuse_invalid("Monte Carlo", problems)
    version, stored = plans.baseline_result(session, actor=actor)
    problem = plans.current_problem(session, actor=actor)
    result = still_fitting(stored, problem)
    record = delivery_record(session, actor=actor)
    chosen = {**record, **(probabilities or {})}
    model = montecarlo.Reliability(
        delivery_probability=chosen,
        delay_pmf=dict(delay_pmf or {}),
        default_delay_pmf=tuple(default_delay_pmf),
    )
    simulated = montecarlo.simulate(
        problem, result, model, runs=runs, seed=seed, workers=workers, threshold=threshold, progress=progress
    )
    return Reliability(version, chosen, simulated, dict(probabilities or {}))


# --- as report tables --------------------------------------------------------------------------------


def _group_rows(groups: Sequence[dependency.GroupDependency]) -> tuple[tuple[Cell, ...], ...]:
    return tuple(
        (
            str(g.key),
            round(g.total, 2),
            g.top_nation,
            None if g.top_share is None else round(g.top_share, 6),
            None if g.hhi is None else round(g.hhi, 1),
            g.n_donors,
            g.n_requirements,
            len(g.sole_source),
        )
        for g in groups
    )


def dependency_tables(dep: Dependency) -> list[ReportTable]:
    """Per capability, per priority class, and the requirements one nation alone covers."""
    r = dep.report
    what = f"plan {dep.plan_version}" if dep.plan_version is not None else "committed supply"
    source = (f"aidcoord: {what}, {r.measure.replace('_', ' ')}",)
    columns = ("group", "total", "top donor", "top share", "HHI", "donors", "requirements", "single-nation")
    return [
        ReportTable("by capability", columns, _group_rows((r.overall, *r.by_capability)), source),
        ReportTable("by priority", columns, _group_rows(r.by_priority), source),
        ReportTable(
            "single-nation requirements",
            ("requirement", "nation", "units", "quantity", "fully covered"),
            tuple(
                (s.requirement_id, s.nation_id, s.units, s.quantity, s.fully_covered) for s in r.sole_source
            ),
            source,
        ),
    ]


def reliability_tables(rel: Reliability) -> list[ReportTable]:
    """Summary (distributions), nations' probabilities, flagged requirements."""
    res = rel.result
    source = (
        f"aidcoord Monte Carlo: {res.runs} runs of plan {rel.plan_version}, seed {res.seed}; "
        "delivery probabilities from the shipment record unless overridden",
    )
    summary = ReportTable(
        "reliability summary",
        ("figure", "planned", "mean", "p5", "p50", "p95"),
        tuple(
            (name, round(planned, 6), round(d.mean, 6), round(d.p5, 6), round(d.p50, 6), round(d.p95, 6))
            for name, planned, d in (
                ("weighted fulfilment", res.planned.weighted_fulfilment, res.fulfilment),
                ("on-time fill", res.planned.on_time_fill, res.on_time),
            )
        ),
        source,
    )
    nations = ReportTable(
        "delivery probabilities",
        ("nation", "probability", "overridden"),
        tuple((n, round(p, 6), n in rel.overrides) for n, p in sorted(rel.probabilities.items())),
        source,
    )
    flagged = ReportTable(
        "requirements at risk",
        ("requirement", "priority", "weight", "quantity", "planned on time", "p as planned", "p on time"),
        tuple(
            (
                f.requirement_id,
                f.priority,
                f.weight,
                f.quantity,
                f.planned_on_time,
                round(f.p_as_planned, 4),
                round(f.p_on_time, 4),
            )
            for f in res.flagged
        ),
        source,
    )
    return [summary, nations, flagged]
