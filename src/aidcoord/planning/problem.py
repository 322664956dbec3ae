"""The planning problem: the canonical allocation model's data as plain arrays (DESIGN.md).

A :class:`PlanningProblem` holds everything the optimiser, the greedy baseline and the explanations
need, and nothing else: offers (pledges) of items at origin depots from a week, requirements of the
recipient with a weight and a due week at a delivery site, items with their unit mass and substitutes,
hubs with a weekly throughput (tonnes, per hub and week), lanes (lead time in weeks, cost in EUR per
tonne), the horizon ``T``, the lateness decay ``δ`` and the transport-cost weight ``λ``.

The model (DESIGN.md, "The canonical allocation model"): an allocation of ``q`` units of offer ``o`` to
requirement ``r`` through hub ``h``, departing in week ``t``, is feasible when

1. ``item(o) = item(r)`` or ``item(o)`` is a substitute listed for ``item(r)``;
2. lanes ``origin(o) → h`` and ``h → delivery(r)`` exist, ``t ≥ available_week(o)``, the hub week is
   ``s = t + L(origin, h)``, the arrival ``a = s + L(h, delivery)``, ``0 ≤ t`` and ``a ≤ T − 1``;
3. ``Σ q`` over an offer ≤ its quantity, over a requirement ≤ its quantity, ``q`` a positive integer;
4. for every hub and week ``s``: ``Σ q · m(item(o)) / 1000`` over allocations with hub week ``s``
   ≤ the hub's throughput that week.

The plan maximises ``Σ q · [w(r) · v(a, due(r)) − λ · m(item(o)) / 1000 · (c(origin, h) + c(h, delivery))]``
with ``v(a, d) = 1`` if ``a ≤ d`` else ``max(0, 1 − δ · (a − d))``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from aidcoord.scenario.model import Scenario

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

CAPACITY_TOLERANCE_T = 1e-6
"""Tonnes by which a hub week's load may exceed its throughput through floating-point rounding alone."""


@dataclass(frozen=True, slots=True)
class Allocation:
    """``quantity`` units of an offer to a requirement via a hub: depart, hub and arrival weeks."""

    offer_id: str
    requirement_id: str
    hub_site_id: str
    depart_week: int
    hub_week: int
    arrive_week: int
    quantity: int


@dataclass(frozen=True, eq=False)
class PlanningProblem:
    """The canonical allocation model's data, indexed by position (ids kept alongside).

    Attributes
    ----------
    horizon_weeks
        ``T``: arrivals must be in weeks ``0 … T − 1``.
    lateness_decay
        ``δ`` in ``v(a, d) = max(0, 1 − δ · (a − d))`` for ``a > d``.
    cost_weight
        ``λ``, the weight of transport cost (EUR) against weighted units.
    item_ids, item_mass_kg, item_substitutes
        Items, their unit mass and, per item ``i``, the indices of the items that may fill a
        requirement for ``i`` unit for unit (``i`` itself excluded).
    site_ids
        All sites; lanes and origins/deliveries refer to positions in it.
    hub_site, hub_capacity_t
        Per hub, its site index, and a (hubs × T) array of throughput in tonnes per week; a what-if
        may shrink a hub from a given week by editing a copy.
    lane_lead, lane_cost
        (sites × sites) lead time in weeks (−1 where there is no lane) and cost in EUR per tonne.
    offer_*
        Planned offers (``committed``, plus ``announced`` where asked): id, item index, quantity,
        available week, origin site index, nation id.
    req_*
        Requirements: id, item index, quantity, weight, due week, delivery site index, priority.
    pinned
        Allocations to keep as they are.
    """

    horizon_weeks: int
    lateness_decay: float
    cost_weight: float
    item_ids: tuple[str, ...]
    item_mass_kg: FloatArray
    item_substitutes: tuple[tuple[int, ...], ...]
    site_ids: tuple[str, ...]
    hub_site: IntArray
    hub_capacity_t: FloatArray
    lane_lead: IntArray
    lane_cost: FloatArray
    offer_ids: tuple[str, ...]
    offer_item: IntArray
    offer_qty: IntArray
    offer_available: IntArray
    offer_origin: IntArray
    offer_nation: tuple[str, ...]
    req_ids: tuple[str, ...]
    req_item: IntArray
    req_qty: IntArray
    req_weight: FloatArray
    req_due: IntArray
    req_site: IntArray
    req_priority: IntArray
    pinned: tuple[Allocation, ...] = ()
    _index: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)

    @property
    def n_hubs(self) -> int:
        """Number of hubs."""
        return int(self.hub_site.shape[0])

    @property
    def hub_ids(self) -> tuple[str, ...]:
        """Site ids of the hubs, in hub order."""
        return tuple(self.site_ids[int(s)] for s in self.hub_site)

    def index(self, table: str) -> dict[str, int]:
        """Map id → position for ``table`` ∈ {offer, requirement, hub, item, site} (cached)."""
        found = self._index.get(table)
        if found is None:
            ids: Sequence[str] = {
                "offer": self.offer_ids,
                "requirement": self.req_ids,
                "hub": self.hub_ids,
                "item": self.item_ids,
                "site": self.site_ids,
            }[table]
            found = {v: k for k, v in enumerate(ids)}
            self._index[table] = found
        return found

    def compatible_items(self, item: int) -> tuple[int, ...]:
        """Items that may fill a requirement for ``item``: itself first, then its substitutes."""
        return (item, *self.item_substitutes[item])

    def last_useful_arrival(self, due: int) -> int:
        """Latest arrival week ``a ≤ T − 1`` with ``v(a, due) > 0``: ``due + ⌈1/δ⌉ − 1`` (δ > 0)."""
        if self.lateness_decay <= 0:
            return self.horizon_weeks - 1
        k = math.ceil(1.0 / self.lateness_decay - 1e-12) - 1
        a = due + max(k, 0)
        while a > due and 1.0 - self.lateness_decay * (a - due) <= 0:
            a -= 1
        return min(a, self.horizon_weeks - 1)


