"""The bound reported when column generation is cut short, and the multi-column pricing.

Any duals ``μ, ν, π ≥ 0`` give the Lagrangian upper bound
``Σ μQ + Σ νq + Σ πK + Σ_pairs min(Q, q)·max(0, max rc)`` of the LP relaxation; it is checked here
against the naive time-expanded LP (independent code) for random duals, and a plan stopped at once
(``time_limit_s=0``) must report a bound no lower than its own objective (or none).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidcoord.planning import PlanOptions, optimise, plan, problem_from_scenario, write_plan
from aidcoord.planning.network import build_network
from aidcoord.planning.optimise import _lagrangian_bound, _most_promising, _price
from aidcoord.planning.pins import resolve_pins
from aidcoord.scenario.model import Scenario
from tests.planning.factory import random_scenario
from tests.planning.feasibility import check_plan
from tests.planning.reference import naive_optimum
from tests.planning.test_properties import scenarios


@settings(max_examples=40, deadline=None)
@given(scenario=scenarios, seed=st.integers(0, 2**31), scale=st.sampled_from([0.0, 0.1, 1.0, 10.0]))
def test_the_lagrangian_bound_holds_for_any_duals(scenario: Scenario, seed: int, scale: float) -> None:
    problem = problem_from_scenario(scenario)
    _, offer_res, req_res, cap_res = resolve_pins(problem, ())
    net = build_network(problem, offer_res, req_res, cap_res)
    rng = np.random.default_rng(seed)
    top = float(problem.req_weight.max()) if problem.req_weight.size else 1.0
    mu = rng.exponential(scale * top, net.n_lots) * (rng.random(net.n_lots) < 0.5)
    nu = rng.exponential(scale * top, len(problem.req_ids)) * (rng.random(len(problem.req_ids)) < 0.5)
    pi = rng.exponential(scale * top, net.capacity_t.shape) * (rng.random(net.capacity_t.shape) < 0.5)
    _, rc, _, _ = _price(problem, net, mu, nu, pi, np.arange(net.n_routes, dtype=np.int64))
    bound = _lagrangian_bound(net, mu, nu, pi, rc)
    lp = naive_optimum(scenario, integral=False)
    assert bound >= lp - 1e-6 * max(1.0, abs(lp))


@settings(max_examples=30, deadline=None)
@given(scenario=scenarios, seed=st.integers(0, 2**31), top=st.integers(1, 4))
def test_pricing_enters_the_best_weeks_of_each_route(scenario: Scenario, seed: int, top: int) -> None:
    problem = problem_from_scenario(scenario)
    _, offer_res, req_res, cap_res = resolve_pins(problem, ())
    net = build_network(problem, offer_res, req_res, cap_res)
    rng = np.random.default_rng(seed)
    pi = rng.exponential(1.0, net.capacity_t.shape)
    mu, nu = np.zeros(net.n_lots), np.zeros(len(problem.req_ids))
    every = np.arange(net.n_routes, dtype=np.int64)
    _, best_rc, enter_r, enter_t = _price(problem, net, mu, nu, pi, every, top, 0.0)
    horizon = problem.horizon_weeks
    for route in range(net.n_routes):
        weeks = np.arange(net.rt_tmin[route], net.rt_tmax[route] + 1)
        value = net.value(np.full(weeks.size, route), weeks, problem.lateness_decay)
        rc = value - net.rt_mass_t[route] * pi[net.rt_hub[route], weeks + net.rt_l1[route]]
        rc[value <= 1e-12] = -np.inf
        assert np.isclose(best_rc[route], rc.max()) or (np.isneginf(best_rc[route]) and np.isneginf(rc.max()))
        got = np.sort(enter_t[enter_r == route])
        positive = weeks[rc > 0.0]
        assert got.size == min(top, positive.size)
        assert set(got.tolist()) <= set(positive.tolist())
        if got.size:
            assert rc[got - net.rt_tmin[route]].min() >= np.sort(rc[rc > 0.0])[::-1][got.size - 1] - 1e-9
    assert horizon >= 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios)
def test_a_plan_stopped_at_once_reports_a_valid_bound(scenario: Scenario, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    folder: Path = tmp_path_factory.mktemp("plan")
    problem = problem_from_scenario(scenario)
    result = plan(problem, PlanOptions(time_limit_s=0.0))
    write_plan(result, problem, folder)
    check_plan(folder, scenario)
    if result.lp_bound is not None:
        assert result.lp_bound >= result.objective - 1e-6 * max(1.0, result.objective)
        lp = naive_optimum(scenario, integral=False)
        assert result.lp_bound >= lp - 1e-6 * max(1.0, abs(lp))


@settings(max_examples=40, deadline=None)
@given(scenario=scenarios, tolerance=st.sampled_from([1e-4, 1e-2, 0.2]))
def test_an_lp_stopped_near_the_optimum_reports_a_bound_within_the_tolerance(
    scenario: Scenario, tolerance: float
) -> None:
    problem = problem_from_scenario(scenario)
    result = plan(problem, PlanOptions(lp_tolerance=tolerance))
    lp = naive_optimum(scenario, integral=False)
    assert result.lp_bound is not None
    assert lp - 1e-6 * max(1.0, lp) <= result.lp_bound <= lp + (tolerance + 1e-6) * max(1.0, result.lp_bound)
    assert result.objective <= result.lp_bound + 1e-6 * max(1.0, result.lp_bound)


@settings(max_examples=25, deadline=None)
@given(scenario=scenarios, which=st.integers(0, 100))
def test_a_warm_started_replan_reports_a_valid_bound(scenario: Scenario, which: int) -> None:
    """Warm starts skip phase 1 and the greedy candidate: the bound must still hold (default tolerance)."""
    first = plan(problem_from_scenario(scenario))
    offers = list(scenario.offers)
    if offers:
        k = which % len(offers)
        offers[k] = dataclasses.replace(offers[k], quantity=max(1, offers[k].quantity // 2))
    changed = dataclasses.replace(scenario, offers=tuple(offers))
    warm = plan(problem_from_scenario(changed), PlanOptions(warm_start=first))
    lp = naive_optimum(changed, integral=False)
    assert warm.lp_bound is not None
    assert lp - 1e-6 * max(1.0, lp) <= warm.lp_bound <= lp + 1.01e-4 * max(1.0, warm.lp_bound)
    assert warm.objective <= warm.lp_bound + 1e-6 * max(1.0, warm.lp_bound)


@settings(max_examples=30, deadline=None)
@given(scenario=scenarios)
def test_partial_pricing_keeps_the_lp_exact(scenario: Scenario) -> None:
    """With at most ``max(1, rows / 2)`` columns entering per round the LP optimum is unchanged."""
    saved = optimise._ENTER_MIN
    optimise._ENTER_MIN = 1
    try:
        result = plan(problem_from_scenario(scenario), PlanOptions(lp_tolerance=0.0))
    finally:
        optimise._ENTER_MIN = saved
    lp = naive_optimum(scenario, integral=False)
    assert result.lp_bound is not None
    assert abs(result.lp_bound - lp) <= 1e-6 * max(1.0, abs(lp))


def test_most_promising_keeps_the_largest_gains() -> None:
    scenario = random_scenario(7, n_items=3, n_offers=12, n_requirements=8, horizon=10, tight=0.3)
    problem = problem_from_scenario(scenario)
    _, offer_res, req_res, cap_res = resolve_pins(problem, ())
    net = build_network(problem, offer_res, req_res, cap_res)
    routes = np.arange(net.n_routes, dtype=np.int64)
    rc = np.linspace(1.0, 2.0, net.n_routes)
    kept, _ = _most_promising(net, routes, net.rt_tmin, rc, 3)
    gain = rc * np.minimum(net.lot_qty[net.rt_lot], net.req_qty[net.rt_req])
    assert kept.size == min(3, net.n_routes)
    assert np.allclose(np.sort(gain[kept]), np.sort(gain)[net.n_routes - kept.size :])
