"""Monte Carlo reliability of a fixed plan: what it delivers when nations fail to deliver or deliver late.

The plan's allocations ``(o, r, h, t, q)`` are kept as they are; each run draws

* **delivery** per *offer*: offer ``o`` is delivered with probability ``p_o`` (an offer's own probability
  where given, else its nation's, else the default), and then every allocation of it is; otherwise all its
  units are lost. Failure is per offer, not per allocation, because a pledge that falls through takes all
  its consignments with it (failures of one offer are perfectly correlated; offers fail independently);
* **delay** per *allocation* (one shipment each): ``d`` whole weeks, ``P(d = k) = π_n(k)`` for
  ``k = 0 … K`` from the nation's delay distribution (default: never late), so the arrival is ``a + d``.

A run's figures are those of :func:`aidcoord.planning.result.evaluate` on what arrives, with the same
value function :func:`aidcoord.planning.problem.lateness_value`:

* ``weighted fulfilment = Σ_j δ_j · q_j · w(r_j) · v(a_j + d_j, due(r_j)) / Σ_r w(r) · quantity(r)``,
  with ``δ_j ∈ {0, 1}`` delivered or not;
* ``on-time fill = Σ_j δ_j · q_j · [a_j + d_j ≤ due(r_j)] / Σ_r quantity(r)``;
* requirement ``r`` is **met on time** in a run when its on-time units reach ``quantity(r)``, and **as
  planned** when they reach the plan's own on-time units for it.

Over ``N`` runs the result gives each figure's distribution (mean, p5, p50, p95 — ``numpy.quantile``'s
linear interpolation), per requirement the share of runs in which it is met on time and as planned, and
flags the requirements the plan serves on time (planned on-time units > 0) whose probability of getting
them as planned is below a threshold (default 0.8; for a requirement the plan fills on time this is the
probability that it is met on time). Requirements the plan does not serve on time are already among the
plan's unmet ones and are not flagged again.

**Not a re-plan.** Hub throughput is not checked again and nothing is re-routed: a delayed consignment
might in reality meet a full hub or be replaced from another offer, but the question asked is how much
of *this* plan survives, and a delay only ever lowers a hub week's load where it came from. Late arrivals
after the horizon still count with the decayed value (the horizon bounds planning, not reality).

**Reproducible.** Run ``i`` draws from its own generator ``default_rng(SeedSequence(seed).spawn(N)[i])``:
first a uniform per offer of the plan (delivered when ``u < p_o``), then, if any delay is possible, a
uniform per allocation (inverted through the nation's cumulative distribution). Results therefore depend
on the seed and the inputs only — not on the number of workers or the chunk size — and two analyses with
the same seed share their random numbers (a change of one nation's probability changes only its draws'
outcomes: common random numbers, so differences between what-ifs are not noise).
"""

from __future__ import annotations

import math
import multiprocessing
import secrets
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from aidcoord.analysis.dependency import AnalysisInputError, PlanLike, allocation_arrays
from aidcoord.planning.problem import BoolArray, FloatArray, IntArray, PlanningProblem, lateness_value
from aidcoord.planning.result import AllocationArrays, Figures, evaluate

Progress = Callable[[str, float], None]
"""``progress(message, fraction)`` as the planner takes it; fraction in [0, 1]."""

DEFAULT_THRESHOLD = 0.8
"""Requirements whose probability of being served as planned is below this are flagged."""

PMF_TOLERANCE = 1e-6
"""How far a delay distribution's probabilities may sum from 1 (they are then rescaled to 1 exactly)."""


@dataclass(frozen=True)
class Reliability:
    """How reliably nations deliver: delivery probabilities and delay distributions.

    Attributes
    ----------
    delivery_probability
        ``p`` per nation id (e.g. from :func:`delivery_probabilities`).
    offer_probability
        ``p`` per offer id; overrides the nation's.
    delay_pmf
        Per nation id, ``(π(0), π(1), …, π(K))``: the probability of arriving ``k`` whole weeks late.
    default_probability
        ``p`` of a nation with none given.
    default_delay_pmf
        The delay distribution of a nation with none given (default: never late).
    """

    delivery_probability: Mapping[str, float] = field(default_factory=dict)
    offer_probability: Mapping[str, float] = field(default_factory=dict)
    delay_pmf: Mapping[str, Sequence[float]] = field(default_factory=dict)
    default_probability: float = 1.0
    default_delay_pmf: Sequence[float] = (1.0,)


