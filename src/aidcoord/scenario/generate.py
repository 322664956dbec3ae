"""Seeded synthetic Scenario Data Packages (sizes S, M, L, XL) for tests and benchmarks.

Same size and seed, same `Scenario` (and so the same bytes from `write_package`). The shape is
deliberately awkward for a planner: supply is 70–90 % of demand overall (some items short, some in
surplus), one donor holds ~35–40 % of the pledged value, and hub throughput binds in busy weeks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from aidcoord.scenario.model import (
    Course,
    Item,
    Lane,
    Nation,
    Offer,
    PlanningSettings,
    Requirement,
    Scenario,
    Site,
    SpecialtySubstitute,
    Substitute,
    TrainingNeed,
)


@dataclass(frozen=True, slots=True)
class Size:
    """How big a generated scenario is."""

    nations: int
    items: int
    requirements: int
    offers: int
    hubs: int
    weeks: int
    courses: int
    training_needs: int


SIZES: Mapping[str, Size] = {
    "S": Size(
        nations=10, items=20, requirements=60, offers=150, hubs=2, weeks=26, courses=6, training_needs=4
    ),
    "M": Size(
        nations=30, items=80, requirements=400, offers=1_500, hubs=3, weeks=52, courses=15, training_needs=8
    ),
    "L": Size(
        nations=50,
        items=300,
        requirements=2_000,
        offers=8_000,
        hubs=4,
        weeks=52,
        courses=30,
        training_needs=15,
    ),
    "XL": Size(
        nations=50,
        items=1_000,
        requirements=10_000,
        offers=40_000,
        hubs=6,
        weeks=104,
        courses=60,
        training_needs=30,
    ),
}

START_DATE = dt.date(2025, 1, 6)
RECIPIENT = "RCP"
PRIORITY_WEIGHT: Mapping[int, float] = {1: 8.0, 2: 4.0, 3: 2.0, 4: 1.0}
PRIORITY_SHARE = (0.2, 0.3, 0.3, 0.2)
STATUS_SHARE: Mapping[str, float] = {"committed": 0.8, "announced": 0.15, "withdrawn": 0.05}
DOMINANT_SHARE = (0.35, 0.40)


@dataclass(frozen=True, slots=True)
class _Kind:
    """An item template: capability, category, unit, mass (kg) and value (EUR) ranges."""

    capability: str
    category: str
    noun: str
    unit: str
    mass: tuple[float, float]
    value: tuple[float, float]


_KINDS: tuple[_Kind, ...] = (
    _Kind("air-defence", "equipment", "SAM launcher", "launcher", (8_000, 30_000), (2e6, 2e7)),
    _Kind("air-defence", "ammunition", "interceptor missile", "missile", (80, 900), (1.5e5, 1.5e6)),
    _Kind("air-defence", "equipment", "air-surveillance radar", "system", (3_000, 15_000), (1e6, 1e7)),
    _Kind("artillery", "ammunition", "artillery shell", "round", (15, 48), (800, 8_000)),
    _Kind("artillery", "equipment", "towed howitzer", "gun", (4_000, 16_000), (5e5, 4e6)),
    _Kind("artillery", "ammunition", "rocket pod", "pod", (300, 2_500), (5e4, 1e6)),
    _Kind("armour", "equipment", "armoured vehicle", "vehicle", (10_000, 60_000), (5e5, 6e6)),
    _Kind("armour", "spares", "track and spares kit", "kit", (200, 2_000), (5e3, 8e4)),
    _Kind("drones", "equipment", "FPV drone", "drone", (1, 6), (300, 2_000)),
    _Kind("drones", "equipment", "reconnaissance UAS", "system", (20, 400), (3e4, 6e5)),
    _Kind("demining", "equipment", "mine detector", "set", (3, 15), (2_000, 20_000)),
    _Kind("demining", "equipment", "mine-clearing vehicle", "vehicle", (8_000, 50_000), (4e5, 3e6)),
    _Kind("medical", "consumable", "first-aid kit", "kit", (0.5, 3), (40, 300)),
    _Kind("medical", "equipment", "field surgical set", "set", (100, 1_500), (2e4, 2e5)),
    _Kind("engineering", "equipment", "bridging module", "module", (2_000, 20_000), (1e5, 1.5e6)),
    _Kind("engineering", "equipment", "generator", "unit", (200, 3_000), (5e3, 8e4)),
    _Kind("logistics", "equipment", "cargo truck", "truck", (7_000, 18_000), (8e4, 3e5)),
    _Kind("logistics", "consumable", "fuel container", "container", (20, 1_000), (100, 5_000)),
    _Kind("winter", "clothing", "winter clothing set", "set", (2, 8), (80, 600)),
    _Kind("winter", "equipment", "heated tent", "tent", (80, 400), (2_000, 15_000)),
)

_SPECIALTIES = (
    "air-defence-operator",
    "artillery-crew",
    "armour-crew",
    "drone-pilot",
    "deminer",
    "combat-medic",
    "combat-engineer",
    "logistician",
)


def _round(value: float, digits: int) -> float:
    """A plain float rounded to `digits` places (never -0.0)."""
    return float(round(float(value), digits)) + 0.0


def _nations(rng: np.random.Generator, count: int) -> tuple[Nation, ...]:
    """The recipient (RCP) and count-1 donors with GDP, defence share and NATO membership."""
    out = [
        Nation(
            RECIPIENT, "Recipient", _round(rng.uniform(100, 300), 1), _round(rng.uniform(15, 30), 2), False
        )
    ]
    gdp = np.sort(rng.lognormal(mean=5.5, sigma=1.2, size=count - 1))[::-1]
    for i in range(1, count):
        known = rng.random() > 0.1
        out.append(
            Nation(
                nation_id=f"N{i:03d}",
                name=f"Donor nation {i}",
                gdp_usd_bn=_round(gdp[i - 1], 1),
                defence_pct_gdp=_round(rng.uniform(0.8, 4.0), 2) if known else None,
                nato_member=bool(rng.random() < 0.75),
            )
        )
    return tuple(out)


def _sites(
    rng: np.random.Generator, donors: Sequence[str], hubs: int, throughput: float
) -> tuple[list[Site], dict[str, list[str]]]:
    """Depots (1–3 per donor), hubs, 3–6 delivery points and one headquarters; depots by nation."""
    sites: list[Site] = []
    depots: dict[str, list[str]] = {}
    for nation in donors:
        for k in range(1, int(rng.integers(1, 4)) + 1):
            sid = f"DEP-{nation}-{k}"
            depots.setdefault(nation, []).append(sid)
            lat, lon = rng.uniform(36, 62), rng.uniform(-10, 30)
            sites.append(
                Site(sid, f"Depot {nation} {k}", "depot", nation, _round(lat, 3), _round(lon, 3), None)
            )
    for h in range(1, hubs + 1):
        lat, lon = rng.uniform(44, 54), rng.uniform(18, 26)
        host = donors[(h - 1) % len(donors)]
        sites.append(
            Site(f"HUB-{h:02d}", f"Hub {h}", "hub", host, _round(lat, 3), _round(lon, 3), throughput)
        )
    for d in range(1, int(rng.integers(3, 7)) + 1):
        lat, lon = rng.uniform(45, 52), rng.uniform(27, 40)
        sites.append(
            Site(
                f"DLV-{d:02d}",
                f"Delivery point {d}",
                "delivery",
                RECIPIENT,
                _round(lat, 3),
                _round(lon, 3),
                None,
            )
        )
    sites.append(Site("HQ-01", "Coordination headquarters", "hq", donors[0], 50.0, 8.0, None))
    return sites, depots


def _lanes(rng: np.random.Generator, sites: Sequence[Site]) -> tuple[Lane, ...]:
    """Every depot to every hub (0–4 weeks) and every hub to every delivery point (0–2 weeks)."""
    hubs = [s.site_id for s in sites if s.kind == "hub"]
    out: list[Lane] = []
    for s in sites:
        if s.kind == "depot":
            for h in hubs:
                weeks = int(rng.integers(0, 5))
                out.append(Lane(s.site_id, h, "road", weeks, _round(40 + 35 * weeks + rng.uniform(0, 60), 2)))
        elif s.kind == "delivery":
            for h in hubs:
                weeks = int(rng.integers(0, 3))
                out.append(Lane(h, s.site_id, "rail", weeks, _round(20 + 25 * weeks + rng.uniform(0, 40), 2)))
    return tuple(out)


def _items(rng: np.random.Generator, count: int) -> tuple[Item, ...]:
    """Items cycling through the templates (so every capability appears), with log-uniform mass and value."""
    out: list[Item] = []
    for i in range(count):
        kind = _KINDS[i % len(_KINDS)] if i < len(_KINDS) else _KINDS[int(rng.integers(len(_KINDS)))]
        mass = float(np.exp(rng.uniform(np.log(kind.mass[0]), np.log(kind.mass[1]))))
        value = float(np.exp(rng.uniform(np.log(kind.value[0]), np.log(kind.value[1]))))
        out.append(
            Item(
                item_id=f"ITM-{i + 1:04d}",
                name=f"{kind.noun} type {i + 1}",
                category=kind.category,
                capability=kind.capability,
                unit=kind.unit,
                unit_mass_kg=_round(mass, 2 if mass < 100 else 0),
                unit_value_eur=_round(value, 0),
            )
        )
    return tuple(out)


def _substitutes(rng: np.random.Generator, items: Sequence[Item]) -> tuple[Substitute, ...]:
    """About a fifth of the items get a substitute of the same capability (never themselves)."""
    by_capability: dict[str, list[str]] = {}
    for item in items:
        by_capability.setdefault(item.capability, []).append(item.item_id)
    chosen = rng.choice(len(items), size=max(1, len(items) // 5), replace=False)
    pairs: set[tuple[str, str]] = set()
    for index in sorted(int(i) for i in chosen):
        item = items[index]
        others = [o for o in by_capability[item.capability] if o != item.item_id]
        if others:
            pairs.add((item.item_id, others[int(rng.integers(len(others)))]))
    return tuple(Substitute(a, b) for a, b in sorted(pairs))


def _quantities(rng: np.random.Generator, items: Sequence[Item], item_index: np.ndarray) -> np.ndarray:
    """Requirement quantities: about EUR 0.2–20 M a line, at least 10 units."""
    values = np.array([items[int(i)].unit_value_eur for i in item_index])
    target = np.exp(rng.uniform(np.log(2e5), np.log(2e7), size=len(item_index)))
    quantities: np.ndarray = np.maximum(10, np.round(target / np.maximum(values, 1.0))).astype(np.int64)
    return quantities


def _requirements(
    rng: np.random.Generator, size: Size, items: Sequence[Item], delivery: Sequence[str]
) -> tuple[Requirement, ...]:
    """Requirements: every item at least once, priority 1–4 weighted 8/4/2/1 × jitter, due weeks spread."""
    n = size.requirements
    item_index = np.concatenate([rng.permutation(len(items)), rng.integers(0, len(items), size=n)])[:n]
    quantities = _quantities(rng, items, item_index)
    priorities = rng.choice(4, size=n, p=PRIORITY_SHARE) + 1
    jitter = rng.uniform(0.9, 1.1, size=n)
    due = rng.integers(0, size.weeks, size=n)
    sites = rng.integers(0, len(delivery), size=n)
    return tuple(
        Requirement(
            requirement_id=f"REQ-{k + 1:05d}",
            item_id=items[int(item_index[k])].item_id,
            quantity=int(quantities[k]),
            priority=int(priorities[k]),
            weight=_round(PRIORITY_WEIGHT[int(priorities[k])] * jitter[k], 3),
            due_week=int(due[k]),
            delivery_site_id=delivery[int(sites[k])],
        )
        for k in range(n)
    )


def _offer_counts(rng: np.random.Generator, supply: np.ndarray, total: int) -> np.ndarray:
    """Offers per item: proportional to supply, at least 1 and at most the supply where there is any."""
    cap = supply.copy()
    counts = (supply > 0).astype(np.int64)
    left = total - int(counts.sum())
    if left < 0 or int((cap - counts).sum()) < left:
        raise ValueError(f"cannot spread {total} offers over a supply of {int(supply.sum())} units")
    while left > 0:
        room = cap - counts
        weights = np.where(room > 0, supply, 0).astype(float)
        extra = rng.multinomial(left, weights / weights.sum())
        counts += np.minimum(extra, room)
        left = total - int(counts.sum())
    return counts


def _split(rng: np.random.Generator, amount: int, parts: int) -> list[int]:
    """`amount` split into `parts` positive integers at random."""
    if parts == 1:
        return [amount]
    return [int(x) + 1 for x in rng.multinomial(amount - parts, rng.dirichlet(np.ones(parts)))]


def _offers(
    rng: np.random.Generator,
    size: Size,
    items: Sequence[Item],
    requirements: Sequence[Requirement],
    nations: Sequence[Nation],
    depots: Mapping[str, list[str]],
) -> tuple[Offer, ...]:
    """Offers: 50–110 % of each item's demand (70–90 % overall), one dominant donor, mostly committed."""
    index = {item.item_id: i for i, item in enumerate(items)}
    demand = np.zeros(len(items), dtype=np.int64)
    for r in requirements:
        demand[index[r.item_id]] += r.quantity
    supply = np.maximum(1, np.round(demand * rng.uniform(0.5, 1.1, size=len(items)))).astype(np.int64)
    total_supply = supply.sum()
    if not 0.7 <= total_supply / demand.sum() <= 0.9:  # pull the overall ratio back into 70–90 %
        supply = np.maximum(1, np.round(supply * 0.8 * demand.sum() / total_supply)).astype(np.int64)
    counts = _offer_counts(rng, supply, size.offers)
    lines: list[tuple[int, int]] = []  # (item index, quantity)
    for i in range(len(items)):
        if counts[i]:
            lines.extend((i, q) for q in _split(rng, int(supply[i]), int(counts[i])))
    order = rng.permutation(len(lines))
    lines = [lines[int(k)] for k in order]
    values = np.array([q * items[i].unit_value_eur for i, q in lines])
    donors = [n.nation_id for n in nations if n.nation_id != RECIPIENT]
    dominant = donors[0]
    target = rng.uniform(*DOMINANT_SHARE) * values.sum()
    owner: list[str | None] = [None] * len(lines)
    held = 0.0
    for k in np.argsort(-values, kind="stable"):
        if held + values[k] <= target:
            owner[int(k)] = dominant
            held += values[k]
    others = donors[1:]
    gdp = np.array([n.gdp_usd_bn or 1.0 for n in nations if n.nation_id in others])
    picks = rng.choice(len(others), size=len(lines), p=gdp / gdp.sum())
    statuses = list(STATUS_SHARE)
    status = rng.choice(len(statuses), size=len(lines), p=list(STATUS_SHARE.values()))
    weeks = rng.integers(0, max(1, int(size.weeks * 0.8)), size=len(lines))
    out: list[Offer] = []
    for k, (i, quantity) in enumerate(lines):
        nation = owner[k] or others[int(picks[k])]
        sites = depots[nation]
        out.append(
            Offer(
                offer_id=f"OFF-{k + 1:06d}",
                nation_id=nation,
                item_id=items[i].item_id,
                quantity=quantity,
                available_week=int(weeks[k]),
                origin_site_id=sites[int(rng.integers(len(sites)))],
                status=statuses[int(status[k])],
            )
        )
    return tuple(out)


