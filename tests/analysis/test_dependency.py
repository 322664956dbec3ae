"""Donor dependency: hand-computed shares, HHI, donor counts and sole-source requirements."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aidcoord.analysis.dependency import (
    AnalysisInputError,
    DependencyReport,
    GroupDependency,
    SoleSource,
    allocation_arrays,
    herfindahl,
    item_facts,
    plan_dependency,
    supply_dependency,
)
from aidcoord.planning import Allocation, PlanningProblem, greedy_plan, plan, problem_from_scenario
from aidcoord.scenario.model import Item, Offer, Scenario
from tests.planning import factory

CAPABILITY = {"A": "air-defence", "B": "artillery", "C": "drones", "D": "drones"}
VALUE = {"A": 100.0, "B": 10.0, "C": 50.0, "D": 7.0}


def _item(item_id: str) -> Item:
    return Item(item_id, item_id, "equipment", CAPABILITY[item_id], "unit", 100.0, VALUE[item_id])


def _offer(offer_id: str, nation: str, item_id: str, qty: int) -> Offer:
    return Offer(offer_id, nation, item_id, qty, 0, "D1", "committed")


def hand_scenario() -> Scenario:
    """Four donors, four items (C may be filled by D), five requirements in three priority classes."""
    return factory.simple(
        items=[_item(i) for i in "ABCD"],
        substitutes=[("C", "D")],
        offers=[
            _offer("O1", "AAA", "A", 6),
            _offer("O2", "BBB", "A", 4),
            _offer("O3", "AAA", "B", 20),
            _offer("O4", "CCC", "B", 5),
            _offer("O5", "DDD", "D", 3),
        ],
        requirements=[
            factory.req("R1", "A", 10, 5, priority=1),
            factory.req("R2", "B", 20, 5, priority=2),
            factory.req("R3", "B", 5, 5, priority=1),
            factory.req("R4", "A", 3, 5, priority=3),
            factory.req("R5", "C", 2, 5, priority=3),
        ],
    )


def hand_allocations() -> tuple[Allocation, ...]:
    """R1 from AAA (6) and BBB (4); R2 from AAA alone; R3 from CCC alone; R4 and R5 get nothing."""
    return (
        Allocation("O1", "R1", "H1", 0, 1, 2, 6),
        Allocation("O2", "R1", "H1", 0, 1, 2, 4),
        Allocation("O3", "R2", "H1", 0, 1, 2, 20),
        Allocation("O4", "R3", "H1", 0, 1, 2, 5),
    )


@pytest.fixture
def problem() -> PlanningProblem:
    return problem_from_scenario(hand_scenario())


def by_key(groups: tuple[GroupDependency, ...]) -> dict[str | int, GroupDependency]:
    return {g.key: g for g in groups}


def shares(group: GroupDependency) -> dict[str, float]:
    return {d.nation_id: d.share for d in group.donors}


def hhi_of(*values: float) -> float:
    total = sum(values)
    return 10_000 * sum((v / total) ** 2 for v in values)


# --- herfindahl ---------------------------------------------------------------------------------------


def test_herfindahl_on_the_antitrust_scale() -> None:
    assert herfindahl([5.0]) == pytest.approx(10_000)
    assert herfindahl([1, 1]) == pytest.approx(5_000)
    assert herfindahl([3, 3, 3, 3]) == pytest.approx(2_500)
    assert herfindahl([60, 40, 0]) == pytest.approx(3_600 + 1_600)
    assert math.isnan(herfindahl([0, 0]))
    assert math.isnan(herfindahl([]))


def test_herfindahl_refuses_negative_values() -> None:
    with pytest.raises(AnalysisInputError):
        herfindahl([1.0, -1.0])


# --- the plan, by value --------------------------------------------------------------------------------


def test_plan_overall_by_value(problem: PlanningProblem) -> None:
    report = plan_dependency(problem, hand_allocations(), capability=CAPABILITY, unit_value_eur=VALUE)
    assert report.basis == "plan"
    assert report.measure == "value_eur"
    overall = report.overall
    # AAA: 6·100 + 20·10 = 800; BBB: 4·100 = 400; CCC: 5·10 = 50.
    assert overall.key == "all"
    assert overall.total == pytest.approx(1250.0)
    assert [d.nation_id for d in overall.donors] == ["AAA", "BBB", "CCC"]
    assert [d.value for d in overall.donors] == pytest.approx([800.0, 400.0, 50.0])
    assert overall.top_nation == "AAA"
    assert overall.top_share == pytest.approx(0.64)
    assert overall.hhi == pytest.approx(10_000 * (0.64**2 + 0.32**2 + 0.04**2))
    assert overall.hhi == pytest.approx(5136.0)
    assert overall.effective_donors == pytest.approx(10_000 / 5136.0)
    assert overall.n_donors == 3
    assert overall.n_requirements == 5


def test_plan_per_capability(problem: PlanningProblem) -> None:
    report = plan_dependency(problem, hand_allocations(), capability=CAPABILITY, unit_value_eur=VALUE)
    groups = by_key(report.by_capability)
    # Capabilities of the requirements' items, sorted; nothing delivered for drones.
    assert list(groups) == ["air-defence", "artillery", "drones"]

    air = groups["air-defence"]
    assert shares(air) == pytest.approx({"AAA": 0.6, "BBB": 0.4})
    assert air.top_nation == "AAA"
    assert air.top_share == pytest.approx(0.6)
    assert air.hhi == pytest.approx(5_200.0)
    assert air.n_donors == 2
    assert air.n_requirements == 2  # R1, R4
    assert air.sole_source == ()  # R1 has two donors, R4 none

    art = groups["artillery"]
    assert shares(art) == pytest.approx({"AAA": 0.8, "CCC": 0.2})
    assert art.hhi == pytest.approx(6_800.0)
    assert art.n_donors == 2
    assert art.sole_source == (SoleSource("R2", "AAA", 20, 20), SoleSource("R3", "CCC", 5, 5))

    drones = groups["drones"]
    assert drones.total == 0.0
    assert drones.donors == ()
    assert drones.top_nation is None
    assert drones.top_share is None
    assert drones.hhi is None
    assert drones.effective_donors is None
    assert drones.n_donors == 0
    assert drones.n_requirements == 1


def test_plan_per_priority_class(problem: PlanningProblem) -> None:
    report = plan_dependency(problem, hand_allocations(), capability=CAPABILITY, unit_value_eur=VALUE)
    groups = by_key(report.by_priority)
    assert list(groups) == [1, 2, 3]

    first = groups[1]  # R1 (AAA 600, BBB 400) and R3 (CCC 50)
    assert first.total == pytest.approx(1050.0)
    assert shares(first) == pytest.approx({"AAA": 600 / 1050, "BBB": 400 / 1050, "CCC": 50 / 1050})
    assert first.top_share == pytest.approx(600 / 1050)
    assert first.hhi == pytest.approx(hhi_of(600, 400, 50))
    assert first.n_donors == 3
    assert first.sole_source == (SoleSource("R3", "CCC", 5, 5),)

    second = groups[2]  # R2 from AAA alone
    assert second.top_nation == "AAA"
    assert second.top_share == pytest.approx(1.0)
    assert second.hhi == pytest.approx(10_000.0)
    assert second.effective_donors == pytest.approx(1.0)
    assert second.n_donors == 1
    assert second.sole_source == (SoleSource("R2", "AAA", 20, 20),)

    third = groups[3]  # R4 and R5: nothing delivered
    assert third.total == 0.0
    assert third.hhi is None
    assert third.n_requirements == 2


def test_plan_sole_source_lists_every_single_nation_requirement(problem: PlanningProblem) -> None:
    report = plan_dependency(problem, hand_allocations(), capability=CAPABILITY)
    assert report.sole_source == (SoleSource("R2", "AAA", 20, 20), SoleSource("R3", "CCC", 5, 5))
    assert all(s.fully_covered for s in report.sole_source)
    partial = plan_dependency(
        problem, (Allocation("O3", "R2", "H1", 0, 1, 2, 12),), capability=CAPABILITY
    ).sole_source
    assert partial == (SoleSource("R2", "AAA", 12, 20),)
    assert not partial[0].fully_covered


def test_plan_by_units_without_unit_values(problem: PlanningProblem) -> None:
    report = plan_dependency(problem, hand_allocations(), capability=CAPABILITY)
    assert report.measure == "units"
    # AAA 6 + 20 = 26, BBB 4, CCC 5.
    assert report.overall.total == pytest.approx(35.0)
    assert shares(report.overall) == pytest.approx({"AAA": 26 / 35, "BBB": 4 / 35, "CCC": 5 / 35})
    assert report.overall.hhi == pytest.approx(hhi_of(26, 4, 5))
    assert shares(by_key(report.by_capability)["air-defence"]) == pytest.approx({"AAA": 0.6, "BBB": 0.4})


def test_a_substitute_is_valued_at_its_own_price_under_the_requirements_capability() -> None:
    # R5 needs C (drones, 50 EUR); DDD gives 2 units of D (7 EUR), its listed substitute.
    problem = problem_from_scenario(hand_scenario())
    report = plan_dependency(
        problem,
        (Allocation("O5", "R5", "H1", 0, 1, 2, 2),),
        capability={**CAPABILITY, "D": "logistics"},
        unit_value_eur=VALUE,
    )
    drones = by_key(report.by_capability)["drones"]
    assert drones.total == pytest.approx(14.0)
    assert drones.top_nation == "DDD"
    assert "logistics" not in by_key(report.by_capability)


def test_the_plan_may_come_as_a_plan_result_or_as_arrays(problem: PlanningProblem) -> None:
    result = plan(problem)
    as_result = plan_dependency(problem, result, capability=CAPABILITY, unit_value_eur=VALUE)
    as_ids = plan_dependency(problem, result.allocations, capability=CAPABILITY, unit_value_eur=VALUE)
    arrays = allocation_arrays(problem, result)
    as_arrays = plan_dependency(problem, arrays, capability=CAPABILITY, unit_value_eur=VALUE)
    assert as_result == as_ids == as_arrays
    assert int(arrays.qty.sum()) == sum(a.quantity for a in result.allocations)


def test_allocation_arrays_map_ids_and_derive_weeks(problem: PlanningProblem) -> None:
    arrays = allocation_arrays(problem, hand_allocations())
    offers = [problem.offer_ids[o] for o in arrays.offer]
    assert offers == ["O1", "O2", "O3", "O4"]
    assert arrays.qty.tolist() == [6, 4, 20, 5]
    hub_week, arrive = arrays.weeks(problem)
    assert hub_week.tolist() == [1, 1, 1, 1]
    assert arrive.tolist() == [2, 2, 2, 2]
    assert allocation_arrays(problem, ()).qty.size == 0


@pytest.mark.parametrize(
    "allocation",
    [
        Allocation("O9", "R1", "H1", 0, 1, 2, 1),
        Allocation("O1", "R9", "H1", 0, 1, 2, 1),
        Allocation("O1", "R1", "H9", 0, 1, 2, 1),
    ],
)
def test_an_allocation_outside_the_problem_is_refused(
    problem: PlanningProblem, allocation: Allocation
) -> None:
    with pytest.raises(AnalysisInputError, match="not in the problem"):
        plan_dependency(problem, (allocation,), capability=CAPABILITY)


def test_missing_capabilities_or_values_are_refused(problem: PlanningProblem) -> None:
    with pytest.raises(AnalysisInputError, match="capability"):
        plan_dependency(problem, (), capability={"A": "air-defence"})
    with pytest.raises(AnalysisInputError, match="unit value"):
        plan_dependency(problem, (), capability=CAPABILITY, unit_value_eur={"A": 1.0})
    with pytest.raises(AnalysisInputError, match="finite"):
        plan_dependency(problem, (), capability=CAPABILITY, unit_value_eur={**VALUE, "A": -1.0})


def test_an_empty_plan_has_no_donors(problem: PlanningProblem) -> None:
    report = plan_dependency(problem, (), capability=CAPABILITY)
    assert report.overall.total == 0.0
    assert report.overall.n_donors == 0
    assert report.overall.hhi is None
    assert report.sole_source == ()


def test_item_facts_read_the_catalogue() -> None:
    capability, value = item_facts(hand_scenario())
    assert capability == CAPABILITY
    assert value == VALUE


# --- committed supply ------------------------------------------------------------------------------------


def test_supply_by_capability_of_the_offered_item(problem: PlanningProblem) -> None:
    report = supply_dependency(problem, capability=CAPABILITY, unit_value_eur=VALUE)
    assert report.basis == "supply"
    # AAA 600 + 200, BBB 400, CCC 50, DDD 3·7 = 21.
    assert report.overall.total == pytest.approx(1271.0)
    assert report.overall.hhi == pytest.approx(hhi_of(800, 400, 50, 21))
    groups = by_key(report.by_capability)
    assert list(groups) == ["air-defence", "artillery", "drones"]
    assert shares(groups["air-defence"]) == pytest.approx({"AAA": 0.6, "BBB": 0.4})
    assert shares(groups["artillery"]) == pytest.approx({"AAA": 0.8, "CCC": 0.2})
    assert groups["drones"].top_nation == "DDD"
    assert groups["drones"].top_share == pytest.approx(1.0)
    assert groups["drones"].total == pytest.approx(21.0)


def test_supply_by_priority_counts_each_offer_once_per_class_it_could_serve(problem: PlanningProblem) -> None:
    report = supply_dependency(problem, capability=CAPABILITY, unit_value_eur=VALUE)
    groups = by_key(report.by_priority)
    # Class 1 needs A (R1) and B (R3): O1–O4. Class 2 needs B: O3, O4. Class 3 needs A (R4) and C (R5,
    # which D may fill): O1, O2, O5.
    assert groups[1].total == pytest.approx(1250.0)
    assert groups[1].hhi == pytest.approx(hhi_of(800, 400, 50))
    assert shares(groups[2]) == pytest.approx({"AAA": 0.8, "CCC": 0.2})
    assert groups[3].total == pytest.approx(1021.0)
    assert shares(groups[3]) == pytest.approx({"AAA": 600 / 1021, "BBB": 400 / 1021, "DDD": 21 / 1021})
    assert groups[3].n_donors == 3


def test_supply_sole_source_through_a_substitute(problem: PlanningProblem) -> None:
    report = supply_dependency(problem, capability=CAPABILITY)
    # Only R5 (C) has one supplier: DDD's 3 units of D.
    assert report.sole_source == (SoleSource("R5", "DDD", 3, 2),)
    assert by_key(report.by_capability)["drones"].sole_source == report.sole_source
    assert by_key(report.by_priority)[3].sole_source == report.sole_source


def test_supply_keeps_a_capability_nobody_offers() -> None:
    scenario = hand_scenario()
    scenario = dataclasses.replace(scenario, offers=tuple(o for o in scenario.offers if o.item_id != "D"))
    report = supply_dependency(problem_from_scenario(scenario), capability=CAPABILITY)
    drones = by_key(report.by_capability)["drones"]
    assert drones.total == 0.0
    assert drones.n_donors == 0
    assert drones.n_requirements == 1


# --- properties -------------------------------------------------------------------------------------------


def with_nations(problem: PlanningProblem, n_nations: int) -> PlanningProblem:
    """The same problem with offers spread over ``n_nations`` donors (round robin by offer)."""
    nations = tuple(f"N{k % n_nations}" for k in range(len(problem.offer_ids)))
    return dataclasses.replace(problem, offer_nation=nations)


def check_group(group: GroupDependency) -> None:
    if group.total == 0:
        assert group.n_donors == 0
        assert group.hhi is None
        return
    s = np.array([d.share for d in group.donors])
    assert s.sum() == pytest.approx(1.0)
    assert list(s) == sorted(s, reverse=True)
    assert group.n_donors == len(group.donors)
    assert group.hhi is not None
    assert group.top_share is not None
    assert 10_000 / group.n_donors - 1e-6 <= group.hhi <= 10_000 + 1e-6
    assert group.top_share >= 1 / group.n_donors - 1e-12
    # HHI lies between the top share squared and the top share (on the 10,000 scale).
    assert 10_000 * group.top_share**2 - 1e-6 <= group.hhi <= 10_000 * group.top_share + 1e-6


def check_report(report: DependencyReport) -> None:
    for g in (report.overall, *report.by_capability, *report.by_priority):
        check_group(g)
    for s in report.sole_source:
        assert s.units > 0


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31), n_nations=st.integers(1, 4), valued=st.booleans())
def test_reports_are_consistent_on_random_plans(seed: int, n_nations: int, valued: bool) -> None:
    scenario = factory.random_scenario(seed, n_offers=14, n_requirements=10)
    problem = with_nations(problem_from_scenario(scenario), n_nations)
    capability = {i: f"cap{k % 3}" for k, i in enumerate(problem.item_ids)}
    value = {i: float(k + 1) for k, i in enumerate(problem.item_ids)} if valued else None
    result = greedy_plan(problem)
    report = plan_dependency(problem, result, capability=capability, unit_value_eur=value)
    check_report(report)
    # Every allocation is in exactly one capability group and one priority class.
    total = report.overall.total
    assert sum(g.total for g in report.by_capability) == pytest.approx(total)
    assert sum(g.total for g in report.by_priority) == pytest.approx(total)
    if value is None:
        assert total == sum(a.quantity for a in result.allocations)
    # A requirement with allocations is sole-source exactly when one nation serves it.
    nation_of = dict(zip(problem.offer_ids, problem.offer_nation, strict=True))
    served: dict[str, set[str]] = {}
    for a in result.allocations:
        served.setdefault(a.requirement_id, set()).add(nation_of[a.offer_id])
    assert {s.requirement_id for s in report.sole_source} == {r for r, n in served.items() if len(n) == 1}

    supply = supply_dependency(problem, capability=capability, unit_value_eur=value)
    check_report(supply)
    assert sum(g.total for g in supply.by_capability) == pytest.approx(supply.overall.total)