@dataclass(frozen=True, slots=True)
class Distribution:
    """Summary of a figure over the runs: mean, standard deviation, 5th/50th/95th percentile, range."""

    mean: float
    std: float
    p5: float
    p50: float
    p95: float
    minimum: float
    maximum: float

    @staticmethod
    def of(samples: npt.ArrayLike) -> Distribution:
        """Summarise samples (percentiles by ``numpy.quantile``'s linear interpolation)."""
        x = np.asarray(samples, dtype=np.float64)
        p5, p50, p95 = (float(v) for v in np.quantile(x, [0.05, 0.5, 0.95]))
        return Distribution(
            mean=float(x.mean()),
            std=float(x.std()),
            p5=p5,
            p50=p50,
            p95=p95,
            minimum=float(x.min()),
            maximum=float(x.max()),
        )


@dataclass(frozen=True, slots=True)
class RequirementRisk:
    """A requirement the plan serves on time whose probability of being served as planned is low."""

    requirement_id: str
    priority: int
    weight: float
    quantity: int
    planned_on_time: int
    p_as_planned: float
    p_on_time: float
    mean_on_time_units: float


@dataclass(frozen=True, eq=False)
class MonteCarloResult:
    """Figures of a plan over ``runs`` random runs (see the module docstring).

    Attributes
    ----------
    runs, seed, threshold
        What was asked (``seed`` is the entropy used, also where none was given).
    planned
        The deterministic figures of the plan (:func:`aidcoord.planning.result.evaluate`).
    weighted_fulfilment, on_time_fill
        Per run, in run order.
    fulfilment, on_time
        Their distributions.
    requirement_ids
        The problem's requirements; the per-requirement arrays below follow this order.
    p_on_time
        Share of runs in which the requirement's on-time units reach its quantity.
    p_as_planned
        Share of runs in which they reach the plan's on-time units for it (1 where the plan has none).
    mean_on_time_units, mean_delivered_units
        Mean over the runs of the units arriving by the due week, and of all units arriving.
    flagged
        Requirements with planned on-time units and ``p_as_planned < threshold``: lowest probability
        first, then higher weight, then id.
    """

    runs: int
    seed: int
    threshold: float
    planned: Figures
    weighted_fulfilment: FloatArray
    on_time_fill: FloatArray
    fulfilment: Distribution
    on_time: Distribution
    requirement_ids: tuple[str, ...]
    p_on_time: FloatArray
    p_as_planned: FloatArray
    mean_on_time_units: FloatArray
    mean_delivered_units: FloatArray
    flagged: tuple[RequirementRisk, ...]


