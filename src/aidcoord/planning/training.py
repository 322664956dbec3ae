"""Training coordination: trainees of the recipient's training needs allocated to courses nations offer.

The model
---------
A *course* ``c`` (offered by a nation) trains up to ``seats_c`` trainees of one specialty; it starts in
week ``start_c``, lasts ``duration_c`` weeks and its trainees are trained from its *finish week*
``f_c = start_c + duration_c``. A *training need* ``n`` asks for ``q_n`` trainees of a specialty by its
due week ``d_n``, with a weight ``w_n > 0`` per trainee (and a priority class, reported only). A course
may fill a need when its specialty is the need's, or a substitute listed for it (one for one, one way:
``specialty_substitutes.csv`` lists ``(specialty, substitute_specialty)``).

With ``x_{c,n} ≥ 0`` trainees of need ``n`` on course ``c`` (only compatible pairs whose value is
positive get a column), the plan solves

.. math::

    \\max \\sum_{c,n} w_n \\, v(f_c, d_n) \\, x_{c,n} \\quad \\text{s.t.} \\quad
    \\sum_n x_{c,n} ≤ \\text{seats}_c \\;(μ_c), \\qquad \\sum_c x_{c,n} ≤ q_n \\;(ν_n),

with ``v(f, d) = 1`` if ``f ≤ d`` else ``max(0, 1 − δ (f − d))`` — the equipment planner's lateness
value (:func:`aidcoord.planning.problem.lateness_value`) with the scenario's ``lateness_decay_per_week``
``δ``. Unlike an equipment arrival, a course may finish after the horizon (its trainees then count at
their decayed value): the horizon bounds hub weeks, which training does not use.

This is a transportation problem: its constraint matrix is the incidence matrix of a bipartite graph
(courses × needs), totally unimodular, and the bounds are integers, so every vertex of the polytope is
integral. HiGHS's simplex returns a vertex, hence the LP optimum *is* an optimal integral plan and the
LP bound equals its objective (gap 0). The solution is still checked (every value within ``1e-6`` of an
integer) and rounded; should that ever fail (an interior solution), it is rounded down and topped up
greedily, and the gap says what that cost.

Reported figures (as for equipment): ``objective = Σ x w v``; ``weighted_fulfilment = objective /
Σ_n w_n q_n``; ``on_time_fill`` = trainees finishing by their need's due week / ``Σ_n q_n``;
``gap = 1 − objective / lp_bound``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from aidcoord.planning.problem import BoolArray, FloatArray, IntArray, lateness_value
from aidcoord.scenario.model import Course, Scenario, SpecialtySubstitute, TrainingNeed

Progress = Callable[[str, float], None]

TRAINING_REASONS: tuple[str, ...] = ("no_course", "too_late", "seats_full", "outranked")
"""Why a training need is not met on time (see :func:`explain_training`)."""

_INTEGRAL_TOLERANCE = 1e-6


@dataclass(frozen=True, eq=False)
class TrainingProblem:
    """Courses, training needs and specialty substitutes as arrays, indexed by position.

    Attributes
    ----------
    horizon_weeks
        ``T`` (reported; courses may finish after it).
    lateness_decay
        ``δ`` in ``v(f, d) = max(0, 1 − δ · (f − d))`` for ``f > d``.
    specialty_ids
        Every specialty named by a course, a need or a substitute pair, sorted.
    specialty_substitutes
        Per specialty ``s``, the indices of the specialties whose courses may fill a need for ``s``
        (``s`` itself excluded).
    course_*
        Courses: id, offering nation, specialty index, seats, start week and finish week
        ``start + duration``.
    need_*
        Training needs: id, specialty index, trainees, weight per trainee, due week, priority class.
    """

    horizon_weeks: int
    lateness_decay: float
    specialty_ids: tuple[str, ...]
    specialty_substitutes: tuple[tuple[int, ...], ...]
    course_ids: tuple[str, ...]
    course_nation: tuple[str, ...]
    course_specialty: IntArray
    course_seats: IntArray
    course_start: IntArray
    course_finish: IntArray
    need_ids: tuple[str, ...]
    need_specialty: IntArray
    need_trainees: IntArray
    need_weight: FloatArray
    need_due: IntArray
    need_priority: IntArray

    def compatible(self, specialty: int) -> tuple[int, ...]:
        """Specialties whose courses may fill a need for ``specialty``: itself first, then substitutes."""
        return (specialty, *self.specialty_substitutes[specialty])

    def compatibility(self) -> BoolArray:
        """(courses × needs) whether course ``c`` may train trainees for need ``n``."""
        n_spec = len(self.specialty_ids)
        allowed = np.eye(n_spec, dtype=np.bool_)
        for s, subs in enumerate(self.specialty_substitutes):
            for t in subs:
                allowed[t, s] = True  # a course of t may fill a need for s
        if n_spec == 0:
            return np.zeros((len(self.course_ids), len(self.need_ids)), dtype=np.bool_)
        return np.asarray(allowed[self.course_specialty][:, self.need_specialty], dtype=np.bool_)

    def values(self) -> FloatArray:
        """(courses × needs) ``w_n · v(f_c, d_n)``, 0 where the course may not fill the need."""
        v = lateness_value(self.course_finish[:, None], self.need_due[None, :], self.lateness_decay)
        return np.where(self.compatibility(), self.need_weight[None, :] * v, 0.0)

    def without_nations(self, nations: Iterable[str]) -> TrainingProblem:
        """The same problem without the courses of ``nations`` (a what-if: they withdraw their courses)."""
        gone = set(nations)
        keep = np.array([n not in gone for n in self.course_nation], dtype=np.bool_)
        index = np.flatnonzero(keep)
        return TrainingProblem(
            horizon_weeks=self.horizon_weeks,
            lateness_decay=self.lateness_decay,
            specialty_ids=self.specialty_ids,
            specialty_substitutes=self.specialty_substitutes,
            course_ids=tuple(self.course_ids[int(i)] for i in index),
            course_nation=tuple(self.course_nation[int(i)] for i in index),
            course_specialty=self.course_specialty[keep],
            course_seats=self.course_seats[keep],
            course_start=self.course_start[keep],
            course_finish=self.course_finish[keep],
            need_ids=self.need_ids,
            need_specialty=self.need_specialty,
            need_trainees=self.need_trainees,
            need_weight=self.need_weight,
            need_due=self.need_due,
            need_priority=self.need_priority,
        )


def training_problem(
    courses: Sequence[Course],
    needs: Sequence[TrainingNeed],
    substitutes: Sequence[SpecialtySubstitute],
    *,
    horizon_weeks: int,
    lateness_decay: float,
) -> TrainingProblem:
    """Build a :class:`TrainingProblem` (courses and needs sorted by id)."""
    courses = sorted(courses, key=lambda c: c.course_id)
    needs = sorted(needs, key=lambda n: n.need_id)
    names = sorted(
        {c.specialty for c in courses}
        | {n.specialty for n in needs}
        | {s.specialty for s in substitutes}
        | {s.substitute_specialty for s in substitutes}
    )
    index = {name: k for k, name in enumerate(names)}
    subs: list[set[int]] = [set() for _ in names]
    for pair in substitutes:
        if pair.specialty != pair.substitute_specialty:
            subs[index[pair.specialty]].add(index[pair.substitute_specialty])

    def ints(values: Iterable[int]) -> IntArray:
        return np.fromiter(values, dtype=np.int64)

    return TrainingProblem(
        horizon_weeks=int(horizon_weeks),
        lateness_decay=float(lateness_decay),
        specialty_ids=tuple(names),
        specialty_substitutes=tuple(tuple(sorted(s)) for s in subs),
        course_ids=tuple(c.course_id for c in courses),
        course_nation=tuple(c.nation_id for c in courses),
        course_specialty=ints(index[c.specialty] for c in courses),
        course_seats=ints(int(c.seats) for c in courses),
        course_start=ints(int(c.start_week) for c in courses),
        course_finish=ints(int(c.start_week) + int(c.duration_weeks) for c in courses),
        need_ids=tuple(n.need_id for n in needs),
        need_specialty=ints(index[n.specialty] for n in needs),
        need_trainees=ints(int(n.trainees) for n in needs),
        need_weight=np.array([float(n.weight) for n in needs], dtype=np.float64),
        need_due=ints(int(n.due_week) for n in needs),
        need_priority=ints(int(n.priority) for n in needs),
    )


def training_problem_from_scenario(scenario: Scenario) -> TrainingProblem:
    """The :class:`TrainingProblem` of a scenario's courses, training needs and specialty substitutes."""
    return training_problem(
        scenario.courses,
        scenario.training_needs,
        scenario.specialty_substitutes,
        horizon_weeks=scenario.settings.horizon_weeks,
        lateness_decay=scenario.settings.lateness_decay_per_week,
    )


