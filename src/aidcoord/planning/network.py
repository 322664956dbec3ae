"""Lots, pairs and routes: the exact aggregation the optimiser, the greedy and the explanations share.

*Lots.* Offers of one item at one origin depot available from the same week are interchangeable,
so they are merged into one lot ``ℓ`` with quantity ``Q_ℓ = Σ q_o`` (exact: any plan for the lot splits
back onto its offers in any order).

*Pairs.* A pair ``(ℓ, r)`` is a lot and a requirement whose item it may fill (rule 1).

*Routes.* A route ``(ℓ, r, h)`` is a pair and a hub with lanes ``origin(ℓ) → h → delivery(r)``
(rule 2). Its departure weeks are ``t ∈ [t_min, t_max]`` with ``t_min = max(0, available(ℓ))`` and
``t_max = a_max(r) − L₁ − L₂`` where ``a_max(r) = min(T − 1, last week with v(a, due(r)) > 0)``:
arrivals after that have no value, so (with cost ≥ 0) an optimal plan never uses them. The value of one
unit on route ``ρ`` departing in week ``t`` is

``c_ρ(t) = w(r) · v(t + L₁ + L₂, due(r)) − λ · m(item(ℓ)) / 1000 · (c(origin, h) + c(h, delivery))``

and it loads hub ``h`` in week ``t + L₁`` with ``m(item(ℓ)) / 1000`` tonnes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aidcoord.planning.problem import BoolArray, FloatArray, IntArray, PlanningProblem, lateness_value


@dataclass(frozen=True, eq=False)
class Network:
    """Lots, pairs and routes of a problem, with the residual quantities and capacities to plan."""

    lot_item: IntArray
    lot_origin: IntArray
    lot_avail: IntArray
    lot_qty: IntArray
    lot_offers: tuple[tuple[int, ...], ...]
    req_qty: IntArray
    capacity_t: FloatArray
    pair_lot: IntArray
    pair_req: IntArray
    pair_sub: BoolArray
    rt_pair: IntArray
    rt_lot: IntArray
    rt_req: IntArray
    rt_hub: IntArray
    rt_l1: IntArray
    rt_l2: IntArray
    rt_tmin: IntArray
    rt_tmax: IntArray
    rt_cost: FloatArray
    rt_mass_t: FloatArray
    rt_weight: FloatArray
    rt_due: IntArray

    @property
    def n_lots(self) -> int:
        """Number of lots."""
        return int(self.lot_qty.shape[0])

    @property
    def n_routes(self) -> int:
        """Number of routes."""
        return int(self.rt_pair.shape[0])

    def value(self, routes: IntArray, depart: IntArray, delta: float) -> FloatArray:
        """``c_ρ(t)``: value of one unit on each route departing in the given week."""
        arrive = depart + self.rt_l1[routes] + self.rt_l2[routes]
        v = lateness_value(arrive, self.rt_due[routes], delta)
        return np.asarray(self.rt_weight[routes] * v - self.rt_cost[routes], dtype=np.float64)


def first_weeks_with_room(capacity_t: FloatArray, masses: FloatArray) -> IntArray:
    """``F[k, h, s]``: the first hub week ``s' ≥ s`` whose throughput left holds one unit of mass
    ``masses[k]`` (tonnes), that is ``capacity_t[h, s'] + 1e-9 ≥ masses[k]``; ``T`` where none does.

    A suffix minimum over the weeks with room, so that finding the first week with room of many
    candidates costs one look-up each instead of a scan of their windows.
    """
    horizon = int(capacity_t.shape[1])
    room = capacity_t[None, :, :] + 1e-9 >= np.asarray(masses, dtype=np.float64)[:, None, None]
    weeks = np.where(room, np.arange(horizon, dtype=np.int64), horizon)
    return np.asarray(np.minimum.accumulate(weeks[:, :, ::-1], axis=2)[:, :, ::-1], dtype=np.int64)


def last_useful_arrivals(problem: PlanningProblem) -> IntArray:
    """Per requirement, ``a_max(r)``: the latest arrival week ``≤ T − 1`` with ``v(a, due) > 0``."""
    return np.fromiter(
        (problem.last_useful_arrival(int(d)) for d in problem.req_due),
        dtype=np.int64,
        count=len(problem.req_ids),
    )


def build_network(
    problem: PlanningProblem, offer_qty: IntArray, req_qty: IntArray, capacity_t: FloatArray
) -> Network:
    """Aggregate offers into lots and enumerate every pair and route with some positive value.

    Parameters
    ----------
    problem
        The planning problem.
    offer_qty, req_qty, capacity_t
        Residual offer and requirement quantities and hub-week throughput (after pinned allocations).
    """
    n_items = len(problem.item_ids)
    # lots: (item, origin, available week)
    keys: dict[tuple[int, int, int], list[int]] = {}
    for o in np.flatnonzero(offer_qty > 0):
        key = (
            int(problem.offer_item[o]),
            int(problem.offer_origin[o]),
            max(0, int(problem.offer_available[o])),
        )
        keys.setdefault(key, []).append(int(o))
    ordered = sorted(keys)
    lot_item = np.array([k[0] for k in ordered], dtype=np.int64)
    lot_origin = np.array([k[1] for k in ordered], dtype=np.int64)
    lot_avail = np.array([k[2] for k in ordered], dtype=np.int64)
    lot_offers = tuple(tuple(sorted(keys[k], key=lambda o: problem.offer_ids[o])) for k in ordered)
    lot_qty = np.array([int(offer_qty[list(offs)].sum()) for offs in lot_offers], dtype=np.int64)

    # pairs: requirement r × compatible item j × lots of item j (lots are sorted by item)
    lot_start = np.searchsorted(lot_item, np.arange(n_items + 1))
    rj_req: list[int] = []
    rj_item: list[int] = []
    rj_sub: list[bool] = []
    for r in np.flatnonzero(req_qty > 0):
        for k, j in enumerate(problem.compatible_items(int(problem.req_item[r]))):
            rj_req.append(int(r))
            rj_item.append(j)
            rj_sub.append(k > 0)
    rj_r = np.array(rj_req, dtype=np.int64)
    rj_j = np.array(rj_item, dtype=np.int64)
    counts = (lot_start[rj_j + 1] - lot_start[rj_j]) if rj_j.size else np.zeros(0, dtype=np.int64)
    pair_req = np.repeat(rj_r, counts)
    pair_sub = np.repeat(np.array(rj_sub, dtype=np.bool_), counts)
    offsets = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    pair_lot = (np.repeat(lot_start[rj_j], counts) + offsets).astype(np.int64)

    # routes: pair × hub with both lanes and a non-empty window of departure weeks with value > 0
    n_hubs = problem.n_hubs
    hubs = problem.hub_site
    origin = lot_origin[pair_lot]
    dest = problem.req_site[pair_req]
    l1 = problem.lane_lead[origin[:, None], hubs[None, :]]
    l2 = problem.lane_lead[hubs[None, :], dest[:, None]]
    a_max = last_useful_arrivals(problem)[pair_req]
    tmin = np.broadcast_to(lot_avail[pair_lot][:, None], l1.shape)
    tmax = a_max[:, None] - l1 - l2
    mass_t = problem.item_mass_kg[lot_item[pair_lot]] / 1000.0
    cost = (
        problem.cost_weight
        * mass_t[:, None]
        * (
            problem.lane_cost[origin[:, None], hubs[None, :]]
            + problem.lane_cost[hubs[None, :], dest[:, None]]
        )
    )
    weight = problem.req_weight[pair_req]
    due = problem.req_due[pair_req]
    first_value = (
        weight[:, None] * lateness_value(tmin + l1 + l2, due[:, None], problem.lateness_decay) - cost
    )
    ok = (l1 >= 0) & (l2 >= 0) & (tmin <= tmax) & (first_value > 1e-12)
    rt_pair, rt_hub = np.nonzero(ok)
    rt_pair = rt_pair.astype(np.int64)
    rt_hub = rt_hub.astype(np.int64)
    del n_hubs
    return Network(
        lot_item=lot_item,
        lot_origin=lot_origin,
        lot_avail=lot_avail,
        lot_qty=lot_qty,
        lot_offers=lot_offers,
        req_qty=np.asarray(req_qty, dtype=np.int64),
        capacity_t=np.asarray(capacity_t, dtype=np.float64),
        pair_lot=pair_lot,
        pair_req=pair_req,
        pair_sub=pair_sub,
        rt_pair=rt_pair,
        rt_lot=pair_lot[rt_pair],
        rt_req=pair_req[rt_pair],
        rt_hub=rt_hub,
        rt_l1=l1[rt_pair, rt_hub].astype(np.int64),
        rt_l2=l2[rt_pair, rt_hub].astype(np.int64),
        rt_tmin=tmin[rt_pair, rt_hub].astype(np.int64),
        rt_tmax=tmax[rt_pair, rt_hub].astype(np.int64),
        rt_cost=cost[rt_pair, rt_hub].astype(np.float64),
        rt_mass_t=mass_t[rt_pair].astype(np.float64),
        rt_weight=weight[rt_pair].astype(np.float64),
        rt_due=due[rt_pair].astype(np.int64),
    )
