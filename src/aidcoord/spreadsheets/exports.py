"""The spreadsheets people ask for: requirements, offers, a plan and the pipeline, as formatted XLSX.

Need-to-know is the services': every export is built from the same service functions as the API's
lists, called with the caller's actor — a delegation's offers export holds its own offers only, a plan
export the allocations the caller may see. Figures that are totals per nation come from the burden
report (`reports.burden`), which publishes them to every participant, exactly as the dashboard does.

The pipeline follows an offer from promise to hand-over: announced (offers not yet committed) →
committed → allocated (the approved plan's live allocations) → shipped (dispatched or later, lost ones
included: they left the donor) → delivered (consignments at the hand-over point or signed for) →
received (units the recipient signed for). Each stage's EUR is its units at the offer's value per unit
(its value over its units), as the burden report values them; so the per-offer sheet of a caller who
sees every offer adds up to the per-nation sheet, which is the burden report's own figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, scope_of
from aidcoord.catalog import service as catalog
from aidcoord.dataset import service as dataset
from aidcoord.errors import NotFound
from aidcoord.nations import service as nations
from aidcoord.offers import service as offers
from aidcoord.offers.service import OfferView
from aidcoord.plans import service as plans
from aidcoord.reports import burden
from aidcoord.requirements import service as requirements
from aidcoord.requirements.service import RequirementView
from aidcoord.shipments import service as shipments
from aidcoord.spreadsheets.workbook import Column, Sheet, Value

KINDS: tuple[str, ...] = ("requirements", "offers", "plan", "pipeline")
"""The exports, by the name the CLI and the API use."""

STAGES: tuple[str, ...] = ("announced", "committed", "allocated", "shipped", "delivered", "received")
"""The pipeline's stages, from promise to hand-over."""

NATION_STAGES: tuple[str, ...] = ("announced", "committed", "allocated", "shipped", "received")
"""The stages with totals per nation (the burden report's and the dashboard's Overview pipeline)."""

PAGE = 1000


def _every(fetch: Callable[[int], Any]) -> list[Any]:
    """Every item of a paged service list: `fetch(offset)` returns a page with items and total."""
    items: list[Any] = []
    while True:
        page = fetch(len(items))
        items += page.items
        if not page.items or len(items) >= page.total:
            return items


def _week_start(start: dt.date, week: int | None) -> dt.date | None:
    """The Monday a plan week starts (week 0 is the scenario's start date)."""
    return None if week is None else start + dt.timedelta(weeks=week)


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _reference_note(session: Session, actor: Actor) -> str:
    summary = dataset.summary(session, actor=actor)
    cited = "; ".join(summary.sources) or "see the scenario's datapackage.json"
    return f"Reference data: scenario {summary.title or summary.name} ({cited})."


def _weeks_note(start: dt.date) -> str:
    return f"Dates are the Monday each plan week starts; week 0 is {start:%Y-%m-%d}."


def _offer_scope(actor: Actor) -> str:
    scope = scope_of(actor)
    if scope.everything:
        return "every nation's offers"
    if scope.nation_id is not None:
        return f"the offers of {scope.nation_id} (your delegation's)"
    return "no offers one by one (your role sees totals per nation only)"


# --- requirements ------------------------------------------------------------------------------------


REQUIREMENT_COLUMNS: tuple[Column, ...] = (
    Column("Requirement"),
    Column("Item"),
    Column("Item name"),
    Column("Capability"),
    Column("Priority", "int"),
    Column("Weight", "number"),
    Column("Quantity", "int"),
    Column("Due week", "week"),
    Column("Due date", "date"),
    Column("Delivery site"),
    Column("Status"),
    Column("Allocated (units)", "int"),
    Column("Allocated share", "pct"),
    Column("Replan needed"),
)