@dataclass(frozen=True, slots=True)
class TrainingAssignment:
    """``trainees`` of a training need on a course that finishes in ``finish_week``."""

    course_id: str
    need_id: str
    trainees: int
    finish_week: int


@dataclass(frozen=True, slots=True)
class TrainingUnmet:
    """A training need not met on time: trainees never trained, trained late, and why."""

    need_id: str
    trainees_unmet: int
    trainees_late: int
    reason: str
    explanation: str


@dataclass(frozen=True)
class TrainingResult:
    """A training plan: integral assignments, needs not met on time with reasons, and the figures."""

    assignments: tuple[TrainingAssignment, ...]
    unmet: tuple[TrainingUnmet, ...]
    objective: float
    lp_bound: float | None
    gap: float | None
    weighted_fulfilment: float
    on_time_fill: float
    build_seconds: float
    solve_seconds: float
    solver: str
    status: str
    n_columns: int = 0
    n_rows: int = 0


@dataclass(frozen=True, slots=True)
class TrainingOptions:
    """How to plan training: the solver's time limit and whether to explain unmet needs."""

    time_limit_s: float = 60.0
    explain: bool = True


@dataclass(frozen=True, slots=True)
class TrainingFigures:
    """Objective, weighted fulfilment, on-time fill, and per need trained and on-time trainees."""

    objective: float
    weighted_fulfilment: float
    on_time_fill: float
    trained: IntArray
    on_time: IntArray


