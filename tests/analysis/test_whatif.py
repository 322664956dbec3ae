"""What-if transforms and the comparison, on hand-checkable cases and generated ones."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidcoord.analysis import whatif as core
from aidcoord.planning import PlanningProblem, PlanOptions, PlanResult, plan, problem_from_scenario
from aidcoord.scenario.model import Scenario
from tests.planning.factory import offer, random_scenario, req, simple


def _two_nations() -> Scenario:
    """AAA offers 10 units at week 0, BBB 10 at week 0 (+ 5 announced); one requirement of 15 due week 4."""
    base = simple(
        offers=[
            offer("OA", "A", 10, 0),
            offer("OB", "A", 10, 0),
            offer("OC", "A", 5, 0, status="announced"),
        ],
        requirements=[req("R1", "A", 15, 4, weight=2.0), req("R2", "A", 4, 9, weight=1.0)],
    )
    nations = {"OA": "AAA", "OB": "BBB", "OC": "BBB"}
    return dataclasses.replace(
        base, offers=tuple(dataclasses.replace(o, nation_id=nations[o.offer_id]) for o in base.offers)
    )


def _run(
    problem: PlanningProblem, changes: list[core.Change], *, everything: PlanningProblem | None = None
) -> tuple[PlanResult, PlanResult, core.Comparison]:
    baseline = plan(problem)
    # As the service does: the announced offers are in the what-if only when it says so.
    announced = any(isinstance(c, core.IncludeAnnounced) for c in changes)
    applied = core.apply((everything or problem) if announced else problem, baseline, changes)
    result = plan(applied.problem, PlanOptions(pinned=applied.pinned, warm_start=baseline.warm_start))
    candidates = core.apply(
        everything or problem, baseline, [c for c in changes if not isinstance(c, core.AddOffer)]
    )
    comparison = core.compare(
        problem,
        baseline,
        result,
        changes=changes,
        capability_of_item={"A": "artillery"},
        candidates=candidates.problem,
        candidate_status={"OA": "committed", "OB": "committed", "OC": "announced"},
        excluded_nations=[c.nation_id for c in changes if isinstance(c, core.WithdrawNation)],
    )
    return baseline, result, comparison


def test_withdrawing_a_donor_from_the_start_by_hand() -> None:
    scenario = _two_nations()
    problem = problem_from_scenario(scenario)
    everything = problem_from_scenario(scenario, include_announced=True)
    _, result, c = _run(problem, [core.WithdrawNation("AAA")], everything=everything)
    # Baseline: 20 units fill R1 (15, on time, weight 2) and R2 (4, weight 1): value 34 of 34.
    assert c.fulfilment_before == pytest.approx(1.0)
    # Without AAA: BBB's 10 units go to R1 (weight 2): value 20 of 34; on time 10 of 19 units.
    assert c.fulfilment_after == pytest.approx(20 / 34)
    assert c.on_time_after == pytest.approx(10 / 19)
    assert {a.offer_id for a in result.allocations} == {"OB"}
    by_id = {n.requirement_id: n for n in c.newly_unmet}
    assert set(by_id) == {"R1", "R2"}
    assert (by_id["R1"].on_time_before, by_id["R1"].on_time_after) == (15, 10)
    # BBB's announced offer could close the gap; it arrives at week 0 + 1 + 1.
    (closer,) = by_id["R1"].closers
    assert (closer.offer_id, closer.nation_id, closer.status, closer.units_free, closer.earliest_arrival) == (
        "OC",
        "BBB",
        "announced",
        5,
        2,
    )
    assert c.by_capability[0].group == "artillery"
    assert c.by_priority[0].fulfilment_after == pytest.approx(20 / 34)


def test_withdrawing_from_a_week_keeps_what_left_before_it() -> None:
    scenario = simple(
        offers=[offer("OA", "A", 10, 0), offer("OB", "A", 10, 5)],
        requirements=[req("R1", "A", 10, 3), req("R2", "A", 10, 11)],
    )
    problem = problem_from_scenario(scenario)
    baseline = plan(problem)
    departures = {a.offer_id: a.depart_week for a in baseline.allocations}
    assert departures["OA"] < 4 <= departures["OB"]
    applied = core.apply(problem, baseline, [core.WithdrawNation("AAA", from_week=4)])
    assert applied.freeze_week == 4
    assert [a.offer_id for a in applied.pinned] == ["OA"]
    assert applied.problem.offer_ids == ("OA",)  # OB would leave after the nation stopped
    result = plan(applied.problem, PlanOptions(pinned=applied.pinned))
    assert [a for a in result.allocations if a.offer_id == "OA"] == list(applied.pinned)


def test_cuts_delays_hubs_and_added_offers_change_the_arrays() -> None:
    problem = problem_from_scenario(_two_nations())
    baseline = plan(problem)
    applied = core.apply(
        problem,
        baseline,
        [
            core.CutOffers("BBB", 0.35),
            core.DelayOffers(2, "AAA"),
            core.HubCut("H1", 0.5),
            core.AddOffer("NEW", "CCC", "A", 7, 1, "D1"),
        ],
    )
    p = applied.problem
    assert p.offer_ids == ("OA", "OB", "NEW")
    assert list(p.offer_qty) == [10, 6, 7]  # ⌊10 · 0.65⌋ = 6
    assert list(p.offer_available) == [2, 0, 1]
    assert list(p.hub_capacity_t[0]) == [5e5] * p.horizon_weeks
    assert applied.freeze_week == 0
    assert applied.pinned == ()
    assert p.offer_nation == ("AAA", "BBB", "CCC")
    assert problem.offer_qty[1] == 10  # the baseline's problem is untouched


def test_a_cut_from_a_week_keeps_what_already_left() -> None:
    problem = problem_from_scenario(_two_nations())
    baseline = plan(problem)
    gone = sum(a.quantity for a in baseline.allocations if a.offer_id == "OB" and a.depart_week < 3)
    assert gone > 0
    applied = core.apply(problem, baseline, [core.CutOffers("BBB", 1.0), core.HubCut("H1", 0.5, from_week=3)])
    assert applied.freeze_week == 3
    assert dict(zip(applied.problem.offer_ids, applied.problem.offer_qty, strict=True))["OB"] == gone
    capacity = applied.problem.hub_capacity_t[0]
    assert list(capacity[:3]) == [1e6] * 3
    assert list(capacity[3:]) == [5e5] * (applied.problem.horizon_weeks - 3)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (core.WithdrawNation("ZZZ"), "nation 'ZZZ' has no planned offers"),
        (core.CutOffers("AAA", 1.5), "the share must be in (0, 1]"),
        (core.HubCut("H9", 0.5), "'H9' is not an open hub"),
        (core.HubCut("H1", 0.5, from_week=99), "the week must be in 0 … 11"),
        (core.DelayOffers(0), "the delay must be 1 … 11 weeks"),
        (core.AddOffer("OA", "AAA", "Q", 1, 0, "D1"), "unknown item 'Q'"),
    ],
)
def test_a_change_that_does_not_fit_is_refused_by_name(change: core.Change, words: str) -> None:
    problem = problem_from_scenario(_two_nations())
    with pytest.raises(core.WhatIfInvalid, match="change 1") as error:
        core.apply(problem, plan(problem), [change])
    assert words in error.value.message
    assert error.value.status == 422


def test_withdrawing_a_nation_without_allocations_changes_nothing() -> None:
    base = _two_nations()
    idle = dataclasses.replace(
        base, offers=(*base.offers, dataclasses.replace(offer("OZ", "A", 3, 11), nation_id="ZZZ"))
    )
    problem = problem_from_scenario(idle)
    baseline = plan(problem)
    assert all(a.offer_id != "OZ" for a in baseline.allocations)
    _, _, c = _run(problem, [core.WithdrawNation("ZZZ")])
    assert c.fulfilment_after == pytest.approx(c.fulfilment_before)
    assert c.on_time_after == pytest.approx(c.on_time_before)
    assert c.newly_unmet == ()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), share=st.sampled_from([0.5, 1.0]), week=st.integers(0, 6))
def test_shrinking_a_hub_never_raises_fulfilment(seed: int, share: float, week: int) -> None:
    scenario = random_scenario(seed, tight=0.5)
    scenario = dataclasses.replace(
        scenario, settings=dataclasses.replace(scenario.settings, transport_cost_weight=0.0)
    )
    problem = problem_from_scenario(scenario)
    if problem.n_hubs == 0 or not problem.offer_ids:
        return
    baseline = plan(problem)
    applied = core.apply(problem, baseline, [core.HubCut(problem.hub_ids[0], share, week)])
    result = plan(applied.problem, PlanOptions(pinned=applied.pinned))
    # Without transport cost the objective is the weighted value; the what-if's feasible set is a subset
    # of the baseline's, so its value cannot exceed the baseline's LP bound (a true upper bound).
    assert baseline.lp_bound is not None
    assert result.objective <= baseline.lp_bound + 1e-6
    assert result.weighted_fulfilment <= baseline.weighted_fulfilment + 0.005