def requirements_sheets(
    session: Session,
    *,
    actor: Actor,
    capability: str | None = None,
    priority: int | None = None,
    status: str | None = None,
) -> list[Sheet]:
    """The recipient's requirements list (everyone's to see), with the approved plan's allocated units."""
    start = dataset.planning_settings(session, actor=actor).start_date
    names = {i.item_id: i.name for i in catalog.list_items(session, actor=actor)}
    views: list[RequirementView] = _every(
        lambda offset: requirements.list_requirements(
            session,
            actor=actor,
            capability=capability,
            priority=priority,
            status=status,
            sort="priority",
            limit=PAGE,
            offset=offset,
        )
    )
    rows = tuple(
        (
            r.requirement_id,
            r.item_id,
            names.get(r.item_id),
            r.capability,
            r.priority,
            r.weight,
            r.quantity,
            r.due_week,
            _week_start(start, r.due_week),
            r.delivery_site_id,
            r.status,
            r.allocated,
            _share(r.allocated, r.quantity),
            "yes" if r.replan_needed else "no",
        )
        for r in views
    )
    total: tuple[Value, ...] = ("Total", *([None] * 5), sum(r.quantity for r in views), *([None] * 4))
    allocated, quantity = sum(r.allocated for r in views), sum(r.quantity for r in views)
    total += (allocated, _share(allocated, quantity), None)
    return [
        Sheet(
            name="Requirements",
            title="Requirements — the recipient's prioritised list",
            columns=REQUIREMENT_COLUMNS,
            rows=rows,
            notes=(
                "Priority 1 is the most urgent. Allocated: units the approved plan allocates (live "
                "allocations).",
                _weeks_note(start),
                _reference_note(session, actor),
            ),
            total=total,
        )
    ]


# --- offers ------------------------------------------------------------------------------------------


OFFER_COLUMNS: tuple[Column, ...] = (
    Column("Offer"),
    Column("Nation"),
    Column("Nation name"),
    Column("Item"),
    Column("Item name"),
    Column("Capability"),
    Column("Status"),
    Column("Units", "int"),
    Column("Available week", "week"),
    Column("Available from", "date"),
    Column("Origin depot"),
    Column("Value (EUR)", "eur"),
    Column("Value basis"),
    Column("Valuation method"),
    Column("Announced on", "date"),
    Column("Source"),
    Column("Allocated (units)", "int"),
    Column("Allocated share", "pct"),
    Column("Withdrawal reason"),
)


def visible_offers(session: Session, *, actor: Actor, **filters: Any) -> list[OfferView]:
    """Every offer the actor may see (the API list's service, all pages), by id."""
    found: list[OfferView] = _every(
        lambda offset: offers.list_offers(session, actor=actor, limit=PAGE, offset=offset, **filters)
    )
    return found


def offers_sheets(
    session: Session,
    *,
    actor: Actor,
    nation_id: str | None = None,
    capability: str | None = None,
    status: str | None = None,
) -> list[Sheet]:
    """The offers the actor may see, with value, valuation, provenance and the approved plan's units."""
    start = dataset.planning_settings(session, actor=actor).start_date
    items = {i.item_id: i.name for i in catalog.list_items(session, actor=actor)}
    nation_names = {n.nation_id: n.name for n in nations.list_all(session, actor=actor)}
    views = visible_offers(session, actor=actor, nation_id=nation_id, capability=capability, status=status)
    rows = tuple(
        (
            o.offer_id,
            o.nation_id,
            nation_names.get(o.nation_id),
            o.item_id,
            items.get(o.item_id),
            o.capability,
            o.status,
            o.quantity,
            o.available_week,
            _week_start(start, o.available_week),
            o.origin_site_id,
            o.value_eur,
            "computed" if o.value_computed else "stated",
            o.valuation_method,
            o.announced_on,
            o.source,
            o.allocated,
            _share(o.allocated, o.quantity),
            o.withdrawal_reason,
        )
        for o in views
    )
    total: tuple[Value, ...] = ("Total", *([None] * 6), sum(o.quantity for o in views), None, None, None)
    allocated, quantity = sum(o.allocated for o in views), sum(o.quantity for o in views)
    total += (sum(o.value_eur for o in views), *([None] * 4), allocated, _share(allocated, quantity), None)
    return [
        Sheet(
            name="Offers",
            title="Offers (pledges)",
            columns=OFFER_COLUMNS,
            rows=rows,
            notes=(
                f"Shown: {_offer_scope(actor)}.",
                "Value (EUR): the value the nation stated; where the basis is 'computed', units × the "
                "catalogue's unit value. Allocated: units the approved plan allocates.",
                _weeks_note(start),
                _reference_note(session, actor),
            ),
            total=total,
        )
    ]


