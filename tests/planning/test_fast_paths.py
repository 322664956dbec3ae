"""The paths that make XL fast, checked against plain code and against the naive LP.

* The greedy finds each candidate's earliest week with room by a suffix minimum per (mass, hub); the
  reference below scans every week of every candidate, as DESIGN.md words the rule.
* The top-up finds the first week with room of every candidate at once; the reference asks route by
  route with a heap.
* Pricing goes through the routes in chunks of similar width; any chunk size gives the same prices.
* A master solved by interior point (forced here on tiny cases) still reports a true bound, the exact
  LP optimum with ``lp_tolerance=0``, and a feasible plan.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidcoord.planning import PlanOptions, greedy_plan, optimise, plan, problem_from_scenario, write_plan
from aidcoord.planning.greedy import greedy_allocate
from aidcoord.planning.network import Network, build_network, last_useful_arrivals
from aidcoord.planning.optimise import _price, _top_up
from aidcoord.planning.pins import resolve_pins
from aidcoord.planning.problem import FloatArray, IntArray, PlanningProblem
from aidcoord.scenario.model import Scenario
from tests.planning.feasibility import check_plan
from tests.planning.reference import naive_optimum
from tests.planning.test_properties import close, scenarios


def window_scan_greedy(problem: PlanningProblem) -> list[tuple[int, int, int, int, int]]:
    """The greedy rule with every departure week of every (offer, hub) scanned, unmerged."""
    offer_res = problem.offer_qty.copy()
    cap = problem.hub_capacity_t.copy()
    horizon = problem.horizon_weeks
    a_max = last_useful_arrivals(problem)
    order = sorted(
        range(len(problem.req_ids)),
        key=lambda r: (-float(problem.req_weight[r]), int(problem.req_due[r]), problem.req_ids[r]),
    )
    out: list[tuple[int, int, int, int, int]] = []
    for r in order:
        left = int(problem.req_qty[r])
        site = int(problem.req_site[r])
        compat = problem.compatible_items(int(problem.req_item[r]))
        while left > 0:
            best: tuple[int, bool, float, int, int, int] | None = None
            for k, item in enumerate(compat):
                for o in np.flatnonzero(problem.offer_item == item).tolist():
                    if offer_res[o] <= 0:
                        continue
                    origin = int(problem.offer_origin[o])
                    mass = float(problem.item_mass_kg[item]) / 1000.0
                    for h in range(problem.n_hubs):
                        l1 = int(problem.lane_lead[origin, problem.hub_site[h]])
                        l2 = int(problem.lane_lead[problem.hub_site[h], site])
                        if l1 < 0 or l2 < 0:
                            continue
                        cost = mass * (
                            float(problem.lane_cost[origin, problem.hub_site[h]])
                            + float(problem.lane_cost[problem.hub_site[h], site])
                        )
                        for t in range(max(0, int(problem.offer_available[o])), int(a_max[r]) - l1 - l2 + 1):
                            if t + l1 < horizon and cap[h, t + l1] + 1e-9 >= mass:
                                key = (t + l1 + l2, k > 0, cost, o, h, t)
                                best = key if best is None or key < best else best
                                break
            if best is None:
                break
            _, _, _, o, h, t = best
            mass = float(problem.item_mass_kg[problem.offer_item[o]]) / 1000.0
            s = t + int(problem.lane_lead[int(problem.offer_origin[o]), problem.hub_site[h]])
            q = min(int(offer_res[o]), left, math.floor((cap[h, s] + 1e-9) / mass))
            out.append((o, r, h, t, q))
            offer_res[o] -= q
            left -= q
            cap[h, s] = max(cap[h, s] - q * mass, 0.0)
    return out


@settings(max_examples=60, deadline=None)
@given(scenario=scenarios)
def test_the_greedy_follows_its_rule_week_by_week(scenario: Scenario) -> None:
    problem = problem_from_scenario(scenario)
    got = greedy_allocate(problem, problem.offer_qty, problem.req_qty, problem.hub_capacity_t)
    expected = window_scan_greedy(problem)
    merged: dict[tuple[int, int, int, int], int] = {}
    for o, r, h, t, q in expected:
        merged[(o, r, h, t)] = merged.get((o, r, h, t), 0) + q
    assert {
        (int(o), int(r), int(h), int(t)): int(q)
        for o, r, h, t, q in zip(got.offer, got.req, got.hub, got.depart, got.qty, strict=True)
    } == merged


def heap_top_up(
    problem: PlanningProblem, net: Network, lot_res: IntArray, req_res: IntArray, cap_res: FloatArray
) -> list[tuple[int, int, int]]:
    """The top-up route by route: every candidate's next week with room, a heap by value."""

    def next_week(route: int, start: int) -> tuple[float, int] | None:
        h, l1, m = int(net.rt_hub[route]), int(net.rt_l1[route]), float(net.rt_mass_t[route])
        for t in range(start, int(net.rt_tmax[route]) + 1):
            if cap_res[h, t + l1] + 1e-9 >= m:
                value = float(net.value(np.array([route]), np.array([t]), problem.lateness_decay)[0])
                return (value, t) if value > 1e-12 else None
        return None

    heap: list[tuple[float, int, int]] = []
    for route in np.flatnonzero((lot_res[net.rt_lot] > 0) & (req_res[net.rt_req] > 0)).tolist():
        found = next_week(route, int(net.rt_tmin[route]))
        if found is not None:
            heap.append((-found[0], route, found[1]))
    heapq.heapify(heap)
    shipped: list[tuple[int, int, int]] = []
    while heap:
        _, route, t = heapq.heappop(heap)
        lot, req = int(net.rt_lot[route]), int(net.rt_req[route])
        if lot_res[lot] <= 0 or req_res[req] <= 0:
            continue
        h, s, m = int(net.rt_hub[route]), t + int(net.rt_l1[route]), float(net.rt_mass_t[route])
        fit = math.floor((cap_res[h, s] + 1e-9) / m)
        if fit > 0:
            q = int(min(lot_res[lot], req_res[req], fit))
            shipped.append((route, t, q))
            lot_res[lot] -= q
            req_res[req] -= q
            cap_res[h, s] = max(cap_res[h, s] - q * m, 0.0)
        if fit <= 0 or (lot_res[lot] > 0 and req_res[req] > 0):
            found = next_week(route, t + 1)
            if found is not None:
                heapq.heappush(heap, (-found[0], route, found[1]))
    return shipped


