"""The greedy baseline: what a coordinator does by hand (DESIGN.md).

Requirements are taken by weight (high first), then due week, then id. For each, the coordinator
repeatedly picks, among the options that still have offer quantity left and room for at least one
unit in the hub week, the offer ``o``, hub ``h`` and departure week ``t`` with the earliest arrival
``a = t + L(origin, h) + L(h, delivery)`` — ties broken by the exact item before a substitute, then
the cheaper transport (``m/1000 · (c(origin, h) + c(h, delivery))`` EUR per unit), then the lower
offer id and hub id — and ships ``min(offer left, requirement left, ⌊hub-week room / m⌋)`` units,
until the requirement is filled or nothing useful remains. An option is *useful* when its arrival
still has value: ``w(r) · v(a, due(r)) > 0`` (so ``a ≤ T − 1`` and ``δ · (a − due) < 1``). Pinned
allocations of the problem are kept and taken out first.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from aidcoord.planning.explain import explain
from aidcoord.planning.network import first_weeks_with_room, last_useful_arrivals
from aidcoord.planning.pins import resolve_pins
from aidcoord.planning.problem import FloatArray, IntArray, PlanningProblem
from aidcoord.planning.result import AllocationArrays, PlanResult, evaluate


def greedy_allocate(
    problem: PlanningProblem,
    offer_left: IntArray,
    req_left: IntArray,
    capacity_left: FloatArray,
    progress: Callable[[str, float], None] | None = None,
) -> AllocationArrays:
    """The greedy's allocations given residual offer and requirement quantities and hub throughput.

    The arrays are copied, not changed. Per requirement, the candidates are its compatible offers ×
    hubs; a candidate's earliest departure with room is its first hub week ``s ≥ t_min + L₁`` whose
    residual throughput holds one unit (``t = s − L₁``, useful while ``t ≤ t_max``), found for all
    candidates at once from a suffix minimum over the weeks with room per (unit mass, hub).
    """
    offer_res = offer_left.copy()
    req_res = req_left.copy()
    cap = capacity_left.copy()
    n_hubs = problem.n_hubs
    hubs = problem.hub_site
    a_max = last_useful_arrivals(problem)
    by_item: dict[int, list[int]] = {}
    for o, item in enumerate(problem.offer_item.tolist()):
        by_item.setdefault(item, []).append(o)
    order = sorted(
        range(len(problem.req_ids)),
        key=lambda r: (-float(problem.req_weight[r]), int(problem.req_due[r]), problem.req_ids[r]),
    )
    out: list[tuple[int, int, int, int, int]] = []
    # the (offer, hub) candidates of a requirement's item, without what depends on the requirement
    # (its delivery site and due week); requirements of one item share them
    cache: dict[int, tuple[IntArray, ...] | None] = {}

    def candidates(item: int) -> tuple[IntArray, ...] | None:
        if item not in cache:
            compat = problem.compatible_items(item)
            offers = np.array([o for j in compat for o in by_item.get(j, [])], dtype=np.int64)
            if offers.size == 0 or n_hubs == 0:
                cache[item] = None
            else:
                sub = np.array([k > 0 for k, j in enumerate(compat) for _ in by_item.get(j, [])])
                o_c = np.repeat(offers, n_hubs)
                h_c = np.tile(np.arange(n_hubs, dtype=np.int64), offers.size)
                origin = problem.offer_origin[o_c]
                l1 = problem.lane_lead[origin, hubs[h_c]]
                tmin = np.maximum(problem.offer_available[o_c], 0)
                ok = l1 >= 0
                cache[item] = (
                    o_c[ok],
                    np.repeat(sub.astype(np.int64), n_hubs)[ok],
                    h_c[ok],
                    l1[ok],
                    tmin[ok],
                    origin[ok],
                )
        return cache[item]

    for done, r in enumerate(order):
        if progress is not None and done % 256 == 0:
            progress("greedy", done / max(len(order), 1))
        left = int(req_res[r])
        if left <= 0:
            continue
        site = int(problem.req_site[r])
        found = candidates(int(problem.req_item[r]))
        if found is None:
            continue
        o_c, sub_c, h_c, l1, tmin, origin = found
        l2 = problem.lane_lead[hubs, site][h_c]
        tmax = int(a_max[r]) - l1 - l2
        ok = (l2 >= 0) & (tmin <= tmax) & (offer_res[o_c] > 0)
        o_c, sub_c, h_c, l1, l2, tmin, tmax, origin = (
            x[ok] for x in (o_c, sub_c, h_c, l1, l2, tmin, tmax, origin)
        )
        mass = problem.item_mass_kg[problem.offer_item[o_c]] / 1000.0
        unit_cost = mass * (problem.lane_cost[origin, hubs[h_c]] + problem.lane_cost[hubs[h_c], site])
        # hub weeks: the earliest departure ships through s_lo, the latest useful one through s_hi
        s_lo = tmin + l1
        s_hi = tmax + l1
        masses, mass_ix = np.unique(mass, return_inverse=True)
        while left > 0 and o_c.size:
            # each candidate's first hub week s ≥ s_lo with room for one unit: one look-up, not a scan
            s_first = first_weeks_with_room(cap, masses)[mass_ix, h_c, s_lo]
            has = (s_first <= s_hi) & (offer_res[o_c] > 0)
            if not has.any():
                break
            # earliest arrival first; the other keys only among the candidates that tie on it
            arrive = s_first + l2
            tied = np.flatnonzero(has & (arrive == arrive[has].min()))
            best = int(tied[np.lexsort((h_c[tied], o_c[tied], unit_cost[tied], sub_c[tied]))[0]])
            o, h, s = int(o_c[best]), int(h_c[best]), int(s_first[best])
            t = s - int(l1[best])
            m = float(mass[best])
            q = min(int(offer_res[o]), left, math.floor((cap[h, s] + 1e-9) / m))
            out.append((o, r, h, t, q))
            offer_res[o] -= q
            left -= q
            cap[h, s] = max(cap[h, s] - q * m, 0.0)
        req_res[r] = left
    if not out:
        return AllocationArrays.empty()
    arr = np.array(out, dtype=np.int64)
    return AllocationArrays(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], arr[:, 4]).merged()


def greedy_plan(problem: PlanningProblem, progress: Callable[[str, float], None] | None = None) -> PlanResult:
    """Plan with the greedy baseline (see the module docstring).

    Returns
    -------
    PlanResult
        Same format as :func:`aidcoord.planning.optimise.plan`; ``lp_bound`` and ``gap`` are ``None``.
    """
    started = time.perf_counter()
    pinned, offer_res, req_res, cap_res = resolve_pins(problem, problem.pinned)
    build_seconds = time.perf_counter() - started
    solve_started = time.perf_counter()
    alloc = pinned.concat(greedy_allocate(problem, offer_res, req_res, cap_res, progress))
    solve_seconds = time.perf_counter() - solve_started
    figures = evaluate(problem, alloc)
    unmet = explain(problem, alloc, prices=None)
    if progress is not None:
        progress("done", 1.0)
    return PlanResult(
        allocations=alloc.to_allocations(problem),
        unmet=unmet,
        objective=figures.objective,
        lp_bound=None,
        gap=None,
        weighted_fulfilment=figures.weighted_fulfilment,
        on_time_fill=figures.on_time_fill,
        build_seconds=build_seconds,
        solve_seconds=solve_seconds,
        solver="greedy",
        status="feasible",
    )
