"""What-if scenarios: composable changes to a planning problem, re-planned and compared with the baseline.

A what-if is a tuple of *changes* applied to the baseline's :class:`PlanningProblem`:

- :class:`WithdrawNation` — nation ``n`` stops from week ``w``: of its offers only the units the
  baseline plan dispatches before ``w`` remain (and stay where the baseline put them);
- :class:`CutOffers` — nation ``n``'s offers shrink to ``⌊q · (1 − x)⌋``;
- :class:`DelayOffers` — offers (of one nation, or all) become available ``k`` weeks later;
- :class:`HubCut` — hub ``h``'s weekly throughput is multiplied by ``1 − x`` from week ``w`` (``x = 1``
  closes it);
- :class:`IncludeAnnounced` — announced offers are planned too (the shell builds the problem with them);
- :class:`AddOffer` — a hypothetical offer;
- :class:`WithdrawCourses` — a nation's training courses go (the shell re-plans training for it; the
  equipment problem is unchanged).

**History is kept.** A change "from week ``w``" happens while the baseline plan runs, so what the
baseline dispatches before the earliest such week ``w₀`` has happened: those allocations are pinned
and the rest is re-planned. Changes without a week (cuts, delays, added offers) are planning-time
questions and re-plan everything.

:func:`compare` sets the re-planned result beside the baseline: weighted fulfilment and on-time fill
overall, per capability and per priority class; the requirements newly unmet; and, for each, the offers
of the remaining nations (announced, or committed but not allocated in the what-if plan) that could
close the gap, with the earliest week they could arrive.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from aidcoord.errors import DomainError
from aidcoord.planning import Allocation, PlanningProblem, PlanResult
from aidcoord.planning.problem import FloatArray, IntArray, lateness_value


class WhatIfInvalid(DomainError):
    """A what-if names something the problem does not have, or a share or week out of range."""

    code = "whatif_invalid"
    status = 422


@dataclass(frozen=True, slots=True)
class WithdrawNation:
    """Nation `nation_id` stops contributing from week `from_week` (0: it never did)."""

    nation_id: str
    from_week: int = 0


@dataclass(frozen=True, slots=True)
class CutOffers:
    """Nation `nation_id`'s offers shrink by `share` (0 < share ≤ 1)."""

    nation_id: str
    share: float


@dataclass(frozen=True, slots=True)
class DelayOffers:
    """Offers (of `nation_id`, or every nation's) become available `weeks` later."""

    weeks: int
    nation_id: str | None = None


@dataclass(frozen=True, slots=True)
class HubCut:
    """Hub `hub_site_id` loses `share` of its throughput from week `from_week` (share 1: closed)."""

    hub_site_id: str
    share: float
    from_week: int = 0


@dataclass(frozen=True, slots=True)
class IncludeAnnounced:
    """Plan announced offers as well as committed ones."""


@dataclass(frozen=True, slots=True)
class AddOffer:
    """A hypothetical offer, planned as if committed."""

    offer_id: str
    nation_id: str
    item_id: str
    quantity: int
    available_week: int
    origin_site_id: str


@dataclass(frozen=True, slots=True)
class WithdrawCourses:
    """Nation `nation_id` withdraws its training courses (the training plan is compared; equipment is not)."""

    nation_id: str


Change = WithdrawNation | CutOffers | DelayOffers | HubCut | IncludeAnnounced | AddOffer | WithdrawCourses


def describe(change: Change) -> str:
    """One line a person reads: what the change does."""
    if isinstance(change, WithdrawNation):
        return f"{change.nation_id} withdraws" + (
            f" from week {change.from_week}" if change.from_week else ""
        )
    if isinstance(change, CutOffers):
        return f"{change.nation_id} cuts its offers by {change.share:.0%}"
    if isinstance(change, DelayOffers):
        who = change.nation_id or "every nation"
        return f"offers of {who} delayed by {change.weeks} week{'s' if change.weeks != 1 else ''}"
    if isinstance(change, HubCut):
        what = "closes" if change.share >= 1 else f"loses {change.share:.0%} of its throughput"
        return f"{change.hub_site_id} {what}" + (f" from week {change.from_week}" if change.from_week else "")
    if isinstance(change, IncludeAnnounced):
        return "announced offers are planned too"
    if isinstance(change, WithdrawCourses):
        return f"{change.nation_id} withdraws its courses"
    return (
        f"hypothetical offer {change.offer_id}: {change.quantity} × {change.item_id} from "
        f"{change.nation_id} at {change.origin_site_id}, week {change.available_week}"
    )


