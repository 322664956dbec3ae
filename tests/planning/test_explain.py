"""Every reason a requirement is not filled on time, with the numbers in its sentence."""

from __future__ import annotations

import pytest

import aidcoord.planning.explain as explain_module
from aidcoord.planning import REASONS, Unmet, greedy_plan, plan, problem_from_scenario
from aidcoord.scenario.model import Scenario
from tests.planning import factory as f


def unmet_of(scenario: Scenario, requirement_id: str) -> tuple[Unmet, Unmet]:
    """The row of the optimiser's plan and of the greedy's for one requirement."""
    problem = problem_from_scenario(scenario)
    rows = []
    for result in (plan(problem), greedy_plan(problem)):
        (row,) = [u for u in result.unmet if u.requirement_id == requirement_id]
        assert row.reason in REASONS
        rows.append(row)
    return rows[0], rows[1]


def test_no_supply() -> None:
    s = f.simple(
        items=[f.item("A"), f.item("B")],
        offers=[f.offer("O1", "A", 10)],
        requirements=[f.req("R1", "B", 5, 5)],
    )
    for row in unmet_of(s, "R1"):
        assert (row.reason, row.quantity_unmet, row.quantity_late) == ("no_supply", 5, 0)
        assert row.explanation.startswith("Requirement R1 (5 × B, due week 5): 0 units arrive by week 5")


def test_supply_short() -> None:
    s = f.simple(
        offers=[f.offer("O1", "A", 6), f.offer("O2", "A", 4)], requirements=[f.req("R1", "A", 25, 5)]
    )
    for row in unmet_of(s, "R1"):
        assert (row.reason, row.quantity_unmet) == ("supply_short", 15)
        assert (
            "all 2 compatible planned offers together hold only 10 units, 15 short of the 25"
            in row.explanation
        )


def test_too_late() -> None:
    s = f.simple(
        offers=[f.offer("O1", "A", 6), f.offer("O2", "A", 6, week=6)],
        requirements=[f.req("R1", "A", 10, 4)],
        delta=0.1,
    )
    for row in unmet_of(s, "R1"):
        assert (row.reason, row.quantity_unmet, row.quantity_late) == ("too_late", 0, 4)
        assert "only 6 can arrive by week 4" in row.explanation
        assert "week 8" in row.explanation


def test_hub_capacity() -> None:
    s = f.simple(
        offers=[f.offer("O1", "A", 20)], requirements=[f.req("R1", "A", 20, 2)], throughput=5.0, delta=0.5
    )
    # on time: hub week 1 only (5 units); hub week 2 arrives 1 week late (v = 0.5), week 3 worthless.
    for row in unmet_of(s, "R1"):
        assert (row.reason, row.quantity_unmet, row.quantity_late) == ("hub_capacity", 10, 5)
        assert "15 compatible units that could arrive in time do not" in row.explanation
        assert "H1 week 1 (5 t)" in row.explanation


def test_outranked() -> None:
    s = f.simple(
        offers=[f.offer("O1", "A", 10)],
        requirements=[f.req("R1", "A", 10, 5, weight=5.0), f.req("R2", "A", 10, 5, weight=1.0)],
    )
    for row in unmet_of(s, "R2"):
        assert (row.reason, row.quantity_unmet) == ("outranked", 10)
        assert "all 10 compatible units that can arrive by week 5 are used, 10 of them by" in row.explanation


def test_filled_requirements_have_no_row(one_to_one: Scenario) -> None:
    assert plan(problem_from_scenario(one_to_one)).unmet == ()


@pytest.mark.parametrize("reason", REASONS)
def test_the_decision_rule_is_documented(reason: str) -> None:
    assert f"``{reason}``" in (explain_module.__doc__ or "")