def delivery_probabilities(
    nation: Sequence[str],
    committed: npt.ArrayLike,
    delivered: npt.ArrayLike,
    *,
    prior_probability: float = 1.0,
    prior_weight: float = 0.0,
) -> dict[str, float]:
    """Each nation's delivery probability from its record: delivered units over committed units.

    For nation ``n`` with past shipments ``s`` (committed ``c_s``, delivered ``d_s`` units)

    ``p_n = (Σ_s min(d_s, c_s) + w · p₀) / (Σ_s c_s + w)``,

    the posterior mean of a Beta(``w·p₀``, ``w·(1 − p₀)``) prior after ``Σ c`` unit trials (``w``
    pseudo-units at the prior probability ``p₀``). With the default ``w = 0`` it is the plain ratio; a
    nation whose record holds no committed units gets ``p₀`` (default 1: no record, no penalty).
    Over-delivery of one shipment does not make up for another's shortfall (``d`` is capped at ``c``).

    Parameters
    ----------
    nation, committed, delivered
        One entry per past shipment (what "delivered" means — received, or received less damaged — is
        the caller's choice).
    prior_probability, prior_weight
        ``p₀ ∈ [0, 1]`` and ``w ≥ 0``.

    Returns
    -------
    dict
        ``p_n`` for each nation in the record; pass it as :attr:`Reliability.delivery_probability`
        with ``default_probability = p₀`` for nations without one.
    """
    c = np.asarray(committed, dtype=np.float64).ravel()
    d = np.asarray(delivered, dtype=np.float64).ravel()
    if not (len(nation) == c.size == d.size):
        raise AnalysisInputError("nation, committed and delivered must have one entry per shipment.")
    if np.any(~np.isfinite(c)) or np.any(~np.isfinite(d)) or np.any(c < 0) or np.any(d < 0):
        raise AnalysisInputError("Committed and delivered units must be finite and not negative.")
    _check_probability(prior_probability, "the prior probability")
    if not (math.isfinite(prior_weight) and prior_weight >= 0):
        raise AnalysisInputError("The prior weight must be finite and not negative.")
    nations = sorted(set(nation))
    code = {n: k for k, n in enumerate(nations)}
    idx = np.fromiter((code[n] for n in nation), dtype=np.int64, count=len(nation))
    got = np.bincount(idx, weights=np.minimum(d, c), minlength=len(nations))
    due = np.bincount(idx, weights=c, minlength=len(nations))
    out: dict[str, float] = {}
    for k, n in enumerate(nations):
        denominator = float(due[k]) + prior_weight
        out[n] = (
            (float(got[k]) + prior_weight * prior_probability) / denominator
            if denominator > 0
            else prior_probability
        )
    return out


def delay_distributions(
    nation: Sequence[str],
    delay_weeks: npt.ArrayLike,
    *,
    units: npt.ArrayLike | None = None,
    max_weeks: int | None = None,
) -> dict[str, tuple[float, ...]]:
    """Each nation's empirical delay distribution from its record, for :attr:`Reliability.delay_pmf`.

    ``π_n(k) = Σ_s u_s [min(max(δ_s, 0), K) = k] / Σ_s u_s`` over nation ``n``'s past shipments ``s``
    with delay ``δ_s`` whole weeks (early counts as on time) and weight ``u_s`` (units, or 1 each);
    delays beyond ``K = max_weeks`` count as ``K``.
    """
    delays = np.asarray(delay_weeks, dtype=np.float64).ravel()
    weights = np.ones_like(delays) if units is None else np.asarray(units, dtype=np.float64).ravel()
    if not (len(nation) == delays.size == weights.size):
        raise AnalysisInputError("nation, delay_weeks and units must have one entry per shipment.")
    if np.any(~np.isfinite(delays)) or np.any(~np.isfinite(weights)) or np.any(weights < 0):
        raise AnalysisInputError("Delays must be finite and units finite and not negative.")
    if max_weeks is not None and max_weeks < 0:
        raise AnalysisInputError("max_weeks must not be negative.")
    weeks = np.maximum(np.rint(delays), 0).astype(np.int64)
    if max_weeks is not None:
        weeks = np.minimum(weeks, max_weeks)
    out: dict[str, tuple[float, ...]] = {}
    names = np.asarray(nation, dtype=object)
    for n in sorted(set(nation)):
        mask = names == n
        counts = np.bincount(weeks[mask], weights=weights[mask])
        total = float(counts.sum())
        if total > 0:
            out[n] = tuple(float(v) / total for v in counts)
    return out