def freeze_week(changes: Sequence[Change]) -> int:
    """``w₀``: the earliest week a change starts at (0 when none has a week): the baseline runs until then."""
    weeks = [c.from_week for c in changes if isinstance(c, WithdrawNation | HubCut) and c.from_week > 0]
    return min(weeks) if weeks else 0


def _check(problem: PlanningProblem, changes: Sequence[Change]) -> None:
    nations = set(problem.offer_nation)
    hubs = set(problem.hub_ids)
    horizon = problem.horizon_weeks
    problems: list[str] = []
    for n, c in enumerate(changes, start=1):
        where = f"change {n} ({type(c).__name__})"
        nation = getattr(c, "nation_id", None)
        if isinstance(c, WithdrawNation | CutOffers) and nation not in nations:
            problems.append(f"{where}: nation {nation!r} has no planned offers")
        if isinstance(c, DelayOffers) and nation is not None and nation not in nations:
            problems.append(f"{where}: nation {nation!r} has no planned offers")
        if isinstance(c, CutOffers | HubCut) and not 0 < c.share <= 1:
            problems.append(f"{where}: the share must be in (0, 1], not {c.share}")
        if isinstance(c, WithdrawNation | HubCut) and not 0 <= c.from_week < horizon:
            problems.append(f"{where}: the week must be in 0 … {horizon - 1}, not {c.from_week}")
        if isinstance(c, DelayOffers) and not 1 <= c.weeks < horizon:
            problems.append(f"{where}: the delay must be 1 … {horizon - 1} weeks, not {c.weeks}")
        if isinstance(c, HubCut) and c.hub_site_id not in hubs:
            problems.append(f"{where}: {c.hub_site_id!r} is not an open hub")
        if isinstance(c, AddOffer):
            if c.item_id not in problem.index("item"):
                problems.append(f"{where}: unknown item {c.item_id!r}")
            if c.origin_site_id not in problem.index("site"):
                problems.append(f"{where}: unknown origin site {c.origin_site_id!r}")
            if c.offer_id in problem.index("offer"):
                problems.append(f"{where}: offer {c.offer_id!r} already exists")
            if c.quantity <= 0 or not 0 <= c.available_week < horizon:
                problems.append(f"{where}: the quantity must be > 0 and the week in 0 … {horizon - 1}")
    if problems:
        raise WhatIfInvalid("; ".join(problems))


@dataclass(frozen=True, slots=True)
class Applied:
    """The changed problem and the baseline allocations kept as they are (history and pins)."""

    problem: PlanningProblem
    pinned: tuple[Allocation, ...]
    freeze_week: int


