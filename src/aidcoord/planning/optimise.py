"""The optimiser: the canonical allocation model solved exactly as an LP, then made integral.

Formulation
-----------
Offers are merged into lots ``ℓ`` (same item, origin and available week; exact) and the model is
written over *columns* ``j = (ρ, t)``: a route ``ρ = (ℓ, r, h)`` (see :mod:`aidcoord.planning.network`)
and a departure week ``t``. With ``x_j ≥ 0`` units on column ``j``, the LP is

.. math::

    \\max \\sum_j c_ρ(t) x_j \\quad \\text{s.t.} \\quad
    \\sum_{j ∋ ℓ} x_j ≤ Q_ℓ \\;(μ_ℓ), \\quad
    \\sum_{j ∋ r} x_j ≤ q_r \\;(ν_r), \\quad
    \\sum_{j: h, t + L_1 = s} \\frac{m_j}{1000} x_j ≤ K_{h,s} \\;(π_{h,s}),

which is exactly the model of DESIGN.md with ``q`` continuous (columns with ``c ≤ 0`` are left out:
with non-negative duals their reduced cost is never positive, so an optimum never needs them).

The full column set (every lot × compatible requirement × hub × week, about a million at the L size
and 57 million at XL) is never built.

*Phase 1.* Per pair, the best route at its earliest week dominates every other route-week of the pair
when the hub-week rows are dropped (arrivals at or before the due week all have full value, later ones
are worth less, and all columns of a pair meet the same lot and requirement rows). So each component
of the substitution graph is solved alone over these columns without the hub-week rows, exactly: a
transportation problem. Its optimum ``z₀`` is the optimum of a relaxation of the LP, hence an upper
bound of it (the Lagrangian bound below at ``π = 0``); on XL it is within 0.01% of the LP optimum.

*Phase 2.* The components whose phase-1 plan overfills a hub week are solved together by *column
generation*. The restricted master starts from the phase-1 columns in use and repeatedly prices every
route and week with its duals ``(μ, ν, π)``, vectorised: the reduced cost of ``(ρ, t)`` is
``c_ρ(t) − m π_{h, t+L₁}/1000 − μ_ℓ − ν_r``. Per route, the ``_TOP_WEEKS`` weeks of largest positive
reduced cost are added (one: more per round meant fewer rounds but much longer master solves), at
most ``max(_ENTER_MIN, rows / 2)`` a round (partial pricing), until none is left, at which point the
restricted LP's optimum is the optimum of the full relaxation. A small master is re-solved by primal
simplex from its last basis (columns are only ever added, so the basis stays primal feasible); from
``_INTERIOR_COLUMNS`` columns on, by the interior point method from scratch, without crossover (on
XL two to seven times faster a round, and one round fewer). Every round yields the
Lagrangian bound

``B(μ, ν, π) = Σ μ Q + Σ ν q + Σ π K + Σ_pairs min(Q_ℓ, q_r) · max(0, max reduced cost of the pair)``,

a true upper bound of the LP for any duals ``≥ 0``; the lowest of them and ``z₀`` is kept, and column
generation stops once it is within ``PlanOptions.lp_tolerance`` of the restricted master's value (the
reported ``lp_bound`` is then that bound). If the time limit (``_CG_SHARE`` of
``PlanOptions.time_limit_s``) stops the iteration first, the bound reported is also that one, and the
status says ``time_limit``.

Without the hub-week rows the LP is a transportation problem (totally unimodular), so its vertices
are integral; only the (few) columns entangled with full hub weeks are fractional (an interior point
spreads over the optimal face, so more are; on XL its rounding is still within 0.05% of the bound).
The LP solution is rounded down, repaired (any row over its bound by rounding is brought back, least
valuable units first) and topped up greedily with the leftover offer quantity and hub capacity (most
valuable route-week first); the better of that and the greedy baseline's plan is kept, polished by a
MIP over the generated columns if still far from the bound (``PlanOptions.polish_gap``), and finally
split from lots back onto offers.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from aidcoord.planning.explain import explain
from aidcoord.planning.greedy import greedy_allocate
from aidcoord.planning.network import Network, build_network, first_weeks_with_room
from aidcoord.planning.pins import resolve_pins
from aidcoord.planning.problem import (
    Allocation,
    BoolArray,
    FloatArray,
    IntArray,
    PlanningProblem,
    lateness_value,
)
from aidcoord.planning.result import AllocationArrays, PlanResult, WarmStart, evaluate

Progress = Callable[[str, float], None]

_PRICE_CHUNK = 2_000_000
"""Route × week cells priced at once (bounds the memory of pricing)."""

_ENTER_MIN = 2_000
"""Partial pricing lets at most ``max(_ENTER_MIN, rows / 2)`` columns enter per round."""

_INTERIOR_COLUMNS = 40_000
"""A master with at least this many columns is solved by interior point (each round from scratch).

Measured on XL (seed 1, 40,725 rows, 20,000 columns entering a round): primal simplex from the last
basis took 20–53 s a round at 53,000–133,000 columns (10,000–25,000 pivots of 1.5–2.5 ms), the
interior point method 2–19 s, and it reached the same LP value a round earlier. Below it, primal simplex
warm starts are fast (L: 1–3 s a round) and give vertex solutions."""

_CG_SHARE = 0.8
"""Share of ``PlanOptions.time_limit_s`` that column generation may use; the rest is left to rounding,
repair, the greedy candidate, polish and the explanations (on XL, about 15 s)."""

_TOP_WEEKS = 1
"""Columns entering per route and pricing round: its weeks of largest positive reduced cost.

