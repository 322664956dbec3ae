"""Load a scenario into the database, export it again, and summarise what is loaded.

These use cases span every reference-data domain, so they call each domain's service rather than
its tables; the one table owned here holds the scenario's own facts (name, planning settings, meta).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidcoord.access import service as access
from aidcoord.access.actor import Actor, require_role
from aidcoord.audit import service as audit
from aidcoord.catalog import service as catalog
from aidcoord.dataset.models import Dataset
from aidcoord.errors import Conflict, NotFound, ValidationFailed
from aidcoord.nations import service as nations
from aidcoord.offers import service as offers
from aidcoord.offers.service import PledgedValue
from aidcoord.requirements import service as requirements
from aidcoord.requirements.service import PriorityCount
from aidcoord.scenario.io import validate_scenario
from aidcoord.scenario.model import PlanningSettings, Scenario, Site
from aidcoord.sites import service as sites
from aidcoord.training import service as training


@dataclass(frozen=True, slots=True)
class LoadCounts:
    """How many rows of each table a load wrote."""

    nations: int
    sites: int
    lanes: int
    items: int
    substitutes: int
    requirements: int
    offers: int
    courses: int
    training_needs: int
    organisations: int
    specialty_substitutes: int = 0


@dataclass(frozen=True, slots=True)
class DatasetSummary:
    """What is loaded: the report `aidcoord demo` and `aidcoord scenario show` print."""

    name: str
    title: str
    start_date: dt.date
    horizon_weeks: int
    nations: int
    donor_nations: int
    items: int
    offers_by_status: dict[str, int]
    pledged: list[PledgedValue]
    requirements: list[PriorityCount]
    hubs: list[Site]
    delivery_sites: int
    courses: int
    training_needs: int
    sources: list[str]
    """Titles of the package's cited sources (its datapackage.json `sources`), to show beside figures."""


def is_empty(session: Session) -> bool:
    """Whether no scenario is loaded."""
    return (session.scalar(select(func.count()).select_from(Dataset)) or 0) == 0


def _derived_organisations(scenario: Scenario) -> list[access.Organisation]:
    # The package has no organisations; the ones every deployment needs follow from its tables:
    # the cell, the auditors, a delegation per contributing nation, an operator per hub and the recipient.
    contributing = sorted({o.nation_id for o in scenario.offers} | {c.nation_id for c in scenario.courses})
    site_nation = {s.site_id: s.nation_id for s in scenario.sites}
    recipients = sorted({site_nation[s.site_id] for s in scenario.sites if s.kind == "delivery"})
    names = {n.nation_id: n.name for n in scenario.nations}
    orgs = [
        access.Organisation("CELL", "Coordination cell", "coordination_cell"),
        access.Organisation("AUDIT", "Auditors", "auditor"),
    ]
    orgs += [
        access.Organisation(f"DEL-{nid}", f"{names[nid]} delegation", "nation_delegation", nation_id=nid)
        for nid in contributing
    ]
    orgs += [
        access.Organisation(f"OPS-{s.site_id}", f"{s.name} operator", "hub_operator", site_id=s.site_id)
        for s in sorted(scenario.sites, key=lambda s: s.site_id)
        if s.kind == "hub"
    ]
    orgs += [
        access.Organisation(f"REC-{nid}", f"{names[nid]} (recipient)", "recipient", nation_id=nid)
        for nid in recipients
    ]
    return orgs


def clear(session: Session, *, actor: Actor) -> None:
    """Delete the loaded scenario and everything derived from it (coordinators only)."""
    require_role(actor, "coordinator")
    # Plans refer to offers and requirements, and plans.service itself reads the scenario through this
    # module: importing it here, not at the top, keeps that dependency one-way at import time.
    from aidcoord.plans import service as plans
    from aidcoord.shipments import service as shipments

    shipments.clear(session, actor=actor)
    plans.clear(session, actor=actor)
    access.clear(session, actor=actor)
    offers.clear(session, actor=actor)
    requirements.clear(session, actor=actor)
    training.clear(session, actor=actor)
    catalog.clear(session, actor=actor)
    sites.clear(session, actor=actor)
    nations.clear(session, actor=actor)
    session.query(Dataset).delete()
    session.flush()


