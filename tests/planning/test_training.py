"""Training allocation (pure): hand-checked cases, explanations, the what-if comparison and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aidcoord.planning.training import (
    TRAINING_REASONS,
    CrewDemand,
    TrainingProblem,
    TrainingResult,
    assignment_matrix,
    compare_training,
    crew_shortfalls,
    crews_needed,
    greedy_training,
    plan_training,
    training_problem,
)
from aidcoord.scenario.model import Course, SpecialtySubstitute, TrainingNeed

DECAY = 0.1


def course(cid: str, specialty: str, seats: int, start: int, weeks: int, nation: str = "AAA") -> Course:
    return Course(cid, nation, specialty, seats, start, weeks, "DEP-A")


def need(
    nid: str, specialty: str, trainees: int, due: int, weight: float = 1.0, priority: int = 1
) -> TrainingNeed:
    return TrainingNeed(nid, specialty, trainees, priority, weight, due)


def problem(
    courses: list[Course],
    needs: list[TrainingNeed],
    subs: list[tuple[str, str]] = (),  # type: ignore[assignment]
) -> TrainingProblem:
    return training_problem(
        courses,
        needs,
        [SpecialtySubstitute(a, b) for a, b in subs],
        horizon_weeks=52,
        lateness_decay=DECAY,
    )


def placed(result: TrainingResult) -> dict[tuple[str, str], int]:
    return {(a.course_id, a.need_id): a.trainees for a in result.assignments}


def reasons(result: TrainingResult) -> dict[str, str]:
    return {u.need_id: u.reason for u in result.unmet}


def test_one_course_one_need() -> None:
    p = problem([course("C1", "gunner", 20, 2, 4)], [need("N1", "gunner", 15, 10, weight=2.0)])
    result = plan_training(p)
    assert placed(result) == {("C1", "N1"): 15}
    assert result.assignments[0].finish_week == 6
    assert result.objective == pytest.approx(30.0)
    assert result.lp_bound == pytest.approx(30.0)
    assert result.gap == pytest.approx(0.0)
    assert result.weighted_fulfilment == pytest.approx(1.0)
    assert result.on_time_fill == pytest.approx(1.0)
    assert result.unmet == ()
    assert result.status == "optimal"


def test_seats_bind_and_the_need_is_seats_full() -> None:
    p = problem([course("C1", "gunner", 10, 0, 4)], [need("N1", "gunner", 25, 8)])
    result = plan_training(p)
    assert placed(result) == {("C1", "N1"): 10}
    assert result.on_time_fill == pytest.approx(10 / 25)
    (unmet,) = result.unmet
    assert (unmet.reason, unmet.trainees_unmet, unmet.trainees_late) == ("seats_full", 15, 0)
    assert "only 10 seats for 25 trainees" in unmet.explanation


def test_a_substitute_specialty_fills_a_need_one_way() -> None:
    courses = [course("C1", "operator", 12, 0, 5)]
    needs = [need("N1", "maintainer", 8, 10), need("N2", "operator", 3, 10)]
    without = plan_training(problem(courses, needs[:1]))
    assert without.assignments == ()
    assert reasons(without) == {"N1": "no_course"}
    result = plan_training(problem(courses, needs, [("maintainer", "operator")]))
    assert placed(result) == {("C1", "N1"): 8, ("C1", "N2"): 3}
    # one way: an operator need is not filled by a maintainer course
    reverse = plan_training(
        problem(
            [course("C1", "maintainer", 5, 0, 2)],
            [need("N2", "operator", 3, 10)],
            [("maintainer", "operator")],
        )
    )
    assert reverse.assignments == ()


def test_lateness_decays_like_equipment() -> None:
    # finishes in week 4 + 3 = 7 for a need due in week 4: value 1 − 0.1 × 3 = 0.7 a trainee
    p = problem([course("C1", "medic", 10, 4, 3)], [need("N1", "medic", 10, 4, weight=5.0)])
    result = plan_training(p)
    assert placed(result) == {("C1", "N1"): 10}
    assert result.objective == pytest.approx(10 * 5.0 * 0.7)
    assert result.on_time_fill == 0.0
    (unmet,) = result.unmet
    assert (unmet.reason, unmet.trainees_unmet, unmet.trainees_late) == ("too_late", 0, 10)
    assert "finishes in week 7" in unmet.explanation


def test_a_course_ten_weeks_late_is_worth_nothing() -> None:
    p = problem([course("C1", "medic", 10, 10, 4)], [need("N1", "medic", 5, 4)])
    result = plan_training(p)
    assert result.assignments == ()
    assert result.n_columns == 0
    assert reasons(result) == {"N1": "too_late"}


def test_the_heavier_need_outranks_the_lighter() -> None:
    p = problem(
        [course("C1", "pilot", 10, 0, 3)],
        [need("HEAVY", "pilot", 10, 5, weight=8.0), need("LIGHT", "pilot", 10, 5, weight=1.0)],
    )
    result = plan_training(p)
    assert placed(result) == {("C1", "HEAVY"): 10}
    (unmet,) = result.unmet
    assert unmet.need_id == "LIGHT"
    assert unmet.reason == "outranked"
    assert "10 of them taken by other needs" in unmet.explanation
    assert "one more seat on them would add up to 1" in unmet.explanation  # the seat's dual μ = 1


def test_the_optimiser_beats_greedy_where_timing_matters() -> None:
    # Greedy gives the heavy need the soonest course and leaves the urgent light need none in time.
    p = problem(
        [course("EARLY", "crew", 10, 0, 2), course("LATER", "crew", 10, 4, 2)],
        [need("HEAVY", "crew", 10, 8, weight=3.0), need("URGENT", "crew", 10, 3, weight=2.0)],
    )
    greedy, best = greedy_training(p), plan_training(p)
    assert placed(greedy) == {("EARLY", "HEAVY"): 10, ("LATER", "URGENT"): 10}
    assert placed(best) == {("LATER", "HEAVY"): 10, ("EARLY", "URGENT"): 10}
    assert best.objective == pytest.approx(50.0)
    assert greedy.objective == pytest.approx(30 + 20 * 0.7)
    assert greedy.lp_bound is None
    assert greedy.solver == "greedy"


def test_greedy_prefers_the_exact_specialty_at_the_same_finish() -> None:
    p = problem(
        [course("A-SUB", "operator", 10, 0, 4), course("B-EXACT", "maintainer", 10, 0, 4)],
        [need("N1", "maintainer", 10, 6)],
        [("maintainer", "operator")],
    )
    assert placed(greedy_training(p)) == {("B-EXACT", "N1"): 10}


def test_what_if_a_nation_withdraws_its_courses() -> None:
    p = problem(
        [course("C-A", "crew", 10, 0, 2, nation="AAA"), course("C-B", "crew", 20, 0, 8, nation="BBB")],
        [need("N1", "crew", 10, 3, weight=2.0), need("N2", "crew", 5, 9)],
    )
    before = plan_training(p)
    after_problem = p.without_nations(["AAA"])
    after = plan_training(after_problem)
    comparison = compare_training(p, before, after_problem, after, ["AAA"])
    assert comparison.by_specialty[0].on_time_before == 15
    assert comparison.by_specialty[0].on_time_after == 5
    (short,) = comparison.newly_short
    assert short.need_id == "N1"
    assert [(c.course_id, c.seats_free) for c in short.closers] == [("C-B", 5)]


def test_crews_are_shared_by_arrival_week() -> None:
    demands = [
        CrewDemand("R1", "air-defence", "op", 5, 1, 2),
        CrewDemand("R2", "air-defence", "op", 9, 3, 2),
        CrewDemand("R3", "armour", "tank", 2, 4, 1),
    ]
    shortfalls = crew_shortfalls(demands, [("op", 4, 3), ("op", 10, 5)])
    # R1 gets 2 of the 3 trained by week 5; R2 (week 9) finds 1 left of 2; nobody trains tank crews
    assert [(s.requirement_id, s.crews_available) for s in shortfalls] == [("R3", 0), ("R2", 1)]
    assert crews_needed(3, None) == 1
    assert crews_needed(3, 2.5) == 8


# --- properties ------------------------------------------------------------------------------------

SPECIALTIES = ("a", "b", "c")


@st.composite
def problems(draw: st.DrawFn) -> TrainingProblem:
    n_courses = draw(st.integers(0, 6))
    n_needs = draw(st.integers(0, 5))
    courses = [
        course(
            f"C{k}",
            draw(st.sampled_from(SPECIALTIES)),
            draw(st.integers(1, 30)),
            draw(st.integers(0, 20)),
            draw(st.integers(1, 8)),
            nation=draw(st.sampled_from(["AAA", "BBB"])),
        )
        for k in range(n_courses)
    ]
    needs = [
        need(
            f"N{k}",
            draw(st.sampled_from(SPECIALTIES)),
            draw(st.integers(1, 40)),
            draw(st.integers(0, 25)),
            weight=draw(st.sampled_from([0.5, 1.0, 2.0, 3.5, 8.0])),
        )
        for k in range(n_needs)
    ]
    subs = draw(st.lists(st.sampled_from([("a", "b"), ("b", "c"), ("c", "a")]), unique=True, max_size=2))
    return problem(courses, needs, subs)


def _check_feasible(p: TrainingProblem, result: TrainingResult) -> None:
    x = assignment_matrix(p, result.assignments)
    assert all(a.trainees > 0 for a in result.assignments)
    assert np.all(x.sum(axis=1) <= p.course_seats)
    assert np.all(x.sum(axis=0) <= p.need_trainees)
    assert not np.any(x[~p.compatibility()]), (
        "a trainee on a course of a specialty that may not fill the need"
    )


@settings(max_examples=80, deadline=None)
@given(p=problems())
def test_plan_is_feasible_integral_at_least_greedy_and_at_the_bound(p: TrainingProblem) -> None:
    best, greedy = plan_training(p), greedy_training(p)
    _check_feasible(p, best)
    _check_feasible(p, greedy)
    assert all(isinstance(a.trainees, int) for a in best.assignments)
    assert best.status == "optimal"
    assert best.objective >= greedy.objective - 1e-9
    assert best.lp_bound is not None
    assert best.objective == pytest.approx(best.lp_bound, rel=1e-9, abs=1e-9)
    assert best.objective <= best.lp_bound + 1e-6
    for result in (best, greedy):
        assert {u.reason for u in result.unmet} <= set(TRAINING_REASONS)
        x = assignment_matrix(p, result.assignments)
        on_time = (x * (p.course_finish[:, None] <= p.need_due[None, :])).sum(axis=0)
        assert {u.need_id for u in result.unmet} == {
            p.need_ids[n] for n in range(len(p.need_ids)) if on_time[n] < p.need_trainees[n]
        }