def evaluate_training(problem: TrainingProblem, x: IntArray) -> TrainingFigures:
    """The reported figures of an integral (courses × needs) assignment matrix ``x``."""
    value = problem.values()
    objective = float(np.sum(x * value))
    on_time_mask = problem.course_finish[:, None] <= problem.need_due[None, :]
    trained = x.sum(axis=0).astype(np.int64) if x.size else np.zeros(len(problem.need_ids), np.int64)
    on_time = (
        (x * on_time_mask).sum(axis=0).astype(np.int64)
        if x.size
        else np.zeros(len(problem.need_ids), np.int64)
    )
    total_weight = float(np.sum(problem.need_weight * problem.need_trainees))
    total = int(problem.need_trainees.sum())
    return TrainingFigures(
        objective=objective,
        weighted_fulfilment=objective / total_weight if total_weight > 0 else 1.0,
        on_time_fill=float(on_time.sum()) / total if total > 0 else 1.0,
        trained=trained,
        on_time=on_time,
    )


def _greedy_matrix(problem: TrainingProblem, x0: IntArray | None = None) -> IntArray:
    """The greedy's assignments (on top of ``x0``, whose seats and trainees are taken out first)."""
    n_c, n_n = len(problem.course_ids), len(problem.need_ids)
    x = np.zeros((n_c, n_n), dtype=np.int64) if x0 is None else x0.copy()
    seats = problem.course_seats - x.sum(axis=1)
    left_n = problem.need_trainees - x.sum(axis=0)
    value = problem.values()
    order = sorted(
        range(n_n),
        key=lambda n: (-float(problem.need_weight[n]), int(problem.need_due[n]), problem.need_ids[n]),
    )
    for n in order:
        exact = problem.course_specialty == problem.need_specialty[n]
        candidates = [c for c in range(n_c) if value[c, n] > 0]
        candidates.sort(key=lambda c: (int(problem.course_finish[c]), not exact[c], problem.course_ids[c]))
        for c in candidates:
            if left_n[n] <= 0:
                break
            take = int(min(seats[c], left_n[n]))
            if take > 0:
                x[c, n] += take
                seats[c] -= take
                left_n[n] -= take
    return x