Measured on L (seed 1): 1 week → 15 rounds, 3 weeks → 8 rounds but 55 s in the second one alone."""


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """How to plan.

    Attributes
    ----------
    time_limit_s
        Wall-clock limit for planning. Column generation stops at ``_CG_SHARE`` (80%) of it, leaving
        the rest to rounding, polish and explanations; stopped there, the best plan so far is
        returned with an honest (Lagrangian) bound and status ``time_limit``.
    pinned
        Allocations kept as they are (in addition to the problem's own ``pinned``).
    warm_start
        A previous result of a similar problem (or its :class:`WarmStart`): its LP columns alone
        start the master, with every component in it (no phase 1, no greedy candidate: the
        previous optimum's support is close to the new one, so the master stays small).
    explain
        Compute the reasons for unmet requirements.
    lp_tolerance
        Column generation stops once the Lagrangian bound ``B`` (see the module docstring; it is
        computed from every round's duals and phase 1's optimum, the lowest kept) and the restricted
        master's optimum ``z`` (a feasible LP value) satisfy ``B − z ≤ lp_tolerance · max(1, B)``.
        The reported ``lp_bound`` is then ``B``: still a true upper bound of the LP relaxation, and at
        most that fraction above its optimum. ``0`` solves the relaxation exactly (until no column
        prices out; a master solved by interior point then reports ``B``, exact up to HiGHS's
        tolerances).
    polish_gap, polish_time_s
        When the best integral plan found by rounding (or the greedy baseline) is further than
        ``polish_gap`` from the LP bound, the generated columns are solved as a MIP (HiGHS, from that
        plan) for at most ``polish_time_s`` seconds; where the full model has at most
        ``polish_all_columns`` route-weeks, all of them are, to optimality (small cases are exact).
    """

    time_limit_s: float = 300.0
    pinned: tuple[Allocation, ...] = ()
    warm_start: PlanResult | WarmStart | None = None
    explain: bool = True
    polish_gap: float = 1e-3
    polish_time_s: float = 10.0
    polish_all_columns: int = 20_000
    lp_tolerance: float = 1e-4


def _highs_version() -> str:
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    return str(highs.version())


def _noop(stage: str, fraction: float) -> None:
    del stage, fraction


class _Master:
    """The restricted master LP in HiGHS, grown column by column block."""

    def __init__(self, problem: PlanningProblem, net: Network) -> None:
        self.problem = problem
        self.net = net
        self.n_lots = net.n_lots
        self.n_reqs = len(problem.req_ids)
        self.horizon = problem.horizon_weeks
        n_hw = problem.n_hubs * self.horizon
        self.n_rows = self.n_lots + self.n_reqs + n_hw
        self.row_upper = np.concatenate(
            [net.lot_qty.astype(np.float64), net.req_qty.astype(np.float64), net.capacity_t.ravel()]
        )
        self.col_route = np.zeros(0, dtype=np.int64)
        self.col_t = np.zeros(0, dtype=np.int64)
        self.col_value = np.zeros(0, dtype=np.float64)
        self.keys = np.zeros(0, dtype=np.int64)
        self.highs = highspy.Highs()  # type: ignore[no-untyped-call]
        self.highs.setOptionValue("output_flag", False)
        # Columns are only ever added, so the previous basis stays primal feasible: primal simplex
        # continues from it, where HiGHS's default (dual simplex) starts over with a long phase 1.
        self.highs.setOptionValue("simplex_strategy", 4)
        # interior point solves stop at the interior optimum: its duals are central (they price
        # steadier columns than a vertex's), and crossover would cost time for no use
        self.highs.setOptionValue("run_crossover", "off")
        self.passed = False

    def set_capacity(self, capacity_t: FloatArray) -> None:
        """Set the hub-week rows' bounds (tonnes), e.g. what components outside the LP leave free."""
        first = self.n_lots + self.n_reqs
        self.row_upper[first:] = capacity_t
        if self.passed:
            n = int(capacity_t.size)
            self.highs.changeRowsBounds(  # type: ignore[attr-defined]
                n,
                np.arange(first, first + n, dtype=np.int32),
                np.full(n, -highspy.kHighsInf),
                np.asarray(capacity_t, dtype=np.float64),
            )

    def key(self, routes: IntArray, t: IntArray) -> IntArray:
        return np.asarray(routes * self.horizon + t, dtype=np.int64)

    def entries(self, routes: IntArray, t: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
        """Column-wise (starts, row indices, values): lot row, requirement row, hub-week row."""
        net = self.net
        k = routes.shape[0]
        rows = np.empty((k, 3), dtype=np.int64)
        rows[:, 0] = net.rt_lot[routes]
        rows[:, 1] = self.n_lots + net.rt_req[routes]
        rows[:, 2] = self.n_lots + self.n_reqs + net.rt_hub[routes] * self.horizon + t + net.rt_l1[routes]
        vals = np.empty((k, 3), dtype=np.float64)
        vals[:, 0] = 1.0
        vals[:, 1] = 1.0
        vals[:, 2] = net.rt_mass_t[routes]
        starts = np.arange(0, 3 * k + 1, 3, dtype=np.int64)
        return starts, rows.ravel(), vals.ravel()

    def add(self, routes: IntArray, t: IntArray) -> int:
        """Add the columns not yet present; return how many were added."""
        keys = self.key(routes, t)
        keys, first = np.unique(keys, return_index=True)
        routes, t = routes[first], t[first]
        fresh = ~np.isin(keys, self.keys, assume_unique=True)
        routes, t, keys = routes[fresh], t[fresh], keys[fresh]
        if routes.size == 0:
            return 0
        value = self.net.value(routes, t, self.problem.lateness_decay)
        starts, index, vals = self.entries(routes, t)
        if not self.passed:
            matrix = sp.csc_matrix((vals, index, starts), shape=(self.n_rows, routes.size))
            lp = highspy.HighsLp()
            lp.num_col_ = int(routes.size)
            lp.num_row_ = int(self.n_rows)
            lp.col_cost_ = -value
            lp.col_lower_ = np.zeros(routes.size)
            lp.col_upper_ = np.full(routes.size, highspy.kHighsInf)
            lp.row_lower_ = np.full(self.n_rows, -highspy.kHighsInf)
            lp.row_upper_ = self.row_upper
            lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
            lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
            lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
            lp.a_matrix_.value_ = matrix.data
            self.highs.passModel(lp)
            self.passed = True
        else:
            self.highs.addCols(
                int(routes.size),
                -value,
                np.zeros(routes.size),
                np.full(routes.size, highspy.kHighsInf),
                int(index.size),
                starts[:-1].astype(np.int32),
                index.astype(np.int32),
                vals,
            )
        self.col_route = np.concatenate([self.col_route, routes])
        self.col_t = np.concatenate([self.col_t, t])
        self.col_value = np.concatenate([self.col_value, value])
        self.keys = np.union1d(self.keys, keys)
        return int(routes.size)

    def solve(
        self, time_left: float, interior: bool = False
    ) -> tuple[str, FloatArray, FloatArray, FloatArray, FloatArray, float]:
        """Solve; return status, column values and the duals ``μ, ν, π ≥ 0`` and the objective.

        ``interior`` solves the master from scratch by HiGHS's interior point method without
        crossover (a large master: see ``_INTERIOR_COLUMNS``); otherwise primal simplex continues
        from the last basis.
        """
        started = time.perf_counter()
        self.highs.setOptionValue("solver", "ipm" if interior else "simplex")
        self.highs.setOptionValue("presolve", "choose")
        # HiGHS may count its time limit over all runs of one instance: allow for the time already spent
        self.highs.setOptionValue("time_limit", float(self.highs.getRunTime()) + max(time_left, 0.1))
        self.highs.run()
        status = self.highs.modelStatusToString(self.highs.getModelStatus())
        if interior and self.highs.getModelStatus() == highspy.HighsModelStatus.kUnknown:
            # HiGHS's postsolve of an interior point (no crossover) can break its duals: solve the
            # master as it is (seen on tiny cases; presolve makes XL's rounds two to three times faster)
            self.highs.setOptionValue("presolve", "off")
            left = time_left - (time.perf_counter() - started)
            self.highs.setOptionValue("time_limit", float(self.highs.getRunTime()) + max(left, 0.1))
            self.highs.run()
            status = self.highs.modelStatusToString(self.highs.getModelStatus())
        sol = self.highs.getSolution()
        x = np.asarray(sol.col_value, dtype=np.float64)
        if x.size != self.col_route.size:
            x = np.zeros(self.col_route.size)
        # an interior point may sit a hair outside the bounds
        x = np.maximum(x, 0.0)
        y = -np.asarray(sol.row_dual, dtype=np.float64)
        if y.size != self.n_rows:
            # stopped before HiGHS had duals: zero duals still give a (weak) valid Lagrangian bound
            y = np.zeros(self.n_rows)
        y = np.maximum(y, 0.0)
        mu = y[: self.n_lots]
        nu = y[self.n_lots : self.n_lots + self.n_reqs]
        pi = y[self.n_lots + self.n_reqs :].reshape(self.problem.n_hubs, self.horizon)
        objective = float(np.dot(self.col_value, x))
        return status, x, mu, nu, pi, objective


def _price(
    problem: PlanningProblem,
    net: Network,
    mu: FloatArray,
    nu: FloatArray,
    pi: FloatArray,
    subset: IntArray,
    top: int = 1,
    tol: float = np.inf,
) -> tuple[IntArray, FloatArray, IntArray, IntArray]:
    """Best departure week of each route in ``subset`` under the duals, and its reduced cost.

    ``rc(ρ, t) = w · v(t + L₁ + L₂, due) − cost − m π_{h, t+L₁}/1000 − μ_ℓ − ν_r`` over
    ``t ∈ [t_min, t_max]`` with ``c_ρ(t) > 0``; −∞ where no week qualifies.

    Also returns the entering columns ``(ρ, t)``: for every route, its ``top`` weeks of largest
    reduced cost among those with ``rc > tol`` (distinct weeks of one route are distinct hub weeks,
    so they are distinct columns).
    """
    n = int(subset.size)
    best_t = net.rt_tmin[subset].copy()
    best_rc = np.full(n, -np.inf)
    enter_r: list[IntArray] = []
    enter_t: list[IntArray] = []
    empty = np.zeros(0, dtype=np.int64)
    if n == 0:
        return best_t, best_rc, empty, empty
    horizon = problem.horizon_weeks
    # routes in order of their number of weeks, each chunk as wide as its widest route: on XL the
    # widest window is 2.7 times the mean, and a chunk of the widest alone priced 2.7 times the cells
    widths = net.rt_tmax[subset] - net.rt_tmin[subset] + 1
    by_width = np.argsort(widths, kind="stable")
    lo = 0
    while lo < n:
        hi = min(n, lo + max(1, _PRICE_CHUNK // int(widths[by_width[lo]])))
        width = int(widths[by_width[hi - 1]])
        if (hi - lo) * width > _PRICE_CHUNK:
            # the chunk's widest route sets its width: shrink it to the cell budget (its width can only fall)
            hi = lo + max(1, _PRICE_CHUNK // width)
            width = int(widths[by_width[hi - 1]])
        pos = by_width[lo:hi]
        lo = hi
        rt = subset[pos]
        t = net.rt_tmin[rt, None] + np.arange(width, dtype=np.int64)[None, :]
        inside = t <= net.rt_tmax[rt, None]
        arrive = t + (net.rt_l1[rt] + net.rt_l2[rt])[:, None]
        value = (
            net.rt_weight[rt, None] * lateness_value(arrive, net.rt_due[rt, None], problem.lateness_decay)
            - net.rt_cost[rt, None]
        )
        hub_week = np.minimum(t + net.rt_l1[rt, None], horizon - 1)
        score = value - net.rt_mass_t[rt, None] * pi[net.rt_hub[rt, None], hub_week]
        score[~inside | (value <= 1e-12)] = -np.inf
        score -= (mu[net.rt_lot[rt]] + nu[net.rt_req[rt]])[:, None]
        arg = np.argmax(score, axis=1)
        rows = np.arange(arg.shape[0])
        best_t[pos] = t[rows, arg]
        best_rc[pos] = score[rows, arg]
        if not np.isfinite(tol):
            continue
        cand = best_rc[pos] > tol
        if not cand.any():
            continue
        sc, tc = score[cand], t[cand]
        k = min(top, width)
        if k < width:
            part = np.argpartition(-sc, k - 1, axis=1)[:, :k]
            sc, tc = np.take_along_axis(sc, part, axis=1), np.take_along_axis(tc, part, axis=1)
        ok = sc > tol
        enter_r.append(np.broadcast_to(rt[cand][:, None], ok.shape)[ok])
        enter_t.append(tc[ok])
    if enter_r:
        r, w = np.concatenate(enter_r), np.concatenate(enter_t)
        # in route and week order, whatever the chunks were
        order = np.lexsort((w, r))
        return best_t, best_rc, r[order], w[order]
    return best_t, best_rc, empty, empty


def _most_promising(
    net: Network, routes: IntArray, t: IntArray, rc: FloatArray, limit: int
) -> tuple[IntArray, IntArray]:
    """Partial pricing: at most ``limit`` entering columns, those of largest ``rc_ρ · min(Q_ℓ, q_r)``.

    ``rc_ρ · min(Q_ℓ, q_r)`` bounds what the column could add to the objective at the current
    duals. Columns left out are priced again next round, so the LP optimum is unchanged; only the
    master stays small, which is what keeps HiGHS's primal simplex fast (on L: rounds of 30,000
    columns took 13 s, of 4,000 columns 1–5 s, with the same Lagrangian bound after 4 rounds).
    """
    if routes.size <= limit:
        return routes, t
    gain = rc[routes] * np.minimum(net.lot_qty[net.rt_lot[routes]], net.req_qty[net.rt_req[routes]])
    keep = np.argpartition(-gain, limit - 1)[:limit]
    return routes[keep], t[keep]


def _item_components(problem: PlanningProblem) -> IntArray:
    """Connected components of the substitution graph: one label per item (union–find)."""
    parent = list(range(len(problem.item_ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, subs in enumerate(problem.item_substitutes):
        for j in subs:
            a, b = root(i), root(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return np.array([root(i) for i in range(len(parent))], dtype=np.int64)


def _solve_uncoupled(
    problem: PlanningProblem, net: Network, routes: IntArray, t: IntArray, comp: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, bool]:
    """Each component's LP over the given columns without hub-week rows (a transportation problem).

    The columns are each pair's best route at its earliest week: with no hub-week price, every other
    route-week of the pair is worth at most as much, so this is the optimum of the component's full
    LP without the hub-week rows. Returns x, the lot and requirement duals ``μ, ν ≥ 0``, the values and
    whether every component was solved to optimality (then ``Σ values · x`` bounds the LP from above).
    """
    n_req = len(problem.req_ids)
    x = np.zeros(routes.size)
    mu = np.zeros(net.n_lots)
    nu = np.zeros(n_req)
    values = net.value(routes, t, problem.lateness_decay) if routes.size else np.zeros(0)
    order = np.argsort(comp, kind="stable")
    bounds = np.flatnonzero(np.diff(comp[order])) + 1
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    exact = True
    for cols in np.split(order, bounds) if order.size else []:
        lots, lot_row = np.unique(net.rt_lot[routes[cols]], return_inverse=True)
        reqs, req_row = np.unique(net.rt_req[routes[cols]], return_inverse=True)
        k = cols.size
        rows = np.stack([lot_row.ravel(), lots.size + req_row.ravel()], axis=1).ravel()
        lp = highspy.HighsLp()
        lp.num_col_ = int(k)
        lp.num_row_ = int(lots.size + reqs.size)
        lp.col_cost_ = -values[cols]
        lp.col_lower_ = np.zeros(k)
        lp.col_upper_ = np.full(k, highspy.kHighsInf)
        lp.row_lower_ = np.full(lp.num_row_, -highspy.kHighsInf)
        lp.row_upper_ = np.concatenate([net.lot_qty[lots], net.req_qty[reqs]]).astype(np.float64)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.arange(0, 2 * k + 1, 2, dtype=np.int32)
        lp.a_matrix_.index_ = rows.astype(np.int32)
        lp.a_matrix_.value_ = np.ones(2 * k)
        highs.clearModel()
        highs.passModel(lp)
        highs.run()
        exact = exact and highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
        sol = highs.getSolution()
        x[cols] = np.asarray(sol.col_value, dtype=np.float64)
        y = np.maximum(-np.asarray(sol.row_dual, dtype=np.float64), 0.0)
        mu[lots] = y[: lots.size]
        nu[reqs] = y[lots.size :]
    return x, mu, nu, values, exact


def _initial_columns(problem: PlanningProblem, net: Network) -> tuple[IntArray, IntArray]:
    """Per pair, the most valuable route at its earliest departure week (lowest hub on ties)."""
    routes = np.arange(net.n_routes, dtype=np.int64)
    value = net.value(routes, net.rt_tmin, problem.lateness_decay)
    order = np.lexsort((net.rt_hub, -value, net.rt_pair))
    pairs = net.rt_pair[order]
    first = np.ones(order.size, dtype=np.bool_)
    first[1:] = pairs[1:] != pairs[:-1]
    chosen = order[first]
    return chosen, net.rt_tmin[chosen]


def _warm_columns(problem: PlanningProblem, net: Network, warm: WarmStart) -> tuple[IntArray, IntArray]:
    """Map a previous plan's columns (by ids) onto this problem's routes; unknown ones are dropped."""
    item_ix, site_ix, req_ix, hub_ix = (
        problem.index("item"),
        problem.index("site"),
        problem.index("requirement"),
        problem.index("hub"),
    )
    lot_of = {
        (int(i), int(g), int(a)): k
        for k, (i, g, a) in enumerate(zip(net.lot_item, net.lot_origin, net.lot_avail, strict=True))
    }
    n_req, n_hub = len(problem.req_ids), max(problem.n_hubs, 1)
    pair_keys = net.pair_lot * n_req + net.pair_req
    pair_order = np.argsort(pair_keys, kind="stable")
    route_keys = net.rt_pair * n_hub + net.rt_hub
    want_pair: list[int] = []
    want_hub: list[int] = []
    want_t: list[int] = []
    for item, origin, avail, req, hub, week in warm.columns:
        lot = lot_of.get((item_ix.get(item, -1), site_ix.get(origin, -1), avail))
        if lot is None or req not in req_ix or hub not in hub_ix:
            continue
        want_pair.append(lot * n_req + req_ix[req])
        want_hub.append(hub_ix[hub])
        want_t.append(week)
    if not want_pair or net.n_routes == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    wp = np.array(want_pair, dtype=np.int64)
    sorted_keys = pair_keys[pair_order]
    pos = np.clip(np.searchsorted(sorted_keys, wp), 0, max(sorted_keys.size - 1, 0))
    found = sorted_keys.size > 0
    ok = (sorted_keys[pos] == wp) if found else np.zeros(wp.size, dtype=np.bool_)
    pair = pair_order[pos]
    rk = pair * n_hub + np.array(want_hub, dtype=np.int64)
    rpos = np.clip(np.searchsorted(route_keys, rk), 0, net.n_routes - 1)
    ok &= route_keys[rpos] == rk
    t = np.array(want_t, dtype=np.int64)
    routes = rpos[ok]
    t = t[ok]
    inside = (t >= net.rt_tmin[routes]) & (t <= net.rt_tmax[routes])
    routes, t = routes[inside], t[inside]
    positive = net.value(routes, t, problem.lateness_decay) > 1e-12
    return routes[positive], t[positive]


def _repair(
    net: Network, horizon: int, routes: IntArray, t: IntArray, qty: IntArray, values: FloatArray
) -> IntArray:
    """Lower integer amounts until every lot, requirement and hub-week row holds (least valuable first)."""
    qty = qty.copy()
    order = np.argsort(values, kind="stable")
    lots, reqs = net.rt_lot[routes], net.rt_req[routes]
    hw = net.rt_hub[routes] * horizon + t + net.rt_l1[routes]
    mass = net.rt_mass_t[routes]
    for labels, bound, weight in (
        (lots, net.lot_qty.astype(np.float64), np.ones_like(mass)),
        (reqs, net.req_qty.astype(np.float64), np.ones_like(mass)),
        (hw, net.capacity_t.ravel(), mass),
    ):
        load = np.bincount(labels, weights=qty * weight, minlength=bound.size)
        over = set(np.flatnonzero(load > bound + 1e-9).tolist())
        if not over:
            continue
        for j in order:
            row = int(labels[j])
            if row not in over or qty[j] == 0:
                continue
            need = math.ceil((load[row] - bound[row] - 1e-9) / weight[j])
            cut = min(int(qty[j]), max(need, 1))
            qty[j] -= cut
            load[row] -= cut * weight[j]
            if load[row] <= bound[row] + 1e-9:
                over.discard(row)
    return qty


def _top_up(
    problem: PlanningProblem,
    net: Network,
    lot_res: IntArray,
    req_res: IntArray,
    cap_res: FloatArray,
) -> list[tuple[int, int, int]]:
    """Greedily ship leftover lot quantity on the most valuable feasible route-week first.

    Every route with lot and requirement quantity left is a candidate at its first week ``t`` with room
    for one unit in its hub week (and ``c_ρ(t) > 0``); candidates are taken by value (then route, then
    week), each ships ``min(lot left, requirement left, ⌊room / m⌋)`` and, where both are left, comes
    back at its next week with room. Returns (route, depart week, quantity) triples; updates the
    residual arrays in place.
    """
    cand = np.flatnonzero((lot_res[net.rt_lot] > 0) & (req_res[net.rt_req] > 0))
    shipped: list[tuple[int, int, int]] = []
    if cand.size == 0:
        return shipped
    delta = problem.lateness_decay
    # every candidate's first week with room at once (then the scalar next_week below for those
    # that come back)
    masses, mass_ix = np.unique(net.rt_mass_t[cand], return_inverse=True)
    l1 = net.rt_l1[cand]
    week = first_weeks_with_room(cap_res, masses)[mass_ix, net.rt_hub[cand], net.rt_tmin[cand] + l1] - l1
    fits = week <= net.rt_tmax[cand]
    start = np.flatnonzero(fits)
    value = net.value(cand[start], week[start], delta)
    useful = value > 1e-12
    start, value = start[useful], value[useful]
    # candidates by position k in ``cand`` (increasing with the route, so ties break alike)
    order = np.lexsort((start, -value))
    initial = list(
        zip((-value[order]).tolist(), start[order].tolist(), week[start[order]].tolist(), strict=True)
    )
    lot_k, req_k, hub_k = net.rt_lot[cand].tolist(), net.rt_req[cand].tolist(), net.rt_hub[cand].tolist()
    l1_k, l2_k, tmax_k = l1.tolist(), net.rt_l2[cand].tolist(), net.rt_tmax[cand].tolist()
    mass_k, due_k = net.rt_mass_t[cand].tolist(), net.rt_due[cand].tolist()
    weight_k, cost_k = net.rt_weight[cand].tolist(), net.rt_cost[cand].tolist()
    lots, reqs, cap = lot_res.tolist(), req_res.tolist(), cap_res.tolist()

    def next_week(k: int, first: int) -> tuple[float, int] | None:
        # the scalar twin of the vectorised search above (same float operations as Network.value)
        row, l1k, m = cap[hub_k[k]], l1_k[k], mass_k[k]
        for t in range(first, tmax_k[k] + 1):
            if row[t + l1k] + 1e-9 >= m:
                late = max(float(t + l1k + l2_k[k]) - float(due_k[k]), 0.0)
                v = weight_k[k] * max(0.0, 1.0 - delta * late) - cost_k[k]
                return (v, t) if v > 1e-12 else None
        return None

    # a heap of the candidates that come back, merged with the sorted initial ones
    heap: list[tuple[float, int, int]] = []
    i = 0
    while i < len(initial) or heap:
        if heap and (i == len(initial) or heap[0] < initial[i]):
            _, k, t = heapq.heappop(heap)
        else:
            _, k, t = initial[i]
            i += 1
        lot, req = lot_k[k], req_k[k]
        if lots[lot] <= 0 or reqs[req] <= 0:
            continue
        h, s, m = hub_k[k], t + l1_k[k], mass_k[k]
        fit = math.floor((cap[h][s] + 1e-9) / m)
        if fit <= 0:
            found = next_week(k, t + 1)
            if found is not None:
                heapq.heappush(heap, (-found[0], k, found[1]))
            continue
        q = min(lots[lot], reqs[req], fit)
        shipped.append((int(cand[k]), t, q))
        lots[lot] -= q
        reqs[req] -= q
        cap[h][s] = max(cap[h][s] - q * m, 0.0)
        if lots[lot] > 0 and reqs[req] > 0:
            found = next_week(k, t + 1)
            if found is not None:
                heapq.heappush(heap, (-found[0], k, found[1]))
    lot_res[:] = lots
    req_res[:] = reqs
    cap_res[:] = cap
    return shipped


def _to_offers(
    net: Network, offer_res: IntArray, routes: IntArray, t: IntArray, qty: IntArray
) -> AllocationArrays:
    """Split lot amounts onto the lot's offers (in offer id order; all offers of a lot are alike)."""
    keep = qty > 0
    routes, t, qty = routes[keep], t[keep], qty[keep]
    lots = net.rt_lot[routes]
    order = np.lexsort((net.rt_hub[routes], net.rt_req[routes], t, lots))
    left = offer_res.copy()
    pointer: dict[int, int] = {}
    out: list[tuple[int, int, int, int, int]] = []
    for j in order.tolist():
        lot = int(lots[j])
        offers = net.lot_offers[lot]
        k = pointer.get(lot, 0)
        need = int(qty[j])
        while need > 0 and k < len(offers):
            o = offers[k]
            take = min(need, int(left[o]))
            if take > 0:
                out.append((o, int(net.rt_req[routes[j]]), int(net.rt_hub[routes[j]]), int(t[j]), take))
                left[o] -= take
                need -= take
            if left[o] == 0:
                k += 1
        pointer[lot] = k
    if not out:
        return AllocationArrays.empty()
    arr = np.array(out, dtype=np.int64)
    return AllocationArrays(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], arr[:, 4]).merged()


def plan(
    problem: PlanningProblem,
    options: PlanOptions | None = None,
    progress: Progress | None = None,
) -> PlanResult:
    """Plan: the integral allocation of planned offers to requirements that maximises the objective.

    Parameters
    ----------
    problem
        The planning problem (see :func:`aidcoord.planning.problem.problem_from_scenario`).
    options
        Time limit, pinned allocations, warm start (see :class:`PlanOptions`).
    progress
        Called with (stage, fraction done) as the work goes on.

    Returns
    -------
    PlanResult
        Allocations, unmet requirements with reasons, objective, exact LP bound and gap.

    Raises
    ------
    InfeasiblePin
        If a pinned allocation breaks a rule of the model.
    """
    opts = options or PlanOptions()
    report = progress or _noop
    started = time.perf_counter()
    # column generation stops in time to leave the rest of the limit to rounding and explaining
    deadline = started + _CG_SHARE * opts.time_limit_s
    finish = started + opts.time_limit_s
    report("build", 0.0)
    pinned, offer_res, req_res, cap_res = resolve_pins(problem, (*problem.pinned, *opts.pinned))
    pinned_value = evaluate(problem, pinned).objective if pinned.qty.size else 0.0
    net = build_network(problem, offer_res, req_res, cap_res)
    routes, weeks = _initial_columns(problem, net)
    warm_start = opts.warm_start.warm_start if isinstance(opts.warm_start, PlanResult) else opts.warm_start
    warm_r, warm_t = (
        _warm_columns(problem, net, warm_start)
        if warm_start is not None
        else (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    )
    comp_item = _item_components(problem)
    route_comp = comp_item[net.lot_item[net.rt_lot]]
    build_seconds = time.perf_counter() - started
    report("solve", 0.0)

    solve_started = time.perf_counter()
    coupled = np.zeros(int(comp_item.max(initial=-1)) + 1, dtype=np.bool_)
    horizon = problem.horizon_weeks
    hw1 = net.rt_hub[routes] * horizon + weeks + net.rt_l1[routes]
    cap_flat = net.capacity_t.ravel()
    warm_mode = warm_r.size > 0
    if warm_mode:
        # a warm start: every component goes to the master at once, which starts from the previous
        # plan's LP columns alone (small, and close to the new optimum); no phase 1, no greedy candidate
        x1 = np.zeros(routes.size)
        mu, nu = np.zeros(net.n_lots), np.zeros(len(problem.req_ids))
        value1 = net.value(routes, weeks, problem.lateness_decay)
        exact = False
        coupled[np.unique(route_comp)] = True
    else:
        # phase 1: every component alone, without the hub-week rows (exact where no hub week overflows)
        x1, mu, nu, value1, exact = _solve_uncoupled(problem, net, routes, weeks, route_comp[routes])
        over = np.bincount(hw1, weights=x1 * net.rt_mass_t[routes], minlength=cap_flat.size) > cap_flat + 1e-9
        coupled[np.unique(route_comp[routes][(x1 > 1e-12) & over[hw1]])] = True
    load_cols = x1 * net.rt_mass_t[routes]

    status = "optimal"
    iterations = 0
    lp_value = float(np.dot(value1, x1))
    pi = np.zeros((problem.n_hubs, horizon))
    master = _Master(problem, net)
    # the LP solution to round: phase 1's, until a master is solved
    col_route, col_t, x = routes, weeks, x1
    solution = (routes, weeks, x1)
    scale = max(1.0, float(problem.req_weight.max()) if problem.req_weight.size else 1.0)
    tol = 1e-7 * scale
    lot_comp = comp_item[net.lot_item]
    req_comp = comp_item[problem.req_item]
    every = np.arange(net.n_routes, dtype=np.int64)
    # the LP without the hub-week rows is a relaxation of the LP: phase 1's optimum bounds it (it is the
    # Lagrangian bound at π = 0), and on generated cases it is within 0.01% of the LP optimum
    lagrangian = lp_value if not warm_mode and exact else math.inf
    stopped_near = False
    interior = False
    # phase 2: the components that share full hub weeks, together, by column generation; a component
    # left out that uses a hub week whose capacity row has a positive dual joins them, until none does
    while coupled.any():
        fixed = ~coupled[route_comp[routes]]
        fixed_load = np.bincount(hw1[fixed], weights=load_cols[fixed], minlength=cap_flat.size)
        master.set_capacity(np.maximum(cap_flat - fixed_load, 0.0))
        # phase 1's columns in use: the others are priced again like any column (a smaller master
        # solves faster; on XL the unused 85% of the earliest-week columns tripled each round)
        joining = coupled[route_comp[routes]] & (x1 > 1e-12) & (not warm_mode)
        add_r = np.concatenate([routes[joining], warm_r[coupled[route_comp[warm_r]]]])
        add_t = np.concatenate([weeks[joining], warm_t[coupled[route_comp[warm_r]]]])
        if add_r.size:
            master.add(add_r, add_t)
        while True:
            iterations += 1
            interior = interior or master.col_route.size >= _INTERIOR_COLUMNS
            lp_status, x, mu2, nu2, pi2, value2 = master.solve(deadline - time.perf_counter(), interior)
            if lp_status != "Optimal":
                # stopped inside HiGHS (a time limit): round the last optimal master's solution, and
                # take a bound from these duals only if there is none yet (any duals ≥ 0 give one)
                status = "time_limit" if "limit" in lp_status.lower() else lp_status.lower()
                if not math.isfinite(lagrangian):
                    mu2 = np.where(coupled[lot_comp], mu2, mu)
                    nu2 = np.where(coupled[req_comp], nu2, nu)
                    _, rc, _, _ = _price(problem, net, mu2, nu2, pi2, every)
                    lagrangian = _lagrangian_bound(net, mu2, nu2, pi2, rc)
                if iterations == 1:
                    pi = pi2
                    solution = _with_fixed(routes, weeks, x1, fixed, master, x)
                break
            pi = pi2
            mu = np.where(coupled[lot_comp], mu2, mu)
            nu = np.where(coupled[req_comp], nu2, nu)
            lp_value = float(np.dot(value1[fixed], x1[fixed])) + value2
            solution = _with_fixed(routes, weeks, x1, fixed, master, x)
            # every route is priced: the coupled ones for entering columns, all for the bound
            _, rc, enter_r, enter_t = _price(problem, net, mu, nu, pi, every, _TOP_WEEKS, tol)
            lagrangian = min(lagrangian, _lagrangian_bound(net, mu, nu, pi, rc))
            joins = coupled[route_comp[enter_r]]
            enter_r, enter_t = enter_r[joins], enter_t[joins]
            enter_r, enter_t = _most_promising(net, enter_r, enter_t, rc, max(_ENTER_MIN, master.n_rows // 2))
            if enter_r.size == 0:
                break
            if lagrangian - lp_value <= opts.lp_tolerance * max(1.0, abs(lagrangian)):
                stopped_near = True
                break
            if time.perf_counter() > deadline:
                status = "time_limit"
                break
            if master.add(enter_r, enter_t) == 0:
                break
            report("solve", min(0.95, iterations / (iterations + 5.0)))
        col_route, col_t, x = solution
        if status != "optimal" or stopped_near:
            # the LP optimum lies in [lp_value, bound]: report the bound, a true upper bound
            lp_value = lagrangian
            break
        priced = _binding(pi, interior, tol).ravel()[hw1] & fixed & (x1 > 1e-12)
        if not priced.any():
            if interior:
                # an interior optimum is exact only up to HiGHS's tolerances: report the bound
                lp_value = lagrangian
            break
        coupled[np.unique(route_comp[routes][priced])] = True
    report("round", 0.0)
    used = x > 1e-9
    warm = _warm_state(problem, net, col_route[used], col_t[used])
    lp_bound = pinned_value + lp_value
    # integral candidates: the LP rounded down, repaired and topped up; the greedy baseline
    greedy = (
        _EMPTY
        if warm_mode
        else _columns_of(problem, net, greedy_allocate(problem, offer_res, req_res, cap_res))
    )
    qty = np.floor(x + 1e-6).astype(np.int64)
    rounded = _complete(problem, net, col_route, col_t, qty)
    best = max((rounded, greedy), key=lambda c: _value(problem, net, c))
    best_value = _value(problem, net, best)
    left = finish - time.perf_counter()
    if (
        status == "optimal"
        and lp_value > 0
        and 1.0 - (pinned_value + best_value) / lp_bound > opts.polish_gap
        and left > 0.05
    ):
        report("polish", 0.0)
        cells = int((net.rt_tmax - net.rt_tmin + 1).sum())
        small = cells <= opts.polish_all_columns
        polished = _polish(
            _Master(problem, net),
            best,
            (col_route, col_t, qty),
            rounded,
            greedy,
            _all_columns(problem, net) if small else _EMPTY,
            time_limit=min(left, opts.polish_time_s),
            rel_gap=0.0 if small else opts.polish_gap / 10,
        )
        if polished is not None:
            polished = _complete(problem, net, *polished)
            if _value(problem, net, polished) > best_value + 1e-9:
                best = polished
    alloc = pinned.concat(_to_offers(net, offer_res, *best))
    solve_seconds = time.perf_counter() - solve_started

    figures = evaluate(problem, alloc)
    bound: float | None = lp_bound
    gap: float | None = None
    if figures.objective > lp_bound + 1e-6 * max(1.0, abs(lp_bound)):
        # not a valid bound (only possible when the LP was stopped early): report none rather than a wrong one
        bound = None
    else:
        lp_bound = max(lp_bound, figures.objective)
        bound = lp_bound
        gap = max(1.0 - figures.objective / lp_bound, 0.0) if lp_bound > 1e-12 else 0.0
    report("explain", 0.0)
    prices = np.where(_binding(pi, interior, tol), pi, 0.0)
    unmet = explain(problem, alloc, prices=prices) if opts.explain else ()
    report("done", 1.0)
    return PlanResult(
        allocations=alloc.to_allocations(problem),
        unmet=unmet,
        objective=figures.objective,
        lp_bound=bound,
        gap=gap,
        weighted_fulfilment=figures.weighted_fulfilment,
        on_time_fill=figures.on_time_fill,
        build_seconds=build_seconds,
        solve_seconds=solve_seconds,
        solver=f"HiGHS {_highs_version()} (column generation)",
        status=status,
        n_columns=int(master.col_route.size),
        n_rows=int(master.n_rows),
        iterations=iterations,
        warm_start=warm,
    )


Columns = tuple[IntArray, IntArray, IntArray]
"""Integral amounts on columns: (route, depart week, quantity)."""


_EMPTY: Columns = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


def _all_columns(problem: PlanningProblem, net: Network) -> Columns:
    """Every route-week with a positive value (only for small problems)."""
    width = net.rt_tmax - net.rt_tmin + 1
    routes = np.repeat(np.arange(net.n_routes, dtype=np.int64), width)
    t = net.rt_tmin[routes] + (np.arange(routes.size) - np.repeat(np.cumsum(width) - width, width))
    keep = net.value(routes, t, problem.lateness_decay) > 1e-12
    return routes[keep], t[keep], np.zeros(int(keep.sum()), dtype=np.int64)


def _value(problem: PlanningProblem, net: Network, cols: Columns) -> float:
    routes, t, qty = cols
    if qty.size == 0:
        return 0.0
    return float(np.dot(qty, net.value(routes, t, problem.lateness_decay)))


def _complete(
    problem: PlanningProblem, net: Network, routes: IntArray, t: IntArray, qty: IntArray
) -> Columns:
    """Repair integral amounts to feasibility, then top them up greedily with what is left."""
    values = net.value(routes, t, problem.lateness_decay) if routes.size else np.zeros(0)
    qty = _repair(net, problem.horizon_weeks, routes, t, qty, values)
    lot_res = net.lot_qty - np.bincount(net.rt_lot[routes], weights=qty, minlength=net.n_lots).astype(
        np.int64
    )
    req_res = net.req_qty - np.bincount(
        net.rt_req[routes], weights=qty, minlength=len(problem.req_ids)
    ).astype(np.int64)
    horizon = problem.horizon_weeks
    load = np.zeros(problem.n_hubs * horizon)
    np.add.at(load, net.rt_hub[routes] * horizon + t + net.rt_l1[routes], qty * net.rt_mass_t[routes])
    cap_res = np.maximum(net.capacity_t - load.reshape(net.capacity_t.shape), 0.0)
    extra = _top_up(problem, net, lot_res, req_res, cap_res)
    if extra:
        arr = np.array(extra, dtype=np.int64)
        routes = np.concatenate([routes, arr[:, 0]])
        t = np.concatenate([t, arr[:, 1]])
        qty = np.concatenate([qty, arr[:, 2]])
    keep = qty > 0
    return routes[keep], t[keep], qty[keep]


def _columns_of(problem: PlanningProblem, net: Network, alloc: AllocationArrays) -> Columns:
    """Offer-level allocations as route columns (those with no positive value are dropped)."""
    empty = np.zeros(0, dtype=np.int64)
    if alloc.qty.size == 0 or net.n_routes == 0:
        return empty, empty, empty
    lot_of = {
        (int(i), int(g), int(a)): k
        for k, (i, g, a) in enumerate(zip(net.lot_item, net.lot_origin, net.lot_avail, strict=True))
    }
    lots = np.array(
        [
            lot_of.get(
                (
                    int(problem.offer_item[o]),
                    int(problem.offer_origin[o]),
                    max(0, int(problem.offer_available[o])),
                ),
                -1,
            )
            for o in alloc.offer.tolist()
        ],
        dtype=np.int64,
    )
    n_req, n_hub = len(problem.req_ids), max(problem.n_hubs, 1)
    route_keys = (net.pair_lot[net.rt_pair] * n_req + net.rt_req) * n_hub + net.rt_hub
    order = np.argsort(route_keys, kind="stable")
    sorted_keys = route_keys[order]
    want = (lots * n_req + alloc.req) * n_hub + alloc.hub
    pos = np.clip(np.searchsorted(sorted_keys, want), 0, sorted_keys.size - 1)
    ok = (lots >= 0) & (sorted_keys[pos] == want)
    routes = order[pos][ok]
    t, qty = alloc.depart[ok], alloc.qty[ok]
    inside = (t >= net.rt_tmin[routes]) & (t <= net.rt_tmax[routes])
    routes, t, qty = routes[inside], t[inside], qty[inside]
    positive = net.value(routes, t, problem.lateness_decay) > 1e-12
    return routes[positive], t[positive], qty[positive]


def _polish(
    master: _Master, start: Columns, *more: Columns, time_limit: float, rel_gap: float
) -> Columns | None:
    """Solve the generated columns (and those of ``more``) as a MIP from ``start``; None if no solution."""
    for routes, t, _ in (start, *more):
        if routes.size:
            master.add(routes, t)
    n = int(master.col_route.size)
    keys = master.key(master.col_route, master.col_t)
    order = np.argsort(keys)
    pos = order[np.searchsorted(keys[order], master.key(start[0], start[1]))]
    value = np.zeros(n)
    np.add.at(value, pos, start[2].astype(np.float64))
    highs = master.highs
    highs.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.ones(n, dtype=np.uint8))
    highs.setSolution(n, np.arange(n, dtype=np.int32), value)
    highs.setOptionValue("time_limit", max(time_limit, 0.05))
    highs.setOptionValue("mip_rel_gap", rel_gap)
    highs.run()
    if highs.getInfo().primal_solution_status != 2:
        return None
    x = np.asarray(highs.getSolution().col_value, dtype=np.float64)
    qty = np.rint(x).astype(np.int64)
    keep = qty > 0
    return master.col_route[keep], master.col_t[keep], qty[keep]


def _with_fixed(
    routes: IntArray, weeks: IntArray, x1: FloatArray, fixed: BoolArray, master: _Master, x: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """An LP solution of the whole problem: the fixed components' phase-1 columns and the master's."""
    return (
        np.concatenate([routes[fixed], master.col_route]),
        np.concatenate([weeks[fixed], master.col_t]),
        np.concatenate([x1[fixed], x]),
    )


def _binding(pi: FloatArray, interior: bool, tol: float) -> BoolArray:
    """Hub weeks whose capacity row is priced (``π > 0``).

    A vertex's ``π`` is zero on every row with slack; an interior point's is small but positive on
    them too (on XL: below 2e-8 on the slack rows, above 0.1 on the 604 tight ones), so there a price
    counts only above ``tol``, the reduced cost below which no column enters.
    """
    return np.asarray(pi > (tol if interior else 1e-9), dtype=np.bool_)


def _lagrangian_bound(net: Network, mu: FloatArray, nu: FloatArray, pi: FloatArray, rc: FloatArray) -> float:
    """Upper bound from any duals ``μ, ν, π ≥ 0``: ``Σ μQ + Σ νq + Σ πK + Σ_pairs min(Q, q)·max(0, rc)``."""
    pair_rc = np.zeros(net.pair_lot.size)
    np.maximum.at(pair_rc, net.rt_pair, np.where(np.isfinite(rc), rc, 0.0))
    bound_pair = np.minimum(net.lot_qty[net.pair_lot], net.req_qty[net.pair_req])
    return float(
        mu @ net.lot_qty
        + nu @ net.req_qty
        + float((pi * net.capacity_t).sum())
        + float((bound_pair * np.maximum(pair_rc, 0.0)).sum())
    )


def _warm_state(problem: PlanningProblem, net: Network, routes: IntArray, t: IntArray) -> WarmStart:
    """The LP's used columns by ids, for a later warm start."""
    lots = net.rt_lot[routes]
    hub_ids = problem.hub_ids
    cols = tuple(
        (
            problem.item_ids[int(net.lot_item[lot])],
            problem.site_ids[int(net.lot_origin[lot])],
            int(net.lot_avail[lot]),
            problem.req_ids[int(net.rt_req[r])],
            hub_ids[int(net.rt_hub[r])],
            int(week),
        )
        for lot, r, week in zip(lots, routes, t, strict=True)
    )
    return WarmStart(columns=cols)