def lateness_value(arrive: npt.ArrayLike, due: npt.ArrayLike, delta: float) -> FloatArray:
    """``v(a, d) = 1`` if ``a ≤ d`` else ``max(0, 1 − δ · (a − d))``, elementwise."""
    late = np.maximum(np.asarray(arrive, dtype=np.float64) - np.asarray(due, dtype=np.float64), 0.0)
    return np.asarray(np.maximum(0.0, 1.0 - delta * late), dtype=np.float64)


def problem_from_scenario(
    scenario: Scenario,
    *,
    include_announced: bool = False,
    excluded_offer_ids: Iterable[str] = (),
    excluded_hub_ids: Iterable[str] = (),
    pinned: Iterable[Allocation] = (),
) -> PlanningProblem:
    """Build the :class:`PlanningProblem` of a scenario.

    Parameters
    ----------
    scenario
        A validated Scenario Data Package.
    include_announced
        Plan ``announced`` offers as well as ``committed`` ones (a what-if); ``withdrawn`` never are.
    excluded_offer_ids
        Offers left out (e.g. a donor that stops).
    excluded_hub_ids
        Hubs closed for the whole horizon (no allocation may pass through them).
    pinned
        Allocations to keep as they are (checked when planning).

    Returns
    -------
    PlanningProblem
        Offers sorted by id, requirements sorted by id, hubs sorted by site id.
    """
    settings = scenario.settings
    horizon = int(settings.horizon_weeks)
    items = list(scenario.items)
    item_index = {it.item_id: k for k, it in enumerate(items)}
    subs: list[list[int]] = [[] for _ in items]
    for sub in scenario.substitutes:
        if sub.item_id in item_index and sub.substitute_item_id in item_index:
            subs[item_index[sub.item_id]].append(item_index[sub.substitute_item_id])
    item_substitutes = tuple(tuple(sorted(set(s))) for s in subs)

    sites = list(scenario.sites)
    site_index = {s.site_id: k for k, s in enumerate(sites)}
    excluded_hubs = set(excluded_hub_ids)
    hubs = sorted(
        (s for s in sites if s.kind == "hub" and s.site_id not in excluded_hubs), key=lambda s: s.site_id
    )
    hub_site = np.array([site_index[h.site_id] for h in hubs], dtype=np.int64)
    hub_capacity = np.array(
        [[float(h.throughput_t_per_week or 0.0)] * horizon for h in hubs], dtype=np.float64
    ).reshape(len(hubs), horizon)

    n_sites = len(sites)
    lead = np.full((n_sites, n_sites), -1, dtype=np.int64)
    cost = np.zeros((n_sites, n_sites), dtype=np.float64)
    for lane in scenario.lanes:
        i, j = site_index[lane.from_site_id], site_index[lane.to_site_id]
        lead[i, j] = int(lane.lead_time_weeks)
        cost[i, j] = float(lane.cost_eur_per_t)

    statuses = {"committed", "announced"} if include_announced else {"committed"}
    excluded_offers = set(excluded_offer_ids)
    offers = sorted(
        (o for o in scenario.offers if o.status in statuses and o.offer_id not in excluded_offers),
        key=lambda o: o.offer_id,
    )
    reqs = sorted(scenario.requirements, key=lambda r: r.requirement_id)

    def ints(values: Iterable[int]) -> IntArray:
        return np.fromiter(values, dtype=np.int64)

    return PlanningProblem(
        horizon_weeks=horizon,
        lateness_decay=float(settings.lateness_decay_per_week),
        cost_weight=float(settings.transport_cost_weight),
        item_ids=tuple(it.item_id for it in items),
        item_mass_kg=np.array([float(it.unit_mass_kg) for it in items], dtype=np.float64),
        item_substitutes=item_substitutes,
        site_ids=tuple(s.site_id for s in sites),
        hub_site=hub_site,
        hub_capacity_t=hub_capacity,
        lane_lead=lead,
        lane_cost=cost,
        offer_ids=tuple(o.offer_id for o in offers),
        offer_item=ints(item_index[o.item_id] for o in offers),
        offer_qty=ints(int(o.quantity) for o in offers),
        offer_available=ints(int(o.available_week) for o in offers),
        offer_origin=ints(site_index[o.origin_site_id] for o in offers),
        offer_nation=tuple(o.nation_id for o in offers),
        req_ids=tuple(r.requirement_id for r in reqs),
        req_item=ints(item_index[r.item_id] for r in reqs),
        req_qty=ints(int(r.quantity) for r in reqs),
        req_weight=np.array([float(r.weight) for r in reqs], dtype=np.float64),
        req_due=ints(int(r.due_week) for r in reqs),
        req_site=ints(site_index[r.delivery_site_id] for r in reqs),
        req_priority=ints(int(r.priority) for r in reqs),
        pinned=tuple(pinned),
    )