def _result(
    problem: TrainingProblem,
    x: IntArray,
    *,
    lp_bound: float | None,
    seat_duals: FloatArray | None,
    build_seconds: float,
    solve_seconds: float,
    solver: str,
    status: str,
    explain: bool,
    n_columns: int = 0,
    n_rows: int = 0,
) -> TrainingResult:
    figures = evaluate_training(problem, x)
    gap: float | None = None
    if lp_bound is not None:
        gap = max(0.0, 1.0 - figures.objective / lp_bound) if lp_bound > 1e-12 else 0.0
    assignments = tuple(
        TrainingAssignment(
            problem.course_ids[c], problem.need_ids[n], int(x[c, n]), int(problem.course_finish[c])
        )
        for c, n in zip(*np.nonzero(x > 0), strict=True)
    )
    assignments = tuple(sorted(assignments, key=lambda a: (a.course_id, a.need_id)))
    return TrainingResult(
        assignments=assignments,
        unmet=explain_training(problem, x, seat_duals) if explain else (),
        objective=figures.objective,
        lp_bound=lp_bound,
        gap=gap,
        weighted_fulfilment=figures.weighted_fulfilment,
        on_time_fill=figures.on_time_fill,
        build_seconds=build_seconds,
        solve_seconds=solve_seconds,
        solver=solver,
        status=status,
        n_columns=n_columns,
        n_rows=n_rows,
    )


def greedy_training(problem: TrainingProblem, *, explain: bool = True) -> TrainingResult:
    """Plan training as a coordinator would by hand (the baseline the optimiser is compared with).

    Needs are taken by weight (high first), then due week (early first), then id. Each takes seats on
    the courses that may fill it with a positive value, the soonest finish first (earlier means on
    time, or less late), the need's own specialty before a substitute at the same finish, then course
    id; as many seats as are left, until the need is met or no such course has a free seat.

    Returns
    -------
    TrainingResult
        ``lp_bound`` and ``gap`` are ``None``.
    """
    started = time.perf_counter()
    x = _greedy_matrix(problem)
    solved = time.perf_counter() - started
    return _result(
        problem,
        x,
        lp_bound=None,
        seat_duals=None,
        build_seconds=0.0,
        solve_seconds=solved,
        solver="greedy",
        status="feasible",
        explain=explain,
    )


