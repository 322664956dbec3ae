"""Small Scenario objects built straight from the dataclasses (no files, no generator)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from aidcoord.scenario.model import (
    Item,
    Lane,
    Nation,
    Offer,
    PlanningSettings,
    Requirement,
    Scenario,
    Site,
    Substitute,
)


def item(item_id: str, mass_kg: float = 1000.0) -> Item:
    return Item(item_id, item_id, "equipment", "artillery", "unit", mass_kg, 1.0)


def site(site_id: str, kind: str, throughput: float | None = None) -> Site:
    return Site(site_id, site_id, kind, "AAA", 50.0, 20.0, throughput if kind == "hub" else None)


def lane(a: str, b: str, lead: int, cost: float = 0.0) -> Lane:
    return Lane(a, b, "road", lead, cost)


def offer(
    offer_id: str, item_id: str, qty: int, week: int = 0, origin: str = "D1", status: str = "committed"
) -> Offer:
    return Offer(offer_id, "AAA", item_id, qty, week, origin, status)


def req(
    req_id: str, item_id: str, qty: int, due: int, weight: float = 1.0, site_id: str = "P1", priority: int = 1
) -> Requirement:
    return Requirement(req_id, item_id, qty, priority, weight, due, site_id)


def scenario(
    *,
    items: Sequence[Item],
    sites: Sequence[Site],
    lanes: Sequence[Lane],
    offers: Sequence[Offer],
    requirements: Sequence[Requirement],
    substitutes: Sequence[tuple[str, str]] = (),
    horizon: int = 12,
    delta: float = 0.1,
    cost_weight: float = 0.0,
) -> Scenario:
    return Scenario(
        name="test",
        settings=PlanningSettings(dt.date(2025, 1, 6), horizon, delta, cost_weight),
        nations=(Nation("AAA", "A", 100.0, 2.0, True),),
        sites=tuple(sites),
        lanes=tuple(lanes),
        items=tuple(items),
        substitutes=tuple(Substitute(a, b) for a, b in substitutes),
        requirements=tuple(requirements),
        offers=tuple(offers),
    )


def simple(
    *,
    offers: Sequence[Offer],
    requirements: Sequence[Requirement],
    items: Sequence[Item] = (),
    substitutes: Sequence[tuple[str, str]] = (),
    throughput: float = 1e6,
    lead1: int = 1,
    lead2: int = 1,
    horizon: int = 12,
    delta: float = 0.1,
    cost_weight: float = 0.0,
) -> Scenario:
    """One depot D1 → one hub H1 → one delivery point P1."""
    return scenario(
        items=items or (item("A"),),
        sites=(site("D1", "depot"), site("H1", "hub", throughput), site("P1", "delivery")),
        lanes=(lane("D1", "H1", lead1, 10.0), lane("H1", "P1", lead2, 20.0)),
        offers=offers,
        requirements=requirements,
        substitutes=substitutes,
        horizon=horizon,
        delta=delta,
        cost_weight=cost_weight,
    )


def random_scenario(
    seed: int,
    *,
    n_items: int = 6,
    n_depots: int = 3,
    n_hubs: int = 2,
    n_delivery: int = 2,
    n_offers: int = 12,
    n_requirements: int = 10,
    horizon: int = 12,
    tight: float = 1.0,
) -> Scenario:
    """A random but valid scenario; ``tight`` scales hub throughput (smaller binds more)."""
    rng = random.Random(seed)
    items = [item(f"I{k}", rng.choice([5.0, 50.0, 500.0, 2000.0, 40000.0])) for k in range(n_items)]
    subs = sorted(
        {
            (f"I{a}", f"I{b}")
            for a, b in ((rng.randrange(n_items), rng.randrange(n_items)) for _ in range(n_items // 2))
            if a != b
        }
    )
    depots = [site(f"D{k}", "depot") for k in range(n_depots)]
    hubs = [site(f"H{k}", "hub", round(rng.uniform(5, 80) * tight, 3)) for k in range(n_hubs)]
    deliveries = [site(f"P{k}", "delivery") for k in range(n_delivery)]
    lanes = []
    for d in depots:
        for h in hubs:
            if rng.random() < 0.85:
                lanes.append(lane(d.site_id, h.site_id, rng.randint(0, 3), rng.choice([0.0, 50.0, 120.0])))
    for h in hubs:
        for p in deliveries:
            if rng.random() < 0.85:
                lanes.append(lane(h.site_id, p.site_id, rng.randint(0, 2), rng.choice([0.0, 30.0, 80.0])))
    statuses = ["committed"] * 6 + ["announced", "withdrawn"]
    offers = [
        offer(
            f"O{k:03d}",
            rng.choice(items).item_id,
            rng.randint(1, 40),
            rng.randint(0, horizon - 2),
            rng.choice(depots).site_id,
            rng.choice(statuses),
        )
        for k in range(n_offers)
    ]
    reqs = [
        req(
            f"R{k:03d}",
            rng.choice(items).item_id,
            rng.randint(1, 40),
            rng.randint(0, horizon - 1),
            rng.choice([1.0, 2.0, 3.5, 5.0]),
            rng.choice(deliveries).site_id,
        )
        for k in range(n_requirements)
    ]
    return scenario(
        items=items,
        sites=[*depots, *hubs, *deliveries],
        lanes=lanes,
        offers=offers,
        requirements=reqs,
        substitutes=subs,
        horizon=horizon,
        delta=rng.choice([0.1, 0.25, 0.5]),
        cost_weight=rng.choice([0.0, 0.0, 0.001]),
    )
