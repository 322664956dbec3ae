"""Tiny cases whose optimum is checked by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from aidcoord.errors import DomainError
from aidcoord.planning import (
    Allocation,
    InfeasiblePin,
    PlanOptions,
    greedy_plan,
    plan,
    problem_from_scenario,
    write_plan,
)
from aidcoord.scenario.model import Scenario
from tests.planning import factory as f
from tests.planning.feasibility import check_plan


def solve_and_check(scenario: Scenario, tmp_path: Path, **options: object):  # type: ignore[no-untyped-def]
    problem = problem_from_scenario(scenario)
    result = plan(problem, PlanOptions(**options))  # type: ignore[arg-type]
    write_plan(result, problem, tmp_path / "plan")
    assert check_plan(tmp_path / "plan", scenario) == pytest.approx(result.objective)
    return result


def test_one_offer_one_requirement(one_to_one: Scenario, tmp_path: Path) -> None:
    result = solve_and_check(one_to_one, tmp_path)
    assert result.allocations == (Allocation("O1", "R1", "H1", 0, 1, 2, 8),)
    assert result.objective == pytest.approx(8.0)
    assert result.lp_bound == pytest.approx(8.0)
    assert result.gap == pytest.approx(0.0)
    assert result.weighted_fulfilment == pytest.approx(1.0)
    assert result.on_time_fill == pytest.approx(1.0)
    assert result.unmet == ()
    assert result.status == "optimal"
    assert greedy_plan(problem_from_scenario(one_to_one)).allocations == result.allocations


def test_transport_cost_is_subtracted(tmp_path: Path) -> None:
    # λ = 0.01, 1 t per unit, lanes cost 10 + 20 EUR/t: 0.3 per unit
    s = f.simple(offers=[f.offer("O1", "A", 10)], requirements=[f.req("R1", "A", 8, 5)], cost_weight=0.01)
    result = solve_and_check(s, tmp_path)
    assert result.objective == pytest.approx(8 * 0.7)
    assert result.weighted_fulfilment == pytest.approx(1.0)


def test_only_committed_offers_are_planned(tmp_path: Path) -> None:
    s = f.simple(
        offers=[f.offer("O1", "A", 5, status="announced"), f.offer("O2", "A", 5, status="withdrawn")],
        requirements=[f.req("R1", "A", 8, 5)],
    )
    assert solve_and_check(s, tmp_path).allocations == ()
    announced = plan(problem_from_scenario(s, include_announced=True))
    assert [a.offer_id for a in announced.allocations] == ["O1"]
    assert announced.objective == pytest.approx(5.0)


def test_binding_hub_capacity_spreads_over_weeks(tmp_path: Path) -> None:
    # 1 t per unit, hub 5 t/week; due week 3, leads 1 + 1: hub weeks 1 and 2 are on time (10 units),
    # hub week 3 arrives week 4 (v = 0.75), hub week 4 week 5 (v = 0.5).
    s = f.simple(
        offers=[f.offer("O1", "A", 20)],
        requirements=[f.req("R1", "A", 20, 3)],
        throughput=5.0,
        delta=0.25,
    )
    result = solve_and_check(s, tmp_path)
    assert result.objective == pytest.approx(10 + 5 * 0.75 + 5 * 0.5)
    assert result.lp_bound == pytest.approx(result.objective)
    assert sorted((a.hub_week, a.quantity) for a in result.allocations) == [(1, 5), (2, 5), (3, 5), (4, 5)]
    assert result.on_time_fill == pytest.approx(0.5)
    (row,) = result.unmet
    assert (row.quantity_unmet, row.quantity_late, row.reason) == (0, 10, "hub_capacity")
    assert "H1 week 1" in row.explanation


def test_fractional_capacity_is_rounded_and_reported_honestly(tmp_path: Path) -> None:
    # 2 t per unit, 5 t/week through the hub, one week only: the LP ships 2.5 units, a plan 2.
    s = f.simple(
        items=[f.item("A", 2000.0)],
        offers=[f.offer("O1", "A", 10)],
        requirements=[f.req("R1", "A", 10, 2)],
        throughput=5.0,
        horizon=3,
    )
    result = solve_and_check(s, tmp_path)
    assert result.lp_bound == pytest.approx(2.5)
    assert result.objective == pytest.approx(2.0)
    assert result.gap == pytest.approx(0.2)


def test_a_substitute_fills_a_requirement(tmp_path: Path) -> None:
    s = f.simple(
        items=[f.item("A"), f.item("B")],
        substitutes=[("A", "B")],
        offers=[f.offer("O1", "B", 6), f.offer("O2", "A", 3)],
        requirements=[f.req("R1", "A", 8, 5), f.req("R2", "B", 4, 5, weight=0.5)],
    )
    result = solve_and_check(s, tmp_path)
    got = {(a.offer_id, a.requirement_id): a.quantity for a in result.allocations}
    # A may be filled by B, not B by A: R1 gets all 3 A and 5 B, R2 the last B.
    assert got == {("O2", "R1"): 3, ("O1", "R1"): 5, ("O1", "R2"): 1}
    assert result.objective == pytest.approx(8 + 0.5)


def test_lateness_decays_value(tmp_path: Path) -> None:
    # available week 4, leads 1 + 1: arrives week 6, 3 weeks late: v = 1 - 0.25 * 3 = 0.25
    s = f.simple(
        offers=[f.offer("O1", "A", 10, week=4)],
        requirements=[f.req("R1", "A", 10, 3, weight=2.0)],
        delta=0.25,
    )
    result = solve_and_check(s, tmp_path)
    assert result.objective == pytest.approx(10 * 2.0 * 0.25)
    (a,) = result.allocations
    assert (a.depart_week, a.arrive_week) == (4, 6)
    (row,) = result.unmet
    assert (row.quantity_unmet, row.quantity_late, row.reason) == (0, 10, "too_late")
    assert "week 6" in row.explanation


def test_worthless_arrivals_are_not_planned(tmp_path: Path) -> None:
    # 4 weeks late with δ = 0.25 has no value: nothing is shipped.
    s = f.simple(offers=[f.offer("O1", "A", 10, week=5)], requirements=[f.req("R1", "A", 10, 3)], delta=0.25)
    result = solve_and_check(s, tmp_path)
    assert result.allocations == ()
    assert result.unmet[0].reason == "too_late"
    assert result.unmet[0].quantity_unmet == 10


def test_a_pinned_allocation_is_kept(one_to_one: Scenario, tmp_path: Path) -> None:
    pin = Allocation("O1", "R1", "H1", 3, 4, 5, 5)
    result = solve_and_check(one_to_one, tmp_path, pinned=(pin,))
    assert pin in result.allocations
    assert sum(a.quantity for a in result.allocations) == 8
    assert result.objective == pytest.approx(8.0)
    problem = problem_from_scenario(one_to_one, pinned=(pin,))
    assert pin in plan(problem).allocations
    assert pin in greedy_plan(problem).allocations


@pytest.mark.parametrize(
    ("pin", "words"),
    [
        (Allocation("O2", "R1", "H1", 0, 1, 2, 1), "cannot fill"),
        (Allocation("O1", "R1", "H2", 0, 1, 2, 1), "no lane"),
        (Allocation("O1", "R1", "H1", 0, 1, 2, 11), "has only 10"),
        (Allocation("O1", "R1", "H1", 0, 1, 2, 9), "needs only 8"),
        (Allocation("O1", "R1", "H1", 10, 11, 12, 1), "after the horizon"),
        (Allocation("O3", "R1", "H1", 1, 2, 3, 1), "before the offer is available"),
        (Allocation("O1", "R1", "H1", 0, 2, 3, 1), "lead times"),
        (Allocation("O1", "R1", "H1", 0, 1, 2, 0), "positive integer"),
        (Allocation("O1", "R1", "H3", 0, 1, 2, 1), "not an open hub"),
        (Allocation("O4", "R1", "H1", 0, 1, 2, 1), "not a planned"),
    ],
)
def test_an_infeasible_pin_is_rejected(pin: Allocation, words: str) -> None:
    s = f.scenario(
        items=[f.item("A", 1000.0), f.item("B")],
        sites=[
            f.site("D1", "depot"),
            f.site("H1", "hub", 5.0),
            f.site("H2", "hub", 5.0),
            f.site("P1", "delivery"),
        ],
        lanes=[f.lane("D1", "H1", 1), f.lane("H1", "P1", 1), f.lane("D1", "H2", 1)],
        offers=[
            f.offer("O1", "A", 10),
            f.offer("O2", "B", 10),
            f.offer("O3", "A", 10, week=2),
            f.offer("O4", "A", 10, status="announced"),
        ],
        requirements=[f.req("R1", "A", 8, 5)],
        horizon=12,
    )
    with pytest.raises(InfeasiblePin, match=words) as caught:
        plan(problem_from_scenario(s), PlanOptions(pinned=(pin,)))
    assert isinstance(caught.value, DomainError)
    assert caught.value.code == "infeasible_pin"


def test_pins_over_hub_capacity_are_rejected() -> None:
    s = f.simple(offers=[f.offer("O1", "A", 10)], requirements=[f.req("R1", "A", 8, 5)], throughput=5.0)
    pin = Allocation("O1", "R1", "H1", 0, 1, 2, 6)
    with pytest.raises(InfeasiblePin, match="over its throughput"):
        plan(problem_from_scenario(s), PlanOptions(pinned=(pin,)))


def test_excluded_offers_and_hubs(one_to_one: Scenario) -> None:
    assert plan(problem_from_scenario(one_to_one, excluded_offer_ids=("O1",))).allocations == ()
    closed = plan(problem_from_scenario(one_to_one, excluded_hub_ids=("H1",)))
    assert closed.allocations == ()
    assert closed.unmet[0].reason == "no_supply"


def test_a_shrunken_hub_week_is_respected() -> None:
    s = f.simple(offers=[f.offer("O1", "A", 10)], requirements=[f.req("R1", "A", 10, 9)], throughput=100.0)
    problem = problem_from_scenario(s)
    problem.hub_capacity_t[0, :5] = 2.0
    result = plan(problem)
    assert all(a.quantity <= 2 for a in result.allocations if a.hub_week < 5)
    assert result.objective == pytest.approx(10.0)


def test_greedy_takes_heavier_requirements_first_and_exact_items_first() -> None:
    s = f.simple(
        items=[f.item("A"), f.item("B")],
        substitutes=[("A", "B")],
        offers=[f.offer("O1", "B", 5), f.offer("O2", "A", 5)],
        requirements=[f.req("R1", "A", 5, 5, weight=1.0), f.req("R2", "A", 5, 5, weight=3.0)],
    )
    result = greedy_plan(problem_from_scenario(s))
    got = {(a.offer_id, a.requirement_id): a.quantity for a in result.allocations}
    assert got == {("O2", "R2"): 5, ("O1", "R1"): 5}
    assert result.lp_bound is None
    assert result.solver == "greedy"


def test_greedy_prefers_the_earliest_arrival() -> None:
    s = f.scenario(
        items=[f.item("A")],
        sites=[
            f.site("D1", "depot"),
            f.site("D2", "depot"),
            f.site("H1", "hub", 100.0),
            f.site("P1", "delivery"),
        ],
        lanes=[f.lane("D1", "H1", 3), f.lane("D2", "H1", 1), f.lane("H1", "P1", 1)],
        offers=[f.offer("O1", "A", 5, origin="D1"), f.offer("O2", "A", 5, origin="D2")],
        requirements=[f.req("R1", "A", 5, 8)],
    )
    (a,) = greedy_plan(problem_from_scenario(s)).allocations
    assert (a.offer_id, a.arrive_week) == ("O2", 2)


def test_progress_is_reported(one_to_one: Scenario) -> None:
    seen: list[tuple[str, float]] = []
    plan(problem_from_scenario(one_to_one), progress=lambda stage, done: seen.append((stage, done)))
    assert seen[0] == ("build", 0.0)
    assert seen[-1] == ("done", 1.0)
