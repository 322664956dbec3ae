"""The result of planning, and the figures reported for any set of allocations (DESIGN.md).

For a plan with allocations ``(o, r, h, t, q)`` arriving in week ``a``:

* ``objective = Σ q · [w(r) · v(a, due(r)) − λ · m(item(o)) / 1000 · (c(origin(o), h) + c(h, delivery(r)))]``;
* ``weighted_fulfilment = Σ q · w(r) · v(a, due(r)) / Σ_r w(r) · quantity(r)`` (the objective without cost);
* ``on_time_fill = Σ q [a ≤ due(r)] / Σ_r quantity(r)``;
* ``gap = 1 − objective / lp_bound``, where the LP bound is the optimum of the same model with ``q``
  continuous (pinned allocations fixed).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from aidcoord.planning.problem import Allocation, FloatArray, IntArray, PlanningProblem, lateness_value

REASONS: tuple[str, ...] = ("no_supply", "supply_short", "too_late", "hub_capacity", "outranked")
"""Why a requirement is not filled on time (see :mod:`aidcoord.planning.explain`)."""


@dataclass(frozen=True, slots=True)
class Unmet:
    """A requirement not filled on time: units never delivered, units delivered late, and why."""

    requirement_id: str
    quantity_unmet: int
    quantity_late: int
    reason: str
    explanation: str


@dataclass(frozen=True, slots=True)
class WarmStart:
    """Columns of a solved LP by ids, to seed a re-plan.

    Each is (item, origin site, available week, requirement, hub, depart week).
    """

    columns: tuple[tuple[str, str, int, str, str, int], ...]


@dataclass(frozen=True)
class PlanResult:
    """A plan: integral allocations, unmet requirements with reasons, and the reported figures."""

    allocations: tuple[Allocation, ...]
    unmet: tuple[Unmet, ...]
    objective: float
    lp_bound: float | None
    gap: float | None
    weighted_fulfilment: float
    on_time_fill: float
    build_seconds: float
    solve_seconds: float
    solver: str
    status: str
    n_columns: int = 0
    n_rows: int = 0
    iterations: int = 0
    warm_start: WarmStart | None = field(default=None, repr=False, compare=False)

    @property
    def total_seconds(self) -> float:
        """Build plus solve seconds."""
        return self.build_seconds + self.solve_seconds


@dataclass(frozen=True, eq=False)
class AllocationArrays:
    """Allocations by position: offer, requirement, hub, departure week, quantity (hub/arrival derived)."""

    offer: IntArray
    req: IntArray
    hub: IntArray
    depart: IntArray
    qty: IntArray

    @staticmethod
    def empty() -> AllocationArrays:
        """No allocations."""
        z = np.zeros(0, dtype=np.int64)
        return AllocationArrays(z, z, z, z, z)

    def concat(self, other: AllocationArrays) -> AllocationArrays:
        """Both sets of rows, merged where offer, requirement, hub and week agree."""
        return AllocationArrays(
            np.concatenate([self.offer, other.offer]),
            np.concatenate([self.req, other.req]),
            np.concatenate([self.hub, other.hub]),
            np.concatenate([self.depart, other.depart]),
            np.concatenate([self.qty, other.qty]),
        ).merged()

    def merged(self) -> AllocationArrays:
        """Rows with equal (offer, requirement, hub, week) summed; zero rows dropped; sorted."""
        keep = self.qty > 0
        cols = [a[keep] for a in (self.offer, self.req, self.hub, self.depart)]
        qty = self.qty[keep]
        if qty.size == 0:
            return AllocationArrays.empty()
        keys = np.stack(cols, axis=1)
        uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
        total = np.bincount(inverse.ravel(), weights=qty, minlength=uniq.shape[0]).astype(np.int64)
        return AllocationArrays(
            uniq[:, 0].copy(), uniq[:, 1].copy(), uniq[:, 2].copy(), uniq[:, 3].copy(), total
        )

    def weeks(self, problem: PlanningProblem) -> tuple[IntArray, IntArray]:
        """Hub week ``t + L(origin, h)`` and arrival ``t + L(origin, h) + L(h, delivery)`` per row."""
        hub_site = problem.hub_site[self.hub]
        hub_week = self.depart + problem.lane_lead[problem.offer_origin[self.offer], hub_site]
        arrive = hub_week + problem.lane_lead[hub_site, problem.req_site[self.req]]
        return hub_week.astype(np.int64), arrive.astype(np.int64)

    def unit_values(self, problem: PlanningProblem) -> tuple[FloatArray, FloatArray]:
        """Per row, the weighted value ``w · v(a, due)`` of a unit and its transport cost ``λ·m/1000·c``."""
        _, arrive = self.weeks(problem)
        value = problem.req_weight[self.req] * lateness_value(
            arrive, problem.req_due[self.req], problem.lateness_decay
        )
        hub_site = problem.hub_site[self.hub]
        origin = problem.offer_origin[self.offer]
        dest = problem.req_site[self.req]
        mass_t = problem.item_mass_kg[problem.offer_item[self.offer]] / 1000.0
        cost = (
            problem.cost_weight
            * mass_t
            * (problem.lane_cost[origin, hub_site] + problem.lane_cost[hub_site, dest])
        )
        return np.asarray(value, dtype=np.float64), np.asarray(cost, dtype=np.float64)

    def hub_load(self, problem: PlanningProblem) -> FloatArray:
        """(hubs × T) tonnes through each hub in each week."""
        hub_week, _ = self.weeks(problem)
        load = np.zeros((problem.n_hubs, problem.horizon_weeks), dtype=np.float64)
        mass_t = problem.item_mass_kg[problem.offer_item[self.offer]] / 1000.0
        inside = (hub_week >= 0) & (hub_week < problem.horizon_weeks)
        np.add.at(load, (self.hub[inside], hub_week[inside]), self.qty[inside] * mass_t[inside])
        return load

    def to_allocations(self, problem: PlanningProblem) -> tuple[Allocation, ...]:
        """Rows as :class:`Allocation` values, sorted by offer, requirement, hub and week ids."""
        hub_week, arrive = self.weeks(problem)
        hub_ids = problem.hub_ids
        rows = [
            Allocation(
                offer_id=problem.offer_ids[int(o)],
                requirement_id=problem.req_ids[int(r)],
                hub_site_id=hub_ids[int(h)],
                depart_week=int(t),
                hub_week=int(s),
                arrive_week=int(a),
                quantity=int(q),
            )
            for o, r, h, t, s, a, q in zip(
                self.offer, self.req, self.hub, self.depart, hub_week, arrive, self.qty, strict=True
            )
        ]
        rows.sort(key=lambda x: (x.offer_id, x.requirement_id, x.hub_site_id, x.depart_week))
        return tuple(rows)


@dataclass(frozen=True, slots=True)
class Figures:
    """Objective, weighted fulfilment, on-time fill, and per-requirement delivered/on-time units."""

    objective: float
    weighted_fulfilment: float
    on_time_fill: float
    delivered: IntArray
    on_time: IntArray


def evaluate(problem: PlanningProblem, alloc: AllocationArrays) -> Figures:
    """Compute the reported figures of a set of allocations (see the module docstring)."""
    value, cost = alloc.unit_values(problem)
    _, arrive = alloc.weeks(problem)
    objective = float(np.sum(alloc.qty * (value - cost)))
    total_weight = float(np.sum(problem.req_weight * problem.req_qty))
    n_req = len(problem.req_ids)
    delivered = np.bincount(alloc.req, weights=alloc.qty, minlength=n_req).astype(np.int64)
    ontime_rows = arrive <= problem.req_due[alloc.req]
    on_time = np.bincount(alloc.req[ontime_rows], weights=alloc.qty[ontime_rows], minlength=n_req).astype(
        np.int64
    )
    total_units = int(problem.req_qty.sum())
    return Figures(
        objective=objective,
        weighted_fulfilment=float(np.sum(alloc.qty * value)) / total_weight if total_weight > 0 else 1.0,
        on_time_fill=float(on_time.sum()) / total_units if total_units > 0 else 1.0,
        delivered=delivered,
        on_time=on_time,
    )


def still_fitting(result: PlanResult, problem: PlanningProblem) -> PlanResult:
    """The plan without what left the problem since it was made.

    Allocations whose requirement is no longer planned (cancelled) or whose offer no longer supplies
    (withdrawn), and unmet entries of requirements no longer planned, are dropped; the stored figures
    are kept. Analyses that compare a stored plan with today's problem read the plan through this.
    """
    requirements, offers = set(problem.req_ids), set(problem.offer_ids)
    return dataclasses.replace(
        result,
        allocations=tuple(
            a for a in result.allocations if a.requirement_id in requirements and a.offer_id in offers
        ),
        unmet=tuple(u for u in result.unmet if u.requirement_id in requirements),
    )