def _throughput(
    rng: np.random.Generator, size: Size, items: Sequence[Item], offers: Sequence[Offer]
) -> float:
    """Hub capacity: committed tonnes / (hubs × weeks) × 0.6–0.8, so hubs bind in busy weeks."""
    mass = {i.item_id: i.unit_mass_kg for i in items}
    tonnes = sum(o.quantity * mass[o.item_id] / 1000 for o in offers if o.status == "committed")
    return max(1.0, _round(tonnes / (size.hubs * size.weeks) * rng.uniform(0.6, 0.8), 0))


def _training(
    rng: np.random.Generator, size: Size, donors: Sequence[str], depots: Mapping[str, list[str]]
) -> tuple[tuple[Course, ...], tuple[TrainingNeed, ...]]:
    """A few courses at donors' depots and the recipient's training needs by specialty."""
    courses = []
    for k in range(size.courses):
        nation = donors[int(rng.integers(len(donors)))]
        courses.append(
            Course(
                course_id=f"CRS-{k + 1:03d}",
                nation_id=nation,
                specialty=_SPECIALTIES[int(rng.integers(len(_SPECIALTIES)))],
                seats=int(rng.integers(8, 41)),
                start_week=int(rng.integers(0, size.weeks)),
                duration_weeks=int(rng.integers(2, 9)),
                site_id=depots[nation][0],
            )
        )
    needs = []
    for k in range(size.training_needs):
        priority = int(rng.integers(1, 5))
        needs.append(
            TrainingNeed(
                need_id=f"TRN-{k + 1:03d}",
                specialty=_SPECIALTIES[k % len(_SPECIALTIES)],
                trainees=int(rng.integers(10, 121)),
                priority=priority,
                weight=_round(PRIORITY_WEIGHT[priority] * rng.uniform(0.9, 1.1), 3),
                due_week=int(rng.integers(0, size.weeks)),
            )
        )
    return tuple(courses), tuple(needs)