@settings(max_examples=60, deadline=None)
@given(scenario=scenarios, seed=st.integers(0, 2**31))
def test_the_top_up_takes_the_most_valuable_route_week_first(scenario: Scenario, seed: int) -> None:
    problem = problem_from_scenario(scenario)
    _, offer_res, req_res, cap_res = resolve_pins(problem, ())
    net = build_network(problem, offer_res, req_res, cap_res)
    rng = np.random.default_rng(seed)
    # residuals as a partial plan would leave them
    lots = (net.lot_qty * rng.random(net.n_lots)).astype(np.int64)
    reqs = (net.req_qty * rng.random(net.req_qty.size)).astype(np.int64)
    cap = net.capacity_t * rng.choice([0.0, 0.3, 1.0], size=net.capacity_t.shape)
    expected = heap_top_up(problem, net, lots.copy(), reqs.copy(), cap.copy())
    got_lots, got_reqs, got_cap = lots.copy(), reqs.copy(), cap.copy()
    assert _top_up(problem, net, got_lots, got_reqs, got_cap) == expected
    shipped = np.array(expected, dtype=np.int64).reshape(-1, 3)
    assert np.array_equal(got_lots, lots - np.bincount(net.rt_lot[shipped[:, 0]], shipped[:, 2], net.n_lots))
    assert np.array_equal(
        got_reqs, reqs - np.bincount(net.rt_req[shipped[:, 0]], shipped[:, 2], net.req_qty.size)
    )


@contextmanager
def patched(name: str, value: int) -> Iterator[None]:
    saved = getattr(optimise, name)
    setattr(optimise, name, value)
    try:
        yield
    finally:
        setattr(optimise, name, saved)


@settings(max_examples=30, deadline=None)
@given(scenario=scenarios, seed=st.integers(0, 2**31), chunk=st.integers(1, 50))
def test_pricing_does_not_depend_on_the_chunks(scenario: Scenario, seed: int, chunk: int) -> None:
    problem = problem_from_scenario(scenario)
    _, offer_res, req_res, cap_res = resolve_pins(problem, ())
    net = build_network(problem, offer_res, req_res, cap_res)
    rng = np.random.default_rng(seed)
    mu = rng.exponential(1.0, net.n_lots) * (rng.random(net.n_lots) < 0.5)
    nu = rng.exponential(1.0, net.req_qty.size) * (rng.random(net.req_qty.size) < 0.5)
    pi = rng.exponential(1.0, net.capacity_t.shape)
    every = np.arange(net.n_routes, dtype=np.int64)
    whole = _price(problem, net, mu, nu, pi, every, 2, 0.0)
    with patched("_PRICE_CHUNK", chunk):
        pieces = _price(problem, net, mu, nu, pi, every, 2, 0.0)
    for a, b in zip(whole, pieces, strict=True):
        assert np.array_equal(a, b)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios, tolerance=st.sampled_from([0.0, 1e-4]))
def test_an_interior_point_master_keeps_the_bound_true(  # type: ignore[no-untyped-def]
    scenario: Scenario, tolerance: float, tmp_path_factory
) -> None:
    folder: Path = tmp_path_factory.mktemp("plan")
    problem = problem_from_scenario(scenario)
    with patched("_INTERIOR_COLUMNS", 0):
        result = plan(problem, PlanOptions(lp_tolerance=tolerance))
    write_plan(result, problem, folder)
    assert close(check_plan(folder, scenario), result.objective)
    lp = naive_optimum(scenario, integral=False)
    assert result.lp_bound is not None
    assert lp - 1e-6 * max(1.0, lp) <= result.lp_bound <= lp + (tolerance + 1e-6) * max(1.0, result.lp_bound)
    assert result.objective <= result.lp_bound + 1e-6 * max(1.0, result.lp_bound)
    assert result.objective >= greedy_plan(problem).objective - 1e-6
