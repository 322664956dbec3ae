"""Properties over small random scenarios, checked against independent code.

For every case: the plan is feasible by the independent checker and integral; ``lp_bound`` equals the
optimum of the naive time-expanded LP (one column per offer, requirement, hub and week, built from the
Scenario directly); the objective is at least the greedy baseline's and no more than the naive MIP's;
and it is within 0.5% of the LP bound — or, where no integral plan can be (tight hubs and heavy
items in tiny cases), equal to the naive MIP's optimum.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidcoord.planning import PlanOptions, greedy_plan, plan, problem_from_scenario, write_plan
from aidcoord.scenario.model import Scenario
from tests.planning.factory import random_scenario
from tests.planning.feasibility import check_plan
from tests.planning.reference import naive_optimum

scenarios = st.builds(
    random_scenario,
    st.integers(0, 2**31),
    n_items=st.integers(1, 6),
    n_depots=st.integers(1, 3),
    n_hubs=st.integers(1, 3),
    n_delivery=st.integers(1, 2),
    n_offers=st.integers(0, 14),
    n_requirements=st.integers(0, 10),
    horizon=st.integers(2, 12),
    tight=st.sampled_from([0.05, 0.3, 1.0, 100.0]),
)


def close(a: float, b: float, rel: float = 1e-6) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios)
def test_plans_are_feasible_integral_and_near_optimal(scenario: Scenario, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    folder: Path = tmp_path_factory.mktemp("plan")
    problem = problem_from_scenario(scenario)
    result = plan(problem, PlanOptions(lp_tolerance=0.0))
    write_plan(result, problem, folder)
    objective = check_plan(folder, scenario)
    assert close(objective, result.objective)
    assert result.status == "optimal"
    assert result.lp_bound is not None
    assert close(result.lp_bound, naive_optimum(scenario, integral=False))

    greedy = greedy_plan(problem)
    write_plan(greedy, problem, folder / "greedy")
    check_plan(folder / "greedy", scenario)
    assert result.objective >= greedy.objective - 1e-6

    if result.objective < (1 - 0.005) * result.lp_bound - 1e-9:
        mip = naive_optimum(scenario, integral=True)
        assert close(result.objective, mip, 1e-6), (result.objective, mip, result.lp_bound)
    assert result.objective <= result.lp_bound + 1e-6
    assert result.gap is not None
    assert 0.0 <= result.gap <= 1.0

    delivered = {u.requirement_id: u for u in result.unmet}
    for r in problem.req_ids:
        got = sum(a.quantity for a in result.allocations if a.requirement_id == r)
        if r in delivered:
            assert delivered[r].quantity_unmet == problem.req_qty[problem.req_ids.index(r)] - got


@settings(max_examples=25, deadline=None)
@given(scenario=scenarios, which=st.integers(0, 100), factor=st.sampled_from([0.0, 0.5, 2.0]))
def test_a_warm_started_replan_matches_a_cold_one(scenario: Scenario, which: int, factor: float) -> None:
    exact = PlanOptions(lp_tolerance=0.0)
    first = plan(problem_from_scenario(scenario), exact)
    offers = list(scenario.offers)
    if offers:
        k = which % len(offers)
        offers[k] = dataclasses.replace(offers[k], quantity=max(1, int(offers[k].quantity * factor)))
    changed = dataclasses.replace(scenario, offers=tuple(offers))
    cold = plan(problem_from_scenario(changed), exact)
    warm = plan(problem_from_scenario(changed), PlanOptions(warm_start=first, lp_tolerance=0.0))
    assert cold.lp_bound is not None
    assert warm.lp_bound is not None
    assert close(cold.lp_bound, warm.lp_bound)
    assert abs(cold.objective - warm.objective) <= 1e-3 * max(1.0, cold.lp_bound)