def simulate(
    problem: PlanningProblem,
    plan: PlanLike,
    reliability: Reliability | None = None,
    *,
    runs: int = 1000,
    seed: int | None = 0,
    workers: int = 1,
    threshold: float = DEFAULT_THRESHOLD,
    chunk_runs: int = 50,
    progress: Progress | None = None,
) -> MonteCarloResult:
    """Run the plan ``runs`` times under random delivery failures and delays (see the module docstring).

    Parameters
    ----------
    problem
        The problem the plan was made for.
    plan
        Its allocations (see :func:`aidcoord.analysis.dependency.allocation_arrays`).
    reliability
        Delivery probabilities and delay distributions; default: everything arrives as planned.
    runs
        ``N ≥ 1``.
    seed
        Entropy of the runs' ``SeedSequence``; ``None`` draws fresh entropy (kept in the result).
    workers
        Processes to spread the runs over (``1``: in this process). The result does not depend on it.
        Starting a worker costs about a second, while a run of the generated M plan costs about 0.1 ms:
        more than one pays only for runs × allocations well above 10⁷.
    threshold
        Flag requirements whose probability of being served as planned is below it.
    chunk_runs
        Runs computed together as one (runs × allocations) matrix; bounds memory, not the result.
    progress
        Called as ``progress(message, fraction)`` after each chunk, and ``("done", 1.0)`` at the end.
    """
    if runs < 1:
        raise AnalysisInputError("Monte Carlo needs at least one run.")
    if workers < 1 or chunk_runs < 1:
        raise AnalysisInputError("workers and chunk_runs must be at least 1.")
    _check_probability(threshold, "the threshold")
    if seed is not None and seed < 0:
        raise AnalysisInputError("The seed must not be negative.")
    reliability = reliability or Reliability()
    alloc = allocation_arrays(problem, plan)
    planned = evaluate(problem, alloc)
    kernel = _kernel(problem, alloc, planned, reliability)
    # 128 fresh bits, as SeedSequence(None) draws them, but kept so that the result can be reproduced.
    entropy = seed if seed is not None else secrets.randbits(128)
    size = min(chunk_runs, max(1, math.ceil(runs / workers)))
    chunks = [range(k, min(k + size, runs)) for k in range(0, runs, size)]

    outs: list[_ChunkOut | None] = [None] * len(chunks)
    done = 0

    def record(k: int, out: _ChunkOut) -> None:
        nonlocal done
        outs[k] = out
        done += len(chunks[k])
        if progress is not None:
            progress(f"Monte Carlo: {done}/{runs} runs", done / runs)

    if workers == 1 or len(chunks) == 1:
        for k, chunk in enumerate(chunks):
            record(k, _run_chunk(kernel, entropy, chunk))
    else:
        # spawn, not fork: the caller may be a threaded server, and fork() of a threaded process can
        # deadlock. Each worker imports this module (and so the planner) once, about half a second.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=context) as pool:
            futures: dict[Future[_ChunkOut], int] = {
                pool.submit(_run_chunk, kernel, entropy, chunk): k for k, chunk in enumerate(chunks)
            }
            for future in as_completed(futures):
                record(futures[future], future.result())
    result = _combine(problem, planned, kernel, [o for o in outs if o is not None], runs, entropy, threshold)
    if progress is not None:
        progress("done", 1.0)
    return result


def _check_probability(p: float, what: str) -> None:
    """Refuse a probability outside [0, 1] (or NaN)."""
    if not (math.isfinite(p) and 0.0 <= p <= 1.0):
        raise AnalysisInputError(f"{what.capitalize()} must be in [0, 1], not {p}.")


