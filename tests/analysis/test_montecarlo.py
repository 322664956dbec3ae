"""Monte Carlo reliability of a fixed plan: the deterministic case, hand-computed losses and delays,
reproducibility whatever the workers, and bounds on random plans."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aidcoord.analysis.dependency import AnalysisInputError, allocation_arrays
from aidcoord.analysis.montecarlo import (
    Distribution,
    MonteCarloResult,
    Reliability,
    RequirementRisk,
    delay_distributions,
    delivery_probabilities,
    simulate,
)
from aidcoord.planning import Allocation, PlanningProblem, greedy_plan, plan, problem_from_scenario
from aidcoord.planning.result import evaluate
from aidcoord.scenario.generate import generate
from aidcoord.scenario.model import Offer
from tests.planning import factory


def _offer(offer_id: str, nation: str, qty: int) -> Offer:
    return Offer(offer_id, nation, "A", qty, 0, "D1", "committed")


def two_nations(*, due: int = 5, delta: float = 0.1) -> PlanningProblem:
    """AAA offers 8 A for R1 (weight 2), BBB 4 A for R2 (weight 1); both due ``due``; leads 1 + 1."""
    return problem_from_scenario(
        factory.simple(
            offers=[_offer("O1", "AAA", 8), _offer("O2", "BBB", 4)],
            requirements=[
                factory.req("R1", "A", 8, due, weight=2.0),
                factory.req("R2", "A", 4, due, weight=1.0),
            ],
            delta=delta,
        )
    )


# Both depart in week 0 and arrive in week 2.
TWO_PLAN = (Allocation("O1", "R1", "H1", 0, 1, 2, 8), Allocation("O2", "R2", "H1", 0, 1, 2, 4))


def same(a: MonteCarloResult, b: MonteCarloResult) -> bool:
    arrays = (
        "weighted_fulfilment",
        "on_time_fill",
        "p_on_time",
        "p_as_planned",
        "mean_on_time_units",
        "mean_delivered_units",
    )
    return (
        all(np.array_equal(getattr(a, f), getattr(b, f)) for f in arrays)
        and a.flagged == b.flagged
        and a.fulfilment == b.fulfilment
        and a.on_time == b.on_time
    )


def nations_spread(problem: PlanningProblem, n: int) -> PlanningProblem:
    """The same problem with its offers spread round robin over ``n`` donors N0 … N(n−1)."""
    return dataclasses.replace(
        problem, offer_nation=tuple(f"N{k % n}" for k in range(len(problem.offer_ids)))
    )


# --- the deterministic case ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("planner", [plan, greedy_plan])
def test_certain_delivery_without_delay_is_the_deterministic_plan(seed: int, planner: object) -> None:
    problem = problem_from_scenario(factory.random_scenario(seed, n_offers=14, n_requirements=10))
    result = planner(problem)  # type: ignore[operator]
    mc = simulate(problem, result, runs=25, seed=seed)
    figures = evaluate(problem, allocation_arrays(problem, result))
    # Exactly, not approximately: the same value function over the same numbers.
    assert np.all(mc.weighted_fulfilment == figures.weighted_fulfilment)
    assert np.all(mc.on_time_fill == figures.on_time_fill)
    # The planner reports its figures through evaluate() on the same merged arrays.
    assert np.all(mc.weighted_fulfilment == result.weighted_fulfilment)
    assert np.all(mc.on_time_fill == result.on_time_fill)
    assert mc.planned.weighted_fulfilment == figures.weighted_fulfilment
    assert mc.fulfilment.p5 == mc.fulfilment.p95 == figures.weighted_fulfilment
    assert np.array_equal(mc.p_on_time, (figures.on_time >= problem.req_qty).astype(float))
    assert np.all(mc.p_as_planned == 1.0)
    assert np.array_equal(mc.mean_delivered_units, figures.delivered.astype(float))
    assert np.array_equal(mc.mean_on_time_units, figures.on_time.astype(float))
    assert mc.flagged == ()


def test_certain_delivery_equals_the_plan_on_a_generated_scenario() -> None:
    problem = problem_from_scenario(generate("S", 1))
    result = plan(problem)
    mc = simulate(
        problem, result, Reliability(default_probability=1.0, default_delay_pmf=(1.0, 0.0)), runs=10
    )
    assert np.all(mc.weighted_fulfilment == mc.planned.weighted_fulfilment)
    assert np.all(mc.weighted_fulfilment == result.weighted_fulfilment)
    assert np.all(mc.on_time_fill == result.on_time_fill)


# --- hand-computed losses and delays ------------------------------------------------------------------------


def test_a_nation_that_never_delivers_gives_nothing() -> None:
    problem = two_nations()
    mc = simulate(problem, TWO_PLAN, Reliability(delivery_probability={"BBB": 0.0}), runs=50)
    # Σ w·q = 2·8 + 1·4 = 20; only R1 arrives: 16 / 20.
    assert mc.planned.weighted_fulfilment == 1.0
    assert mc.weighted_fulfilment == pytest.approx(np.full(50, 0.8))
    assert mc.on_time_fill == pytest.approx(np.full(50, 8 / 12))
    assert mc.p_on_time.tolist() == [1.0, 0.0]
    assert mc.p_as_planned.tolist() == [1.0, 0.0]
    assert mc.mean_delivered_units.tolist() == [8.0, 0.0]
    assert mc.mean_on_time_units.tolist() == [8.0, 0.0]
    assert mc.flagged == (
        RequirementRisk(
            requirement_id="R2",
            priority=1,
            weight=1.0,
            quantity=4,
            planned_on_time=4,
            p_as_planned=0.0,
            p_on_time=0.0,
            mean_on_time_units=0.0,
        ),
    )


def test_an_offers_own_probability_overrides_its_nations() -> None:
    problem = two_nations()
    reliability = Reliability(delivery_probability={"AAA": 0.0, "BBB": 0.0}, offer_probability={"O2": 1.0})
    mc = simulate(problem, TWO_PLAN, reliability, runs=20)
    assert mc.mean_delivered_units.tolist() == [0.0, 4.0]
    assert mc.weighted_fulfilment == pytest.approx(np.full(20, 4 / 20))
    assert [f.requirement_id for f in mc.flagged] == ["R1"]


def test_the_default_probability_applies_to_nations_without_one() -> None:
    mc = simulate(two_nations(), TWO_PLAN, Reliability(default_probability=0.0), runs=5)
    assert np.all(mc.weighted_fulfilment == 0.0)
    # Flagged by probability, then by weight: R1 (weight 2) before R2.
    assert [f.requirement_id for f in mc.flagged] == ["R1", "R2"]


def test_no_flags_below_a_zero_threshold() -> None:
    mc = simulate(two_nations(), TWO_PLAN, Reliability(default_probability=0.0), runs=5, threshold=0.0)
    assert mc.flagged == ()


@pytest.mark.parametrize(
    ("delta", "pmf", "expected"),
    [
        (0.1, (0.0, 1.0), 0.9),  # one week late: 1 − 0.1
        (0.25, (0.0, 0.0, 1.0), 0.5),  # two weeks late: 1 − 2 · 0.25
        (0.1, (0.0,) * 11 + (1.0,), 0.0),  # eleven weeks late (after the horizon too): nothing left
    ],
)
def test_a_certain_delay_decays_the_value(delta: float, pmf: tuple[float, ...], expected: float) -> None:
    # Due in week 2, arriving in week 2 as planned: any delay makes it late.
    problem = two_nations(due=2, delta=delta)
    mc = simulate(problem, TWO_PLAN, Reliability(default_delay_pmf=pmf), runs=30)
    assert mc.planned.weighted_fulfilment == 1.0
    assert mc.weighted_fulfilment == pytest.approx(np.full(30, expected))
    assert np.all(mc.on_time_fill == 0.0)
    assert mc.p_on_time.tolist() == [0.0, 0.0]
    assert mc.mean_delivered_units.tolist() == [8.0, 4.0]
    assert {f.requirement_id for f in mc.flagged} == {"R1", "R2"}


def test_a_delay_within_the_slack_costs_nothing() -> None:
    # Due in week 5, arriving in week 2: three weeks of slack.
    mc = simulate(two_nations(due=5), TWO_PLAN, Reliability(default_delay_pmf=(0, 0, 0, 1)), runs=10)
    assert np.all(mc.weighted_fulfilment == 1.0)
    assert mc.flagged == ()


def test_delays_per_nation() -> None:
    problem = two_nations(due=2)
    mc = simulate(problem, TWO_PLAN, Reliability(delay_pmf={"AAA": (0.0, 1.0)}), runs=10)
    # R1 one week late (0.9 · 16), R2 on time (4): 18.4 / 20.
    assert mc.weighted_fulfilment == pytest.approx(np.full(10, 0.92))
    assert mc.on_time_fill == pytest.approx(np.full(10, 4 / 12))
    assert mc.p_on_time.tolist() == [0.0, 1.0]


def test_losses_and_delays_together() -> None:
    problem = two_nations(due=2)
    reliability = Reliability(delivery_probability={"BBB": 0.0}, delay_pmf={"AAA": (0.0, 0.0, 1.0)})
    mc = simulate(problem, TWO_PLAN, reliability, runs=10)
    # R1 two weeks late (0.8 · 16), R2 lost: 12.8 / 20.
    assert mc.weighted_fulfilment == pytest.approx(np.full(10, 0.64))


def test_all_allocations_of_an_offer_fail_together() -> None:
    problem = problem_from_scenario(
        factory.simple(
            offers=[_offer("O1", "AAA", 10)],
            requirements=[factory.req("R1", "A", 5, 5), factory.req("R2", "A", 5, 5)],
        )
    )
    split = (Allocation("O1", "R1", "H1", 0, 1, 2, 5), Allocation("O1", "R2", "H1", 1, 2, 3, 5))
    mc = simulate(problem, split, Reliability(default_probability=0.5), runs=400, seed=7)
    # Each run delivers the whole offer or nothing.
    assert set(np.unique(mc.weighted_fulfilment).tolist()) == {0.0, 1.0}
    assert mc.p_on_time[0] == mc.p_on_time[1]
    # 400 Bernoulli(0.5) runs: the mean is within 4 standard deviations (0.025 each) of 0.5.
    assert 0.4 < mc.fulfilment.mean < 0.6


def test_delivery_and_delay_frequencies_follow_the_probabilities() -> None:
    problem = two_nations(due=2)
    reliability = Reliability(delivery_probability={"AAA": 0.7, "BBB": 1.0}, delay_pmf={"BBB": (0.25, 0.75)})
    mc = simulate(problem, TWO_PLAN, reliability, runs=2000, seed=11)
    # Standard deviations about 0.010; 4 of them either side.
    assert mc.p_on_time[0] == pytest.approx(0.7, abs=0.041)
    assert mc.p_on_time[1] == pytest.approx(0.25, abs=0.039)
    assert mc.mean_delivered_units[1] == 4.0
    assert 0.0 < mc.fulfilment.p5 < mc.fulfilment.p50 <= mc.fulfilment.p95 <= 1.0


def test_an_empty_plan_delivers_nothing() -> None:
    mc = simulate(
        two_nations(), (), Reliability(default_probability=0.5, default_delay_pmf=(0.5, 0.5)), runs=5
    )
    assert np.all(mc.weighted_fulfilment == 0.0)
    assert mc.planned.weighted_fulfilment == 0.0
    assert mc.flagged == ()
    assert mc.p_as_planned.tolist() == [1.0, 1.0]


# --- reproducibility ---------------------------------------------------------------------------------------


RANDOM = Reliability(
    default_probability=0.8, delivery_probability={"N0": 0.5}, default_delay_pmf=(0.6, 0.3, 0.1)
)


@pytest.fixture(scope="module")
def generated() -> tuple[PlanningProblem, tuple[Allocation, ...]]:
    problem = problem_from_scenario(generate("S", 1))
    return problem, plan(problem).allocations


def test_the_same_seed_gives_the_same_result(
    generated: tuple[PlanningProblem, tuple[Allocation, ...]],
) -> None:
    problem, allocations = generated
    a = simulate(problem, allocations, RANDOM, runs=60, seed=5)
    b = simulate(problem, allocations, RANDOM, runs=60, seed=5)
    c = simulate(problem, allocations, RANDOM, runs=60, seed=6)
    assert same(a, b)
    assert not np.array_equal(a.weighted_fulfilment, c.weighted_fulfilment)
    assert a.seed == 5


def test_without_a_seed_the_entropy_is_kept(
    generated: tuple[PlanningProblem, tuple[Allocation, ...]],
) -> None:
    problem, allocations = generated
    a = simulate(problem, allocations, RANDOM, runs=20, seed=None)
    assert same(a, simulate(problem, allocations, RANDOM, runs=20, seed=a.seed))


def test_a_run_does_not_depend_on_how_many_are_made(
    generated: tuple[PlanningProblem, tuple[Allocation, ...]],
) -> None:
    problem, allocations = generated
    a = simulate(problem, allocations, RANDOM, runs=30, seed=3, chunk_runs=50)
    b = simulate(problem, allocations, RANDOM, runs=30, seed=3, chunk_runs=7)
    assert same(a, b)


def test_one_or_two_workers_give_the_same_result(
    generated: tuple[PlanningProblem, tuple[Allocation, ...]],
) -> None:
    problem, allocations = generated
    seen: list[tuple[str, float]] = []
    one = simulate(problem, allocations, RANDOM, runs=90, seed=9, workers=1)
    two = simulate(
        problem,
        allocations,
        RANDOM,
        runs=90,
        seed=9,
        workers=2,
        chunk_runs=20,
        progress=lambda message, fraction: seen.append((message, fraction)),
    )
    assert same(one, two)
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions)
    assert len(seen) == 5 + 1  # five chunks of at most 20 runs, then done
    assert seen[-1] == ("done", 1.0)


def test_progress_reports_each_chunk() -> None:
    seen: list[tuple[str, float]] = []
    simulate(two_nations(), TWO_PLAN, runs=120, chunk_runs=50, progress=lambda m, f: seen.append((m, f)))
    assert seen == [
        ("Monte Carlo: 50/120 runs", 50 / 120),
        ("Monte Carlo: 100/120 runs", 100 / 120),
        ("Monte Carlo: 120/120 runs", 1.0),
        ("done", 1.0),
    ]


# --- bounds on random plans ------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    n_nations=st.integers(1, 3),
    probability=st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3),
    delay=st.sampled_from([(1.0,), (0.5, 0.5), (0.2, 0.3, 0.5), (0.0, 0.0, 0.0, 1.0)]),
)
def test_losses_and_delays_never_add_value(
    seed: int, n_nations: int, probability: list[float], delay: tuple[float, ...]
) -> None:
    problem = nations_spread(problem_from_scenario(factory.random_scenario(seed)), n_nations)
    result = greedy_plan(problem)
    reliability = Reliability(
        delivery_probability={f"N{k}": p for k, p in enumerate(probability)}, default_delay_pmf=delay
    )
    mc = simulate(problem, result, reliability, runs=20, seed=seed)
    planned = mc.planned
    assert np.all(mc.weighted_fulfilment >= 0.0)
    assert np.all(mc.weighted_fulfilment <= planned.weighted_fulfilment + 1e-12)
    assert np.all(mc.on_time_fill <= planned.on_time_fill + 1e-12)
    assert np.all(mc.mean_delivered_units <= planned.delivered)
    assert np.all(mc.mean_on_time_units <= planned.on_time)
    assert np.all((mc.p_on_time >= 0) & (mc.p_on_time <= mc.p_as_planned) & (mc.p_as_planned <= 1))
    assert all(f.p_as_planned < mc.threshold and f.planned_on_time > 0 for f in mc.flagged)
    if all(p == 1.0 for p in probability) and delay == (1.0,):
        assert np.all(mc.weighted_fulfilment == planned.weighted_fulfilment)


# --- records and validation ------------------------------------------------------------------------------


def test_delivery_probabilities_from_a_record() -> None:
    nation = ["AAA", "AAA", "BBB", "CCC"]
    committed = [10, 5, 0, 4]
    delivered = [8, 7, 0, 0]
    # AAA: (8 + min(7, 5)) / 15; BBB: no committed units, the prior; CCC: 0 / 4.
    assert delivery_probabilities(nation, committed, delivered) == pytest.approx(
        {"AAA": 13 / 15, "BBB": 1.0, "CCC": 0.0}
    )
    # A Beta prior of 5 pseudo-units at 0.5.
    assert delivery_probabilities(
        nation, committed, delivered, prior_probability=0.5, prior_weight=5.0
    ) == pytest.approx({"AAA": (13 + 2.5) / 20, "BBB": 0.5, "CCC": 2.5 / 9})
    assert delivery_probabilities([], [], []) == {}


def test_delivery_probabilities_refuse_bad_records() -> None:
    with pytest.raises(AnalysisInputError):
        delivery_probabilities(["AAA"], [1, 2], [1, 2])
    with pytest.raises(AnalysisInputError):
        delivery_probabilities(["AAA"], [-1], [0])
    with pytest.raises(AnalysisInputError):
        delivery_probabilities(["AAA"], [1], [1], prior_probability=1.5)
    with pytest.raises(AnalysisInputError):
        delivery_probabilities(["AAA"], [1], [1], prior_weight=-1.0)


def test_delay_distributions_from_a_record() -> None:
    nation = ["AAA", "AAA", "AAA", "BBB", "BBB"]
    delays = [0, 2, -1, 5, 1]
    assert delay_distributions(nation, delays) == {"AAA": (2 / 3, 0.0, 1 / 3), "BBB": (0, 0.5, 0, 0, 0, 0.5)}
    assert delay_distributions(nation, delays, max_weeks=2) == {
        "AAA": (2 / 3, 0.0, 1 / 3),
        "BBB": (0, 0.5, 0.5),
    }
    weighted = delay_distributions(nation, delays, units=[1, 2, 1, 3, 1])
    assert weighted["AAA"] == pytest.approx((0.5, 0.0, 0.5))
    assert weighted["BBB"] == pytest.approx((0, 0.25, 0, 0, 0, 0.75))
    with pytest.raises(AnalysisInputError):
        delay_distributions(["AAA"], [1, 2])


def test_a_record_feeds_the_simulation() -> None:
    probability = delivery_probabilities(["AAA", "BBB"], [10, 10], [10, 0])
    delays = delay_distributions(["AAA"], [1])
    mc = simulate(two_nations(due=2), TWO_PLAN, Reliability(probability, delay_pmf=delays), runs=5)
    assert mc.weighted_fulfilment == pytest.approx(np.full(5, 0.9 * 16 / 20))


@pytest.mark.parametrize(
    ("reliability", "kwargs"),
    [
        (Reliability(delivery_probability={"AAA": 1.2}), {}),
        (Reliability(offer_probability={"O1": -0.1}), {}),
        (Reliability(default_probability=float("nan")), {}),
        (Reliability(default_delay_pmf=(0.5, 0.4)), {}),
        (Reliability(delay_pmf={"AAA": (-0.5, 1.5)}), {}),
        (Reliability(default_delay_pmf=()), {}),
        (Reliability(), {"runs": 0}),
        (Reliability(), {"workers": 0}),
        (Reliability(), {"chunk_runs": 0}),
        (Reliability(), {"threshold": 2.0}),
        (Reliability(), {"seed": -1}),
    ],
)
def test_bad_inputs_are_refused(reliability: Reliability, kwargs: dict[str, int | float]) -> None:
    with pytest.raises(AnalysisInputError):
        simulate(two_nations(), TWO_PLAN, reliability, **kwargs)  # type: ignore[arg-type]


def test_distribution_summary() -> None:
    d = Distribution.of([4.0, 0.0, 2.0, 1.0, 3.0])
    assert (d.mean, d.p50, d.minimum, d.maximum) == (2.0, 2.0, 0.0, 4.0)
    assert d.p5 == pytest.approx(0.2)
    assert d.p95 == pytest.approx(3.8)
    assert d.std == pytest.approx(np.sqrt(2.0))
