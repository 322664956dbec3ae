"""Planning the database's state: versions, figures, approval and diff, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from aidcoord.access.actor import SYSTEM, Actor
from aidcoord.dataset import service as dataset
from aidcoord.errors import Conflict, DomainError, Forbidden, NotFound
from aidcoord.planning import greedy_plan, plan, problem_from_scenario
from aidcoord.plans import service as plans
from aidcoord.scenario.generate import generate

OFFICER = Actor(
    "u-deu", "DEL-DEU", frozenset({"nation_officer"}), nation_id="DEU", organisation_kind="nation_delegation"
)


@pytest.fixture
def loaded(session: Session) -> Session:
    dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", 21))
    return session


def test_stored_plan_is_the_core_plan(loaded: Session) -> None:
    scenario = generate("S", 21)
    problem = problem_from_scenario(scenario)
    expected = plan(problem)
    summary = plans.create_plan(loaded, actor=SYSTEM, warm=False)
    assert summary.version == 1
    assert summary.status == "draft"
    assert summary.figures.objective == pytest.approx(expected.objective)
    assert summary.baseline is not None
    assert summary.baseline.objective == pytest.approx(greedy_plan(problem).objective)
    detail = plans.get_plan(loaded, actor=SYSTEM)
    assert sum(a.quantity for a in detail.allocations) == sum(a.quantity for a in expected.allocations)
    assert {u.requirement_id for u in detail.unmet} == {u.requirement_id for u in expected.unmet}
    for load in detail.hub_load:
        assert load.tonnes <= load.capacity_t + 1e-6


def test_versions_count_up_and_warm_start_keeps_the_objective(loaded: Session) -> None:
    first = plans.create_plan(loaded, actor=SYSTEM)
    second = plans.create_plan(loaded, actor=SYSTEM)
    assert (first.version, second.version) == (1, 2)
    assert second.figures.objective == pytest.approx(first.figures.objective, rel=5e-3)
    assert [p.version for p in plans.list_plans(loaded, actor=SYSTEM)] == [2, 1]


def test_approval_needs_a_coordinator_and_a_reason(loaded: Session) -> None:
    first = plans.create_plan(loaded, actor=SYSTEM)
    with pytest.raises(Forbidden):
        plans.approve_plan(loaded, actor=OFFICER, version=first.version, reason="ok")
    with pytest.raises(DomainError, match="reason"):
        plans.approve_plan(loaded, actor=SYSTEM, version=first.version, reason="  ")
    approved = plans.approve_plan(loaded, actor=SYSTEM, version=first.version, reason="weekly board")
    assert (approved.status, approved.approval_reason) == ("approved", "weekly board")
    with pytest.raises(Conflict, match="approved"):
        plans.approve_plan(loaded, actor=SYSTEM, version=first.version, reason="again")

    second = plans.create_plan(loaded, actor=SYSTEM, method="greedy")
    plans.approve_plan(loaded, actor=SYSTEM, version=second.version, reason="next week")
    statuses = {p.version: p.status for p in plans.list_plans(loaded, actor=SYSTEM)}
    assert statuses == {1: "superseded", 2: "approved"}


def test_diff_between_optimiser_and_greedy(loaded: Session) -> None:
    a = plans.create_plan(loaded, actor=SYSTEM)
    b = plans.create_plan(loaded, actor=SYSTEM, method="greedy")
    diff = plans.diff_plans(loaded, actor=SYSTEM, before=a.version, after=b.version)
    detail_a = plans.get_plan(loaded, actor=SYSTEM, version=a.version)
    detail_b = plans.get_plan(loaded, actor=SYSTEM, version=b.version)
    assert set(detail_a.allocations) - set(diff.removed) | set(diff.added) == set(detail_b.allocations)
    for change in diff.requirements:
        before = sum(x.quantity for x in detail_a.allocations if x.requirement_id == change.requirement_id)
        after = sum(x.quantity for x in detail_b.allocations if x.requirement_id == change.requirement_id)
        assert (change.delivered_before, change.delivered_after) == (before, after)


def test_excluding_a_hub_routes_nothing_through_it(loaded: Session) -> None:
    hubs = sorted(s.site_id for s in generate("S", 21).sites if s.kind == "hub")
    plans.create_plan(loaded, actor=SYSTEM, excluded_hub_ids=[hubs[0]])
    detail = plans.get_plan(loaded, actor=SYSTEM)
    assert detail.allocations
    assert all(a.hub_site_id != hubs[0] for a in detail.allocations)


def test_missing_plan_and_unknown_method(loaded: Session) -> None:
    with pytest.raises(NotFound):
        plans.get_plan(loaded, actor=SYSTEM)
    with pytest.raises(NotFound):
        plans.get_plan(loaded, actor=SYSTEM, version=7)
    with pytest.raises(DomainError, match="unknown planning method"):
        plans.create_plan(loaded, actor=SYSTEM, method="magic")


def test_replacing_the_scenario_removes_its_plans(loaded: Session) -> None:
    plans.create_plan(loaded, actor=SYSTEM)
    dataset.load_scenario(loaded, actor=SYSTEM, scenario=generate("S", 22), replace=True)
    assert plans.list_plans(loaded, actor=SYSTEM) == []


def test_replacing_the_scenario_removes_its_shipments(loaded: Session) -> None:
    from aidcoord.shipments import service as shipments

    first = plans.create_plan(loaded, actor=SYSTEM)
    plans.approve_plan(loaded, actor=SYSTEM, version=first.version, reason="board")
    created = shipments.create_from_approved_plan(loaded, actor=SYSTEM)
    assert created.created
    dataset.load_scenario(loaded, actor=SYSTEM, scenario=generate("S", 22), replace=True)
    assert shipments.list_shipments(loaded, actor=SYSTEM).total == 0