def apply(problem: PlanningProblem, baseline: PlanResult, changes: Sequence[Change]) -> Applied:
    """Apply `changes` to a copy of `problem`, keeping the baseline's history before ``w₀``.

    Parameters
    ----------
    problem
        The baseline's problem (with announced offers already in it if :class:`IncludeAnnounced` is
        among the changes: the shell builds it so).
    baseline
        The baseline plan of `problem` (without the announced offers).
    changes
        What changes, in any order (they commute: quantities are cut after withdrawals are capped).

    Returns
    -------
    Applied
        With ``w₀ = freeze_week(changes)``, every baseline allocation departing before ``w₀`` is pinned.
        A withdrawing nation keeps, per offer, only ``Σ q`` of its baseline allocations departing before
        its week; a cut keeps ``max(⌊q(1 − x)⌋, pinned units)``; delays move ``available`` by ``k`` for
        offers with nothing pinned; hub cuts multiply ``K[h, s]`` for ``s ≥ w`` by ``1 − x``, but never
        below the tonnes the pinned history puts through that hub week (cargo already under way).
    """
    _check(problem, changes)
    w0 = freeze_week(changes)
    pinned = tuple(a for a in baseline.allocations if a.depart_week < w0)
    offer_index = problem.index("offer")
    pinned_units = np.zeros(len(problem.offer_ids), dtype=np.int64)
    for a in pinned:
        if a.offer_id in offer_index:
            pinned_units[offer_index[a.offer_id]] += a.quantity
    qty = problem.offer_qty.copy()
    available = problem.offer_available.copy()
    capacity = problem.hub_capacity_t.copy()
    in_transit = np.zeros_like(capacity)
    nation = np.array(problem.offer_nation, dtype=object)

    for c in changes:
        if isinstance(c, WithdrawNation):
            kept = np.zeros_like(qty)
            for a in baseline.allocations:
                o = offer_index.get(a.offer_id)
                if o is not None and a.depart_week < c.from_week and problem.offer_nation[o] == c.nation_id:
                    kept[o] += a.quantity
            mine = nation == c.nation_id
            qty[mine] = np.minimum(qty[mine], kept[mine])
    for c in changes:
        if isinstance(c, CutOffers):
            mine = nation == c.nation_id
            cut = np.floor(qty[mine] * (1.0 - c.share) + 1e-9).astype(np.int64)
            qty[mine] = np.maximum(cut, pinned_units[mine])
        elif isinstance(c, DelayOffers):
            mine = (nation == c.nation_id) if c.nation_id is not None else np.ones(len(qty), dtype=bool)
            mine &= pinned_units == 0  # what has left already cannot be late
            available[mine] += c.weeks
        elif isinstance(c, HubCut):
            h = problem.index("hub")[c.hub_site_id]
            capacity[h, c.from_week :] *= 1.0 - c.share

    # Consignments already on their way when a cut starts still get through the hub: the cut bites on
    # new traffic, so a hub week never has less room than the history pinned through it.
    hub_index = problem.index("hub")
    for a in pinned:
        po, ph = offer_index.get(a.offer_id), hub_index.get(a.hub_site_id)
        if po is not None and ph is not None and 0 <= a.hub_week < problem.horizon_weeks:
            in_transit[ph, a.hub_week] += a.quantity * problem.item_mass_kg[problem.offer_item[po]] / 1000.0
    capacity = np.maximum(capacity, np.minimum(in_transit, problem.hub_capacity_t))

    keep = (qty > 0) & (available < problem.horizon_weeks)
    added = [c for c in changes if isinstance(c, AddOffer)]
    item_index, site_index = problem.index("item"), problem.index("site")
    changed = dataclasses.replace(
        problem,
        offer_ids=tuple(o for o, k in zip(problem.offer_ids, keep, strict=True) if k)
        + tuple(a.offer_id for a in added),
        offer_item=np.concatenate(
            [problem.offer_item[keep], np.array([item_index[a.item_id] for a in added], dtype=np.int64)]
        ),
        offer_qty=np.concatenate([qty[keep], np.array([a.quantity for a in added], dtype=np.int64)]),
        offer_available=np.concatenate(
            [available[keep], np.array([a.available_week for a in added], dtype=np.int64)]
        ),
        offer_origin=np.concatenate(
            [
                problem.offer_origin[keep],
                np.array([site_index[a.origin_site_id] for a in added], dtype=np.int64),
            ]
        ),
        offer_nation=tuple(n for n, k in zip(problem.offer_nation, keep, strict=True) if k)
        + tuple(a.nation_id for a in added),
        hub_capacity_t=capacity,
        pinned=(),
        _index={},
    )
    return Applied(problem=changed, pinned=pinned, freeze_week=w0)


# --- comparing -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupFigures:
    """Weighted fulfilment and on-time fill of a group of requirements, before and after."""

    group: str
    requirements: int
    fulfilment_before: float
    fulfilment_after: float
    on_time_before: float
    on_time_after: float