# --- a plan ------------------------------------------------------------------------------------------


ALLOCATION_COLUMNS: tuple[Column, ...] = (
    Column("Offer"),
    Column("Nation"),
    Column("Offer item"),
    Column("Requirement"),
    Column("Requirement item"),
    Column("Capability"),
    Column("Priority", "int"),
    Column("Hub"),
    Column("Departs week", "week"),
    Column("Departs", "date"),
    Column("At hub week", "week"),
    Column("Arrives week", "week"),
    Column("Arrives", "date"),
    Column("Due week", "week"),
    Column("Weeks late", "int"),
    Column("Units", "int"),
    Column("Value (EUR)", "eur"),
)

UNMET_COLUMNS: tuple[Column, ...] = (
    Column("Requirement"),
    Column("Item"),
    Column("Capability"),
    Column("Priority", "int"),
    Column("Due week", "week"),
    Column("Due date", "date"),
    Column("Units never delivered", "int"),
    Column("Units late", "int"),
    Column("Reason"),
    Column("Explanation"),
)


def chosen_plan(session: Session, *, actor: Actor, version: int | None = None) -> plans.PlanSummary:
    """The plan an export shows: `version`, else the approved plan, else the latest; NotFound if none."""
    summaries = plans.list_plans(session, actor=actor)
    if version is not None:
        found = next((s for s in summaries if s.version == version), None)
        if found is None:
            raise NotFound(f"plan version {version} does not exist")
        return found
    approved = [s for s in summaries if s.status == "approved"]
    if approved:
        return approved[0]
    if not summaries:
        raise NotFound("no plan yet: run `aidcoord plan` first")
    return summaries[0]