def _cdf(pmf: Sequence[float], whose: str) -> FloatArray:
    """Cumulative distribution of a delay pmf, checked, rescaled to end at 1 exactly."""
    x = np.asarray(pmf, dtype=np.float64).ravel()
    if x.size == 0 or np.any(~np.isfinite(x)) or np.any(x < 0) or abs(float(x.sum()) - 1.0) > PMF_TOLERANCE:
        raise AnalysisInputError(
            f"The delay distribution of {whose} must be probabilities of 0, 1, … weeks summing to 1."
        )
    cdf = np.cumsum(x / x.sum())
    # The last entry is 1 exactly, so a uniform draw u < 1 never falls beyond the last week.
    cdf[-1] = 1.0
    return np.asarray(cdf, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class _Kernel:
    """What a worker needs for a chunk of runs, by allocation (column) and requirement."""

    n_req: int
    qty: IntArray
    req: IntArray
    alloc_offer: IntArray
    p_offer: FloatArray
    value: FloatArray
    slack: IntArray
    delay_groups: tuple[tuple[IntArray, FloatArray], ...]
    req_qty: IntArray
    planned_on_time: IntArray
    total_weight: float
    total_units: int


@dataclass(frozen=True, eq=False)
class _ChunkOut:
    """A chunk's per-run figures and per-requirement counts and sums over its runs."""

    weighted_fulfilment: FloatArray
    on_time_fill: FloatArray
    met: IntArray
    as_planned: IntArray
    on_time_units: IntArray
    delivered_units: IntArray


def _kernel(
    problem: PlanningProblem, alloc: AllocationArrays, planned: Figures, reliability: Reliability
) -> _Kernel:
    """Arrays of the plan and the probabilities, ready for :func:`_run_chunk`."""
    for name, p in reliability.delivery_probability.items():
        _check_probability(p, f"the delivery probability of {name}")
    for name, p in reliability.offer_probability.items():
        _check_probability(p, f"the delivery probability of offer {name}")
    _check_probability(reliability.default_probability, "the default delivery probability")

    plan_offers, alloc_offer = np.unique(alloc.offer, return_inverse=True)
    p_offer = np.array(
        [
            reliability.offer_probability.get(
                problem.offer_ids[o],
                reliability.delivery_probability.get(
                    problem.offer_nation[o], reliability.default_probability
                ),
            )
            for o in plan_offers.tolist()
        ],
        dtype=np.float64,
    )

    # Group allocations by their nation's delay distribution; groups that are never late draw nothing.
    default_cdf = _cdf(reliability.default_delay_pmf, "the default")
    cdfs: dict[str, FloatArray] = {n: _cdf(pmf, n) for n, pmf in reliability.delay_pmf.items()}
    nation_of_alloc = [problem.offer_nation[o] for o in alloc.offer.tolist()]
    by_cdf: dict[tuple[float, ...], list[int]] = {}
    for j, n in enumerate(nation_of_alloc):
        by_cdf.setdefault(tuple(cdfs.get(n, default_cdf).tolist()), []).append(j)
    groups = tuple(
        (np.array(cols, dtype=np.int64), np.array(cdf, dtype=np.float64))
        for cdf, cols in sorted(by_cdf.items())
        if cdf[0] < 1.0
    )
    max_delay = max((cdf.size - 1 for _, cdf in groups), default=0)

    _, arrive = alloc.weeks(problem)
    due = problem.req_due[alloc.req]
    weight = problem.req_weight[alloc.req]
    # value[j, k] = w(r_j) · v(a_j + k, due(r_j)): the unit value of allocation j arriving k weeks late,
    # the very expression of AllocationArrays.unit_values for k = 0.
    value = np.stack(
        [weight * lateness_value(arrive + k, due, problem.lateness_decay) for k in range(max_delay + 1)],
        axis=1,
    ).reshape(alloc.qty.size, max_delay + 1)
    return _Kernel(
        n_req=len(problem.req_ids),
        qty=alloc.qty,
        req=alloc.req,
        alloc_offer=alloc_offer.astype(np.int64).ravel(),
        p_offer=p_offer,
        value=np.ascontiguousarray(value),
        slack=(due - arrive).astype(np.int64),
        delay_groups=groups,
        req_qty=problem.req_qty,
        planned_on_time=planned.on_time,
        total_weight=float(np.sum(problem.req_weight * problem.req_qty)),
        total_units=int(problem.req_qty.sum()),
    )


def _run_chunk(kernel: _Kernel, entropy: int, chunk: range) -> _ChunkOut:
    """Figures of the runs numbered ``chunk``, as (runs × allocations) matrices.

    Run ``i``'s generator is seeded by ``SeedSequence(entropy).spawn(N)[i]``, rebuilt here from its spawn
    key so that only three numbers travel to a worker.
    """
    n, n_alloc, n_req = len(chunk), int(kernel.qty.size), kernel.n_req
    u_offer = np.empty((n, kernel.p_offer.size), dtype=np.float64)
    u_delay = np.empty((n, n_alloc), dtype=np.float64)
    for i, run in enumerate(chunk):
        rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(run,)))
        u_offer[i] = rng.random(kernel.p_offer.size)
        if kernel.delay_groups:
            u_delay[i] = rng.random(n_alloc)
    delivered: BoolArray = (u_offer < kernel.p_offer)[:, kernel.alloc_offer]
    delay = np.zeros((n, n_alloc), dtype=np.int64)
    for cols, cdf in kernel.delay_groups:
        delay[:, cols] = np.searchsorted(cdf, u_delay[:, cols], side="right")

    unit_value = kernel.value[np.arange(n_alloc)[None, :], delay]
    # q · value first, as evaluate() multiplies, so that a run without losses or delays sums the very
    # same numbers in the same order and equals the deterministic figure exactly.
    weighted = np.where(delivered, kernel.qty * unit_value, 0.0).sum(axis=1)
    fulfilment = weighted / kernel.total_weight if kernel.total_weight > 0 else np.ones(n)

    flat = (np.arange(n, dtype=np.int64)[:, None] * n_req + kernel.req[None, :]).ravel()

    def per_requirement(units: IntArray) -> IntArray:
        sums = np.bincount(flat, weights=units.ravel(), minlength=n * n_req)
        return np.rint(sums).astype(np.int64).reshape(n, n_req)

    got = per_requirement(np.where(delivered, kernel.qty, 0))
    on_time = per_requirement(np.where(delivered & (delay <= kernel.slack), kernel.qty, 0))
    fill = (
        on_time.sum(axis=1) / kernel.total_units if kernel.total_units > 0 else np.ones(n, dtype=np.float64)
    )
    return _ChunkOut(
        weighted_fulfilment=np.asarray(fulfilment, dtype=np.float64),
        on_time_fill=np.asarray(fill, dtype=np.float64),
        met=(on_time >= kernel.req_qty).sum(axis=0).astype(np.int64),
        as_planned=(on_time >= kernel.planned_on_time).sum(axis=0).astype(np.int64),
        on_time_units=on_time.sum(axis=0).astype(np.int64),
        delivered_units=got.sum(axis=0).astype(np.int64),
    )