@dataclass(frozen=True, slots=True)
class GapCloser:
    """An offer that could close (part of) a gap: units free and the earliest week they could arrive."""

    offer_id: str
    nation_id: str
    item_id: str
    status: str
    units_free: int
    earliest_arrival: int


@dataclass(frozen=True, slots=True)
class NewlyUnmet:
    """A requirement filled on time in the baseline and not in the what-if, and what could close it."""

    requirement_id: str
    item_id: str
    priority: int
    quantity: int
    on_time_before: int
    on_time_after: int
    reason: str | None
    explanation: str | None
    closers: tuple[GapCloser, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    """A what-if set beside its baseline."""

    changes: tuple[str, ...]
    freeze_week: int
    fulfilment_before: float
    fulfilment_after: float
    on_time_before: float
    on_time_after: float
    by_capability: tuple[GroupFigures, ...]
    by_priority: tuple[GroupFigures, ...]
    newly_unmet: tuple[NewlyUnmet, ...]


def _per_requirement(
    problem: PlanningProblem, allocations: Iterable[Allocation]
) -> tuple[FloatArray, IntArray]:
    """Per requirement: weighted value delivered ``Σ w · v(a, d) · q`` and units on time."""
    index = problem.index("requirement")
    value = np.zeros(len(problem.req_ids), dtype=np.float64)
    on_time = np.zeros(len(problem.req_ids), dtype=np.int64)
    for a in allocations:
        r = index[a.requirement_id]
        due = int(problem.req_due[r])
        v = float(lateness_value(a.arrive_week, due, problem.lateness_decay))
        value[r] += problem.req_weight[r] * v * a.quantity
        if a.arrive_week <= due:
            on_time[r] += a.quantity
    return value, on_time


def _groups(
    problem: PlanningProblem,
    labels: Sequence[str],
    before: tuple[FloatArray, IntArray],
    after: tuple[FloatArray, IntArray],
) -> tuple[GroupFigures, ...]:
    weight = problem.req_weight * problem.req_qty
    rows = []
    for label in sorted(set(labels)):
        mask = np.array([x == label for x in labels], dtype=bool)
        total_w, total_q = float(weight[mask].sum()), float(problem.req_qty[mask].sum())

        def share(x: float, total: float) -> float:
            return x / total if total > 0 else 1.0

        rows.append(
            GroupFigures(
                group=label,
                requirements=int(mask.sum()),
                fulfilment_before=share(float(before[0][mask].sum()), total_w),
                fulfilment_after=share(float(after[0][mask].sum()), total_w),
                on_time_before=share(float(before[1][mask].sum()), total_q),
                on_time_after=share(float(after[1][mask].sum()), total_q),
            )
        )
    return tuple(rows)


def _earliest_arrival(problem: PlanningProblem, origin: int, available: int, delivery: int) -> int | None:
    best: int | None = None
    for hub_site in problem.hub_site:
        first, second = problem.lane_lead[origin, hub_site], problem.lane_lead[hub_site, delivery]
        if first >= 0 and second >= 0:
            arrive = available + int(first) + int(second)
            best = arrive if best is None else min(best, arrive)
    return best


def compare(
    problem: PlanningProblem,
    baseline: PlanResult,
    whatif: PlanResult,
    *,
    changes: Sequence[Change],
    capability_of_item: Mapping[str, str],
    candidates: PlanningProblem,
    candidate_status: Mapping[str, str],
    excluded_nations: Iterable[str] = (),
    max_closers: int = 5,
) -> Comparison:
    """Set the what-if beside the baseline (both over `problem`'s requirements).

    Parameters
    ----------
    problem
        The baseline problem (requirements are the same in both plans).
    baseline, whatif
        The two plans.
    changes
        The what-if's changes (described in the result).
    capability_of_item
        Item id → capability, for the per-capability figures.
    candidates
        A problem holding every offer that could close a gap (committed and announced, after the
        changes); `candidate_status` gives each one's status.
    excluded_nations
        Nations whose offers cannot close gaps (the withdrawn ones).

    Returns
    -------
    Comparison
        Fulfilment ``Σ_r value_r / Σ_r w_r q_r`` and on-time fill ``Σ_r ontime_r / Σ_r q_r`` overall and
        per group; a requirement is *newly unmet* when its on-time units fall below its quantity and
        below the baseline's. Its *closers* are offers of compatible items (the item, then substitutes)
        from other nations with units free in the what-if plan (announced offers count whole), sorted
        by earliest possible arrival, the at most `max_closers` that could arrive soonest.
    """
    before = _per_requirement(problem, baseline.allocations)
    after = _per_requirement(problem, whatif.allocations)
    capability = [capability_of_item.get(problem.item_ids[int(i)], "unknown") for i in problem.req_item]
    priority = [f"P{int(p)}" for p in problem.req_priority]
    weight_total = float((problem.req_weight * problem.req_qty).sum())
    qty_total = float(problem.req_qty.sum())

    used: dict[str, int] = {}
    for a in whatif.allocations:
        used[a.offer_id] = used.get(a.offer_id, 0) + a.quantity
    excluded = set(excluded_nations)
    unmet_reason = {u.requirement_id: u for u in whatif.unmet}

    newly = []
    for r, rid in enumerate(problem.req_ids):
        q = int(problem.req_qty[r])
        b, w = int(before[1][r]), int(after[1][r])
        if not (w < q and w < b):
            continue
        item = int(problem.req_item[r])
        compatible_ids = {problem.item_ids[i] for i in problem.compatible_items(item)}
        closers = []
        for o, oid in enumerate(candidates.offer_ids):
            if candidates.offer_nation[o] in excluded:
                continue
            cand_item = candidates.item_ids[int(candidates.offer_item[o])]
            if cand_item not in compatible_ids:
                continue
            free = int(candidates.offer_qty[o]) - used.get(oid, 0)
            if free <= 0:
                continue
            arrival = _earliest_arrival(
                candidates,
                int(candidates.offer_origin[o]),
                int(candidates.offer_available[o]),
                int(problem.req_site[r]),
            )
            if arrival is None:
                continue
            closers.append(
                GapCloser(
                    oid,
                    candidates.offer_nation[o],
                    cand_item,
                    candidate_status.get(oid, "committed"),
                    free,
                    arrival,
                )
            )
        closers.sort(key=lambda c: (c.earliest_arrival, -c.units_free, c.offer_id))
        reason = unmet_reason.get(rid)
        newly.append(
            NewlyUnmet(
                requirement_id=rid,
                item_id=problem.item_ids[item],
                priority=int(problem.req_priority[r]),
                quantity=q,
                on_time_before=b,
                on_time_after=w,
                reason=reason.reason if reason else None,
                explanation=reason.explanation if reason else None,
                closers=tuple(closers[:max_closers]),
            )
        )
    newly.sort(key=lambda n: (n.priority, -(n.on_time_before - n.on_time_after), n.requirement_id))

    def share(x: float, total: float) -> float:
        return x / total if total > 0 else 1.0

    return Comparison(
        changes=tuple(describe(c) for c in changes),
        freeze_week=freeze_week(changes),
        fulfilment_before=share(float(before[0].sum()), weight_total),
        fulfilment_after=share(float(after[0].sum()), weight_total),
        on_time_before=share(float(before[1].sum()), qty_total),
        on_time_after=share(float(after[1].sum()), qty_total),
        by_capability=_groups(problem, capability, before, after),
        by_priority=_groups(problem, priority, before, after),
        newly_unmet=tuple(newly),
    )


def parse_share(text: str) -> float:
    """``"30%"`` or ``"0.3"`` → 0.3."""
    raw = text.strip()
    value = float(raw[:-1]) / 100.0 if raw.endswith("%") else float(raw)
    if not math.isfinite(value):
        raise ValueError(f"not a share: {text!r}")
    return value