def load_scenario(
    session: Session,
    *,
    actor: Actor,
    scenario: Scenario,
    replace: bool = False,
    progress: Callable[[str, float], None] | None = None,
) -> LoadCounts:
    """Write a whole scenario; refuses an invalid one, and a non-empty database unless `replace`.

    Validation runs before any row is written, and the caller's transaction holds the whole load,
    so a rejected scenario leaves the database as it was.
    """
    require_role(actor, "coordinator")
    problems = validate_scenario(scenario)
    if problems:
        raise ValidationFailed(f"scenario {scenario.name!r} is invalid: {len(problems)} problems", problems)
    replaced = False
    if not is_empty(session):
        if not replace:
            raise Conflict("a scenario is already loaded: use an empty database, or replace it explicitly")
        clear(session, actor=actor)
        replaced = True
    s = scenario.settings
    session.add(
        Dataset(
            dataset_id=1,
            name=scenario.name,
            title=scenario.title,
            start_date=s.start_date,
            horizon_weeks=s.horizon_weeks,
            lateness_decay_per_week=s.lateness_decay_per_week,
            transport_cost_weight=s.transport_cost_weight,
            meta=dict(scenario.meta),
        )
    )
    session.flush()
    steps: list[tuple[str, Callable[[], int]]] = [
        ("nations", lambda: nations.add_many(session, actor=actor, nations=scenario.nations)),
        ("sites", lambda: sites.add_sites(session, actor=actor, sites=scenario.sites)),
        ("lanes", lambda: sites.add_lanes(session, actor=actor, lanes=scenario.lanes)),
        ("items", lambda: catalog.add_items(session, actor=actor, items=scenario.items)),
        (
            "substitutes",
            lambda: catalog.add_substitutes(session, actor=actor, substitutes=scenario.substitutes),
        ),
        (
            "requirements",
            lambda: requirements.add_many(session, actor=actor, requirements=scenario.requirements),
        ),
        ("offers", lambda: offers.add_many(session, actor=actor, offers=scenario.offers)),
        ("courses", lambda: training.add_courses(session, actor=actor, courses=scenario.courses)),
        ("training_needs", lambda: training.add_needs(session, actor=actor, needs=scenario.training_needs)),
        (
            "specialty_substitutes",
            lambda: training.add_substitutes(
                session, actor=actor, substitutes=scenario.specialty_substitutes
            ),
        ),
        (
            "organisations",
            lambda: access.add_many(session, actor=actor, organisations=_derived_organisations(scenario)),
        ),
    ]
    written: dict[str, int] = {}
    for done, (table, step) in enumerate(steps):
        if progress is not None:
            progress(f"writing {table}", done / len(steps))
        written[table] = step()
    if progress is not None:
        progress("written", 1.0)
    counts = LoadCounts(**written)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="scenario.replace" if replace and replaced else "scenario.load",
        entity="scenario",
        entity_id=scenario.name,
        after={"name": scenario.name, "title": scenario.title, "rows": counts},
    )
    return counts


def _dataset(session: Session) -> Dataset:
    row = session.get(Dataset, 1)
    if row is None:
        raise NotFound("no scenario is loaded: run `aidcoord scenario load DIR|nsatu` first")
    return row


def planning_settings(session: Session, *, actor: Actor) -> PlanningSettings:
    """The loaded scenario's planning settings (week 0, horizon, decay, cost weight); every participant's."""
    del actor
    row = _dataset(session)
    return PlanningSettings(
        start_date=row.start_date,
        horizon_weeks=row.horizon_weeks,
        lateness_decay_per_week=row.lateness_decay_per_week,
        transport_cost_weight=row.transport_cost_weight,
    )


def horizon_weeks(session: Session, *, actor: Actor) -> int:
    """How many weeks the loaded scenario plans over (every participant may know)."""
    del actor
    return _dataset(session).horizon_weeks


def export_scenario(session: Session, *, actor: Actor) -> Scenario:
    """The loaded scenario as a pure Scenario value (coordinators and auditors: it holds every offer)."""
    require_role(actor, "coordinator", "auditor")
    row = _dataset(session)
    return Scenario(
        name=row.name,
        title=row.title,
        settings=PlanningSettings(
            start_date=row.start_date,
            horizon_weeks=row.horizon_weeks,
            lateness_decay_per_week=row.lateness_decay_per_week,
            transport_cost_weight=row.transport_cost_weight,
        ),
        nations=tuple(nations.list_all(session, actor=actor)),
        sites=tuple(sites.list_sites(session, actor=actor)),
        lanes=tuple(sites.list_lanes(session, actor=actor)),
        items=tuple(catalog.list_items(session, actor=actor)),
        substitutes=tuple(catalog.list_substitutes(session, actor=actor)),
        requirements=tuple(requirements.list_all(session, actor=actor)),
        offers=tuple(offers.list_all(session, actor=actor)),
        courses=tuple(training.list_courses(session, actor=actor)),
        training_needs=tuple(training.list_needs(session, actor=actor)),
        specialty_substitutes=tuple(training.list_substitutes(session, actor=actor)),
        meta=dict(row.meta),
    )


def summary(session: Session, *, actor: Actor) -> DatasetSummary:
    """Totals of what is loaded: nations, pledged value by capability, requirements, hub capacity."""
    row = _dataset(session)
    all_sites = sites.list_sites(session, actor=actor)
    visible_offers = offers.list_all(session, actor=actor)
    by_status: dict[str, int] = {"announced": 0, "committed": 0, "withdrawn": 0}
    for offer in visible_offers:
        by_status[offer.status] = by_status.get(offer.status, 0) + 1
    return DatasetSummary(
        name=row.name,
        title=row.title,
        start_date=row.start_date,
        horizon_weeks=row.horizon_weeks,
        nations=nations.count(session, actor=actor),
        donor_nations=len({o.nation_id for o in visible_offers}),
        items=len(catalog.list_items(session, actor=actor)),
        offers_by_status=by_status,
        pledged=offers.pledged_by_capability(session, actor=actor),
        requirements=requirements.by_priority(session, actor=actor),
        hubs=[s for s in all_sites if s.kind == "hub"],
        delivery_sites=sum(1 for s in all_sites if s.kind == "delivery"),
        courses=len(training.list_courses(session, actor=actor)),
        training_needs=len(training.list_needs(session, actor=actor)),
        sources=[
            str(source["title"])
            for source in (row.meta or {}).get("sources", [])
            if isinstance(source, dict) and source.get("title")
        ],
    )