def _pct_text(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def plan_sheets(session: Session, *, actor: Actor, version: int | None = None) -> list[Sheet]:
    """A plan's allocations the actor may see and its unmet requirements with their reasons."""
    summary = chosen_plan(session, actor=actor, version=version)
    detail = plans.get_plan(session, actor=actor, version=summary.version)
    start = dataset.planning_settings(session, actor=actor).start_date
    reqs = {r.requirement_id: r for r in requirements.list_all(session, actor=actor)}
    capability = {i.item_id: i.capability for i in catalog.list_items(session, actor=actor)}
    # Offers' nation, item and value only where the caller may see the offer (a hub's operator sees the
    # allocations through its hub but not whose they are).
    seen = {o.offer_id: o for o in visible_offers(session, actor=actor)}
    rows = []
    for a in detail.allocations:
        offer = seen.get(a.offer_id)
        req = reqs[a.requirement_id]
        rows.append(
            (
                a.offer_id,
                offer.nation_id if offer else None,
                offer.item_id if offer else None,
                a.requirement_id,
                req.item_id,
                capability.get(req.item_id),
                req.priority,
                a.hub_site_id,
                a.depart_week,
                _week_start(start, a.depart_week),
                a.hub_week,
                a.arrive_week,
                _week_start(start, a.arrive_week),
                req.due_week,
                max(0, a.arrive_week - req.due_week),
                a.quantity,
                offer.value_eur * a.quantity / offer.quantity if offer and offer.quantity else None,
            )
        )
    values = [r[-1] for r in rows if isinstance(r[-1], float)]
    total: tuple[Value, ...] = ("Total", *([None] * 14), sum(a.quantity for a in detail.allocations))
    total += (sum(values) if values else None,)
    figures, base = summary.figures, summary.baseline
    header = (
        f"Plan version {summary.version} ({summary.status}, {summary.method}), made "
        f"{summary.created_at:%Y-%m-%d %H:%M} by {summary.created_by}"
        + (f", approved by {summary.approved_by}: {summary.approval_reason}" if summary.approved_by else "")
        + "."
    )
    results = (
        f"Weighted fulfilment {_pct_text(figures.weighted_fulfilment)}, on-time fill "
        f"{_pct_text(figures.on_time_fill)}"
        + (
            f" (greedy baseline: {_pct_text(base.weighted_fulfilment)}, {_pct_text(base.on_time_fill)})"
            if base
            else ""
        )
        + f"; gap to the LP bound {_pct_text(figures.gap)}."
    )
    allocations = Sheet(
        name="Allocations",
        title=f"Plan {summary.version} — allocations",
        columns=ALLOCATION_COLUMNS,
        rows=tuple(rows),
        notes=(
            header,
            results,
            f"Shown: the {len(rows)} allocations you may see; nation, offer item and value only for "
            f"{_offer_scope(actor)}. Value: units × the offer's value per unit.",
            _weeks_note(start),
        ),
        total=total,
    )
    unmet_rows = tuple(
        (
            u.requirement_id,
            reqs[u.requirement_id].item_id,
            capability.get(reqs[u.requirement_id].item_id),
            reqs[u.requirement_id].priority,
            reqs[u.requirement_id].due_week,
            _week_start(start, reqs[u.requirement_id].due_week),
            u.quantity_unmet,
            u.quantity_late,
            u.reason,
            u.explanation,
        )
        for u in sorted(
            detail.unmet, key=lambda u: (reqs[u.requirement_id].priority, reqs[u.requirement_id].due_week)
        )
    )
    unmet = Sheet(
        name="Unmet",
        title=f"Plan {summary.version} — requirements not filled on time, and why",
        columns=UNMET_COLUMNS,
        rows=unmet_rows,
        notes=(
            "Reasons: no_supply, supply_short, too_late, hub_capacity, outranked (see the explanation).",
            _reference_note(session, actor),
        ),
    )
    return [allocations, unmet]


# --- the pipeline ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OfferPipeline:
    """One offer's units at each stage of the pipeline (STAGES) and its value per unit (EUR)."""

    offer_id: str
    nation_id: str
    item_id: str
    capability: str
    status: str
    quantity: int
    value_eur: float
    units: dict[str, int]

    @property
    def per_unit_eur(self) -> float:
        """The offer's value spread evenly over its units (as the burden report values stages)."""
        return self.value_eur / self.quantity if self.quantity else 0.0

    def eur(self, stage: str) -> float:
        """The EUR value of the units at `stage`."""
        return self.units[stage] * self.per_unit_eur


def _delivered_units(session: Session, actor: Actor) -> dict[str, int]:
    """Units of the shipments the actor may see that reached the hand-over point (delivered or signed)."""
    units: dict[str, int] = {}
    seen = _every(lambda offset: shipments.list_shipments(session, actor=actor, limit=PAGE, offset=offset))
    for s in seen:
        if s.status in ("delivered", "received"):
            units[s.offer_id] = units.get(s.offer_id, 0) + s.quantity
    return units


def pipeline_by_offer(session: Session, *, actor: Actor) -> list[OfferPipeline]:
    """The pipeline of every offer the actor may see, by offer id."""
    shipped_received = shipments.units_by_offer(session, actor=actor)
    delivered = _delivered_units(session, actor)
    out = []
    for o in visible_offers(session, actor=actor):
        shipped, received = shipped_received.get(o.offer_id, (0, 0))
        units = {
            "announced": o.quantity if o.status == "announced" else 0,
            "committed": o.quantity if o.status == "committed" else 0,
            "allocated": o.allocated,
            "shipped": shipped,
            "delivered": delivered.get(o.offer_id, 0),
            "received": received,
        }
        out.append(
            OfferPipeline(
                o.offer_id, o.nation_id, o.item_id, o.capability, o.status, o.quantity, o.value_eur, units
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class NationPipeline:
    """A nation's EUR at each of NATION_STAGES and its share of all nations' committed value."""

    nation_id: str
    name: str
    eur: dict[str, float]
    committed_share: float | None


@dataclass(frozen=True, slots=True)
class NationPipelines:
    """Every offering nation's pipeline (largest committed first), the total, and the figures' sources."""

    rows: tuple[NationPipeline, ...]
    total: NationPipeline
    sources: tuple[str, ...]


def pipeline_by_nation(session: Session, *, actor: Actor) -> NationPipelines:
    """Every offering nation's EUR per stage, and the total: the burden report's figures (public).

    Committed, allocated, shipped and received are the burden report's (its `delivered` is units
    received); announced sums the values of offers not yet committed, as the Overview's pipeline does.
    """
    report = burden.burden_report(session, actor=actor, source="plan")
    announced: dict[str, float] = {}
    for value in offers.values_by_offer(session, actor=actor):
        if value.status == "announced":
            announced[value.nation_id] = announced.get(value.nation_id, 0.0) + value.value_eur

    def row(r: Any, announced_eur: float) -> NationPipeline:
        eur = {
            "announced": announced_eur,
            "committed": r.committed.value_eur or 0.0,
            "allocated": r.allocated.value_eur or 0.0,
            "shipped": r.shipped.value_eur or 0.0,
            "received": r.delivered.value_eur or 0.0,
        }
        share = None if r.committed.share_pct is None else r.committed.share_pct / 100.0
        return NationPipeline(r.nation_id, r.name, eur, share)

    return NationPipelines(
        rows=tuple(row(r, announced.get(r.nation_id, 0.0)) for r in report.sharing.rows),
        total=row(report.sharing.totals, sum(announced.values())),
        sources=report.sources,
    )


def pipeline_sheets(session: Session, *, actor: Actor) -> list[Sheet]:
    """The pipeline per nation (EUR, every nation: public totals) and per offer the actor may see."""
    by_nation = pipeline_by_nation(session, actor=actor)
    nation_columns = (
        Column("Nation"),
        Column("Name"),
        *(Column(f"{stage.capitalize()} (EUR)", "eur") for stage in NATION_STAGES),
        Column("Share of committed", "pct"),
    )
    nation_rows = tuple(
        (n.nation_id, n.name, *(n.eur[s] for s in NATION_STAGES), n.committed_share) for n in by_nation.rows
    )
    totals = by_nation.total
    per_nation = Sheet(
        name="By nation",
        title="Pipeline per nation — from announced to received (EUR)",
        columns=nation_columns,
        rows=nation_rows,
        notes=(
            "Announced: offers not yet committed. Committed: committed offers. Allocated: the approved "
            "plan's live allocations. Shipped: dispatched or later (lost included). Received: units the "
            "recipient signed for. Each at the offer's value per unit.",
            "Totals per nation are every participant's (as the burden-sharing report); units and "
            "consignments at the hand-over point are in 'By offer' for the offers you may see.",
            *(f"Source: {s}" for s in by_nation.sources[:1]),
        ),
        total=("TOTAL", "Total", *(totals.eur[s] for s in NATION_STAGES), totals.committed_share),
    )
    offers_seen = pipeline_by_offer(session, actor=actor)
    offer_columns = (
        Column("Offer"),
        Column("Nation"),
        Column("Item"),
        Column("Capability"),
        Column("Status"),
        Column("Units offered", "int"),
        Column("Value (EUR)", "eur"),
        *(
            column
            for stage in STAGES
            for column in (
                Column(f"{stage.capitalize()} (units)", "int"),
                Column(f"{stage.capitalize()} (EUR)", "eur"),
            )
        ),
    )
    offer_rows = tuple(
        (
            p.offer_id,
            p.nation_id,
            p.item_id,
            p.capability,
            p.status,
            p.quantity,
            p.value_eur,
            *(cell for stage in STAGES for cell in (p.units[stage], p.eur(stage))),
        )
        for p in offers_seen
    )
    offer_total: tuple[Value, ...] = (
        "Total",
        None,
        None,
        None,
        None,
        sum(p.quantity for p in offers_seen),
        sum(p.value_eur for p in offers_seen),
        *(
            cell
            for stage in STAGES
            for cell in (sum(p.units[stage] for p in offers_seen), sum(p.eur(stage) for p in offers_seen))
        ),
    )
    per_offer = Sheet(
        name="By offer",
        title="Pipeline per offer — units and EUR at each stage",
        columns=offer_columns,
        rows=offer_rows,
        notes=(
            f"Shown: {_offer_scope(actor)}.",
            "Delivered: consignments at the hand-over point or signed for; received: units signed for. "
            "EUR: units × the offer's value per unit (its value over its units).",
        ),
        total=offer_total,
    )
    return [per_nation, per_offer]


EXPORTS: dict[str, Callable[..., list[Sheet]]] = {
    "requirements": requirements_sheets,
    "offers": offers_sheets,
    "plan": plan_sheets,
    "pipeline": pipeline_sheets,
}
"""Each export's sheets function (session, actor and its own filters as keywords)."""