def _combine(
    problem: PlanningProblem,
    planned: Figures,
    kernel: _Kernel,
    outs: Sequence[_ChunkOut],
    runs: int,
    entropy: int,
    threshold: float,
) -> MonteCarloResult:
    """Join the chunks (in run order) into the result; counts are integers, so any split sums the same."""
    fulfilment = np.concatenate([o.weighted_fulfilment for o in outs])
    fill = np.concatenate([o.on_time_fill for o in outs])
    met = np.sum([o.met for o in outs], axis=0)
    as_planned = np.sum([o.as_planned for o in outs], axis=0)
    on_time_units = np.sum([o.on_time_units for o in outs], axis=0)
    delivered_units = np.sum([o.delivered_units for o in outs], axis=0)
    p_on_time = met / runs
    p_as_planned = as_planned / runs
    mean_on_time = on_time_units / runs
    at_risk = np.flatnonzero((kernel.planned_on_time > 0) & (p_as_planned < threshold)).tolist()
    flagged = sorted(
        (
            RequirementRisk(
                requirement_id=problem.req_ids[r],
                priority=int(problem.req_priority[r]),
                weight=float(problem.req_weight[r]),
                quantity=int(problem.req_qty[r]),
                planned_on_time=int(kernel.planned_on_time[r]),
                p_as_planned=float(p_as_planned[r]),
                p_on_time=float(p_on_time[r]),
                mean_on_time_units=float(mean_on_time[r]),
            )
            for r in at_risk
        ),
        key=lambda x: (x.p_as_planned, -x.weight, x.requirement_id),
    )
    return MonteCarloResult(
        runs=runs,
        seed=entropy,
        threshold=threshold,
        planned=planned,
        weighted_fulfilment=fulfilment,
        on_time_fill=fill,
        fulfilment=Distribution.of(fulfilment),
        on_time=Distribution.of(fill),
        requirement_ids=problem.req_ids,
        p_on_time=np.asarray(p_on_time, dtype=np.float64),
        p_as_planned=np.asarray(p_as_planned, dtype=np.float64),
        mean_on_time_units=np.asarray(mean_on_time, dtype=np.float64),
        mean_delivered_units=np.asarray(delivered_units / runs, dtype=np.float64),
        flagged=tuple(flagged),
    )