def plan_training(
    problem: TrainingProblem, options: TrainingOptions | None = None, progress: Progress | None = None
) -> TrainingResult:
    """Solve the training model of the module docstring exactly with HiGHS.

    The LP is built from arrays: one column per compatible (course, need) pair with a positive value,
    a seat row per course and a trainee row per need (a CSC matrix with two entries per column, passed
    to HiGHS as one :class:`highspy.HighsLp`).

    Returns
    -------
    TrainingResult
        Integral assignments; ``lp_bound`` is the LP optimum (equal to the objective at a vertex).
    """
    options = options or TrainingOptions()
    started = time.perf_counter()
    if progress is not None:
        progress("building", 0.0)
    n_c, n_n = len(problem.course_ids), len(problem.need_ids)
    value = problem.values()
    cols_c, cols_n = np.nonzero(value > 1e-12)
    k = int(cols_c.size)
    n_rows = n_c + n_n
    if k == 0:
        return _result(
            problem,
            np.zeros((n_c, n_n), dtype=np.int64),
            lp_bound=0.0,
            seat_duals=np.zeros(n_c),
            build_seconds=time.perf_counter() - started,
            solve_seconds=0.0,
            solver=f"highs {_highs_version()}",
            status="optimal",
            explain=options.explain,
            n_rows=n_rows,
        )
    rows = np.stack([cols_c, n_c + cols_n], axis=1).ravel()
    matrix = sp.csc_matrix(
        (np.ones(2 * k), rows, np.arange(0, 2 * k + 1, 2, dtype=np.int64)), shape=(n_rows, k)
    )
    lp = highspy.HighsLp()
    lp.num_col_ = k
    lp.num_row_ = n_rows
    lp.col_cost_ = -value[cols_c, cols_n]  # HiGHS minimises
    lp.col_lower_ = np.zeros(k)
    lp.col_upper_ = np.full(k, highspy.kHighsInf)
    lp.row_lower_ = np.full(n_rows, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate([problem.course_seats, problem.need_trainees]).astype(np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("solver", "simplex")  # a vertex: integral for a transportation problem
    highs.setOptionValue("time_limit", float(max(options.time_limit_s, 0.1)))
    highs.passModel(lp)
    build_seconds = time.perf_counter() - started
    if progress is not None:
        progress("solving", 0.3)
    solve_started = time.perf_counter()
    highs.run()
    status = str(highs.modelStatusToString(highs.getModelStatus()))
    solution = highs.getSolution()
    xs = np.asarray(solution.col_value, dtype=np.float64)
    duals = -np.asarray(solution.row_dual, dtype=np.float64)
    solve_seconds = time.perf_counter() - solve_started
    optimal = status == "Optimal" and xs.size == k
    if xs.size != k:
        xs = np.zeros(k)
    if duals.size != n_rows:
        duals = np.zeros(n_rows)
    lp_value = float(np.dot(value[cols_c, cols_n], xs))
    x = np.zeros((n_c, n_n), dtype=np.int64)
    rounded = np.rint(xs)
    if optimal and np.all(np.abs(xs - rounded) <= _INTEGRAL_TOLERANCE):
        np.add.at(x, (cols_c, cols_n), rounded.astype(np.int64))
    else:
        # Not a vertex (or stopped early): keep the whole trainees, then fill what is left greedily.
        np.add.at(x, (cols_c, cols_n), np.floor(np.maximum(xs, 0.0) + _INTEGRAL_TOLERANCE).astype(np.int64))
        x = _repair(problem, x)
        x = _greedy_matrix(problem, x)
    if progress is not None:
        progress("explaining", 0.8)
    result = _result(
        problem,
        x,
        lp_bound=lp_value if optimal else None,
        seat_duals=np.maximum(duals[:n_c], 0.0),
        build_seconds=build_seconds,
        solve_seconds=solve_seconds,
        solver=f"highs {_highs_version()}",
        status="optimal" if optimal else status.lower().replace(" ", "_"),
        explain=options.explain,
        n_columns=k,
        n_rows=n_rows,
    )
    if progress is not None:
        progress("done", 1.0)
    return result


def _repair(problem: TrainingProblem, x: IntArray) -> IntArray:
    """Bring any seat or trainee row over its bound back (least valuable trainees first); defensive."""
    x = x.copy()
    value = problem.values()
    for c in np.flatnonzero(x.sum(axis=1) > problem.course_seats).tolist():
        over = int(x[c].sum() - problem.course_seats[c])
        for n in np.argsort(value[c]).tolist():
            cut = min(over, int(x[c, n]))
            x[c, n] -= cut
            over -= cut
    for n in np.flatnonzero(x.sum(axis=0) > problem.need_trainees).tolist():
        over = int(x[:, n].sum() - problem.need_trainees[n])
        for c in np.argsort(value[:, n]).tolist():
            cut = min(over, int(x[c, n]))
            x[c, n] -= cut
            over -= cut
    return x


def _highs_version() -> str:
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    return str(highs.version())


def _people(n: int) -> str:
    return f"{n} trainee" if n == 1 else f"{n} trainees"


def _have(n: int) -> str:
    return "has" if n == 1 else "have"


def _courses(n: int) -> str:
    return f"the {n} compatible course" if n == 1 else f"the {n} compatible courses"


def explain_training(
    problem: TrainingProblem, x: IntArray, seat_duals: FloatArray | None = None
) -> tuple[TrainingUnmet, ...]:
    """Why each training need is not met on time: one reason and one sentence with the numbers.

    For a need ``n`` (specialty ``s``, ``q`` trainees, due week ``d``) with fewer than ``q`` trainees on
    courses finishing by ``d``, let the *compatible courses* be those of ``s`` or of a listed substitute,
    ``S_d`` the seats of those finishing by ``d`` (``f_c ≤ d``), and ``U_d`` how many of those seats the
    plan leaves free. The first rule that holds gives the reason:

    1. ``no_course`` — no compatible course at all;
    2. ``too_late`` — none of them finishes by ``d`` (the sentence names the earliest finish);
    3. ``seats_full`` — ``S_d < q``: even every on-time seat would not be enough, and they are all used;
    4. ``outranked`` — otherwise: ``S_d ≥ q`` on-time seats exist but (as the seat rows' slack shows)
       they are taken, partly by other needs whose weight made them worth more; from the LP, the
       sentence gives the highest marginal value of such a seat (its dual ``μ_c``) against this need's
       weight. An on-time seat left free (``U_d > 0``; an optimal plan never does that) is named too.

    Returns
    -------
    tuple of TrainingUnmet
        Sorted by need id.
    """
    n_c = len(problem.course_ids)
    figures = (
        evaluate_training(problem, x)
        if x.size
        else evaluate_training(problem, np.zeros((n_c, len(problem.need_ids)), dtype=np.int64))
    )
    compat = problem.compatibility()
    used = x.sum(axis=1) if x.size else np.zeros(n_c, dtype=np.int64)
    rows: list[TrainingUnmet] = []
    for n in np.flatnonzero(figures.on_time < problem.need_trainees).tolist():
        q, due = (
            int(problem.need_trainees[n]),
            int(problem.need_due[n]),
        )
        trained, on_time = int(figures.trained[n]), int(figures.on_time[n])
        unmet, late = q - trained, trained - on_time
        spec = problem.specialty_ids[int(problem.need_specialty[n])]
        courses = np.flatnonzero(compat[:, n])
        finish = problem.course_finish[courses]
        in_time = courses[finish <= due]
        seats_d = int(problem.course_seats[in_time].sum())
        free_d = int((problem.course_seats[in_time] - used[in_time]).sum())
        others = int(used[in_time].sum() - (x[in_time, n].sum() if x.size else 0))
        subs = problem.specialty_substitutes[int(problem.need_specialty[n])]
        also = " or " + ", ".join(problem.specialty_ids[t] for t in subs) if subs else ""
        head = (
            f"Training need {problem.need_ids[n]} ({q} × {spec}, due week {due}): "
            f"{_people(on_time)} trained by week {due}"
            + (f", {late} later" if late else "")
            + (f", {unmet} not at all" if unmet else "")
            + "; "
        )
        on_time_courses = f"{_courses(int(in_time.size))} finishing by week {due}"
        if courses.size == 0:
            reason = "no_course"
            tail = f"no course of {spec}{also} is offered."
        elif in_time.size == 0:
            reason = "too_late"
            tail = (
                f"none of {_courses(int(courses.size))} finishes by week {due} "
                f"(the earliest finishes in week {int(finish.min())})."
            )
        elif seats_d < q:
            reason = "seats_full"
            tail = (
                f"{on_time_courses} {_have(int(in_time.size))} only {seats_d} seats "
                f"for {q} trainees, {seats_d - free_d} of them used."
            )
        else:
            reason = "outranked"
            margin = ""
            if seat_duals is not None and in_time.size:
                mu = float(seat_duals[in_time].max())
                margin = f"; one more seat on them would add up to {mu:g} to the plan's value"
            spare = f"; {free_d} of them are left free" if free_d > 0 else ""
            tail = (
                f"{on_time_courses} {_have(int(in_time.size))} {seats_d} seats, "
                f"{others} of them taken by other needs worth at least as much{margin}{spare}."
            )
        rows.append(TrainingUnmet(problem.need_ids[n], unmet, late, reason, head + tail))
    rows.sort(key=lambda u: u.need_id)
    return tuple(rows)


def assignment_matrix(problem: TrainingProblem, assignments: Iterable[TrainingAssignment]) -> IntArray:
    """The (courses × needs) matrix of assignments given by ids (unknown ids are ignored)."""
    ci = {c: k for k, c in enumerate(problem.course_ids)}
    ni = {n: k for k, n in enumerate(problem.need_ids)}
    x = np.zeros((len(problem.course_ids), len(problem.need_ids)), dtype=np.int64)
    for a in assignments:
        if a.course_id in ci and a.need_id in ni:
            x[ci[a.course_id], ni[a.need_id]] += int(a.trainees)
    return x


# --- what-if: nations withdraw their courses -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpecialtyChange:
    """Trainees needed of a specialty, and those trained on time before and after a what-if."""

    specialty: str
    trainees: int
    on_time_before: int
    on_time_after: int


@dataclass(frozen=True, slots=True)
class SeatOffer:
    """A course that could close (part of) a gap: its nation, free seats and finish week."""

    course_id: str
    nation_id: str
    specialty: str
    seats_free: int
    finish_week: int


@dataclass(frozen=True, slots=True)
class NewlyShort:
    """A need with fewer trainees on time in the what-if than in the baseline, and what could close it."""

    need_id: str
    specialty: str
    trainees: int
    on_time_before: int
    on_time_after: int
    closers: tuple[SeatOffer, ...]


@dataclass(frozen=True, slots=True)
class TrainingComparison:
    """A training what-if against its baseline: figures, fill per specialty, needs newly short."""

    withdrawn: tuple[str, ...]
    before: TrainingResult
    after: TrainingResult
    by_specialty: tuple[SpecialtyChange, ...]
    newly_short: tuple[NewlyShort, ...]


def compare_training(
    problem: TrainingProblem,
    before: TrainingResult,
    after_problem: TrainingProblem,
    after: TrainingResult,
    withdrawn: Sequence[str],
) -> TrainingComparison:
    """Compare a what-if plan with its baseline.

    A need is *newly short* when its on-time trainees fall below the baseline's. Its *gap closers* are
    courses of nations not withdrawn that may fill it, with seats free in the what-if plan and a
    positive value for it, the soonest finish first (on-time ones first by construction).
    """
    xb = assignment_matrix(problem, before.assignments)
    xa = assignment_matrix(after_problem, after.assignments)
    fb, fa = evaluate_training(problem, xb), evaluate_training(after_problem, xa)
    by_spec: list[SpecialtyChange] = []
    for s, name in enumerate(problem.specialty_ids):
        mask = problem.need_specialty == s
        if mask.any():
            by_spec.append(
                SpecialtyChange(
                    name,
                    int(problem.need_trainees[mask].sum()),
                    int(fb.on_time[mask].sum()),
                    int(fa.on_time[mask].sum()),
                )
            )
    free = after_problem.course_seats - (xa.sum(axis=1) if xa.size else 0)
    value = after_problem.values()
    short: list[NewlyShort] = []
    for n in np.flatnonzero(fa.on_time < fb.on_time).tolist():
        open_courses = [c for c in range(len(after_problem.course_ids)) if free[c] > 0 and value[c, n] > 0]
        open_courses.sort(key=lambda c: (int(after_problem.course_finish[c]), after_problem.course_ids[c]))
        short.append(
            NewlyShort(
                need_id=problem.need_ids[n],
                specialty=problem.specialty_ids[int(problem.need_specialty[n])],
                trainees=int(problem.need_trainees[n]),
                on_time_before=int(fb.on_time[n]),
                on_time_after=int(fa.on_time[n]),
                closers=tuple(
                    SeatOffer(
                        after_problem.course_ids[c],
                        after_problem.course_nation[c],
                        after_problem.specialty_ids[int(after_problem.course_specialty[c])],
                        int(free[c]),
                        int(after_problem.course_finish[c]),
                    )
                    for c in open_courses
                ),
            )
        )
    return TrainingComparison(tuple(withdrawn), before, after, tuple(by_spec), tuple(short))


# --- equipment meets training ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CrewDemand:
    """A requirement whose equipment needs crews of a specialty: first arrival week and crews needed."""

    requirement_id: str
    capability: str
    specialty: str
    arrive_week: int
    units: int
    crews_needed: int


@dataclass(frozen=True, slots=True)
class CrewShortfall:
    """A requirement whose equipment arrives before enough crews of its specialty are trained."""

    requirement_id: str
    capability: str
    specialty: str
    arrive_week: int
    units: int
    crews_needed: int
    crews_available: int


def crews_needed(units: int, crew_per_unit: float | None) -> int:
    """Crews a requirement needs: ``⌈units · crew_per_unit⌉`` when given, else 1 per requirement."""
    if crew_per_unit is None:
        return 1
    return max(0, math.ceil(units * crew_per_unit - 1e-9))


def crew_shortfalls(
    demands: Sequence[CrewDemand], trained: Sequence[tuple[str, int, int]]
) -> tuple[CrewShortfall, ...]:
    """Requirements whose equipment arrives without enough trained crews.

    ``trained`` lists ``(specialty, finish week, trainees)`` of the training plan, counted for the
    specialty of the need they fill. Per specialty, requirements are taken by first arrival week (then
    id), and trainees are shared out without counting anyone twice: a requirement is *crewed* when the
    trainees finished by its arrival week cover the crews of every requirement of that specialty
    arriving up to and including it. ``crews_available`` is what is left for it (≥ 0).
    """
    finished: dict[str, list[tuple[int, int]]] = {}
    for specialty, week, count in trained:
        finished.setdefault(specialty, []).append((week, count))
    out: list[CrewShortfall] = []
    by_spec: dict[str, list[CrewDemand]] = {}
    for d in demands:
        by_spec.setdefault(d.specialty, []).append(d)
    for specialty, items in by_spec.items():
        weeks = sorted(finished.get(specialty, []))
        claimed = 0
        for d in sorted(items, key=lambda d: (d.arrive_week, d.requirement_id)):
            ready = sum(count for week, count in weeks if week <= d.arrive_week)
            available = max(0, ready - claimed)
            if available < d.crews_needed:
                out.append(
                    CrewShortfall(
                        d.requirement_id,
                        d.capability,
                        d.specialty,
                        d.arrive_week,
                        d.units,
                        d.crews_needed,
                        available,
                    )
                )
            claimed += d.crews_needed
    out.sort(key=lambda s: (s.arrive_week, s.requirement_id))
    return tuple(out)