def _specialty_substitutes(seed: int) -> tuple[SpecialtySubstitute, ...]:
    """Two pairs of related specialties whose graduates may fill each other's needs (one way).

    Drawn from a generator of their own, so that adding them changed nothing else a seed gives.
    """
    rng = np.random.default_rng([seed, 7])
    order = rng.permutation(len(_SPECIALTIES))
    pairs = {(_SPECIALTIES[int(order[2 * k])], _SPECIALTIES[int(order[2 * k + 1])]) for k in range(2)}
    return tuple(SpecialtySubstitute(a, b) for a, b in sorted(pairs))


def generate(size: str, seed: int) -> Scenario:
    """A synthetic scenario of `size` (S, M, L, XL); the same size and seed always give the same one."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; expected one of {', '.join(SIZES)}")
    spec = SIZES[size]
    rng = np.random.default_rng(seed)
    nations = _nations(rng, spec.nations)
    donors = [n.nation_id for n in nations if n.nation_id != RECIPIENT]
    items = _items(rng, spec.items)
    sites, depots = _sites(rng, donors, spec.hubs, 1.0)
    delivery = [s.site_id for s in sites if s.kind == "delivery"]
    requirements = _requirements(rng, spec, items, delivery)
    offers = _offers(rng, spec, items, requirements, nations, depots)
    throughput = _throughput(rng, spec, items, offers)
    sites = [s if s.kind != "hub" else _with_throughput(s, throughput) for s in sites]
    courses, needs = _training(rng, spec, donors, depots)
    meta: dict[str, Any] = {
        "description": "Synthetic scenario for tests and benchmarks (aidcoord.scenario.generate).",
        "generator": {"size": size, "seed": seed},
    }
    return Scenario(
        name=f"synthetic-{size.lower()}-{seed}",
        settings=PlanningSettings(START_DATE, spec.weeks, 0.1, 0.0),
        nations=_by(nations, "nation_id"),
        sites=_by(sites, "site_id"),
        lanes=tuple(sorted(_lanes(rng, sites), key=lambda lane: (lane.from_site_id, lane.to_site_id))),
        items=items,
        substitutes=_substitutes(rng, items),
        requirements=requirements,
        offers=offers,
        courses=courses,
        training_needs=needs,
        specialty_substitutes=_specialty_substitutes(seed),
        title=f"Synthetic scenario, size {size}, seed {seed}",
        meta=meta,
    )


def _with_throughput(site: Site, throughput: float) -> Site:
    """A copy of a hub with its weekly throughput set."""
    return Site(site.site_id, site.name, site.kind, site.nation_id, site.lat, site.lon, throughput)


def _by(rows: Sequence[Any], key: str) -> tuple[Any, ...]:
    """Rows sorted by one id column (the order write_package writes them in)."""
    return tuple(sorted(rows, key=lambda r: str(getattr(r, key))))
