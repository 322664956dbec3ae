"""Why a requirement is not filled on time: one reason and one sentence with the numbers.

Decision rule
-------------
For a requirement ``r`` (item ``i``, quantity ``q_r``, due week ``d``, delivery site ``p``) with fewer
than ``q_r`` units arriving by ``d``, let the *compatible supply* be the planned offers of ``i`` or of a
listed substitute that have lanes ``origin → h → p`` through some open hub ``h``, and for each such
offer ``o`` its earliest possible arrival ``e_o = max(0, available(o)) + min_h (L(origin, h) + L(h, p))``
(ignoring hub capacity and other requirements). With ``S`` the compatible supply's total quantity,
``S_d`` the part with ``e_o ≤ d`` (can arrive on time), and ``U_d`` the part of ``S_d`` the plan does
not deliver on time to anyone (left unused — supply rows with slack, dual ``μ = 0`` — or shipped
late), the first rule that holds gives the reason:

1. ``no_supply`` — ``S = 0``: no compatible planned offer can reach ``p`` at all;
2. ``supply_short`` — ``S < q_r``: even all of it would not be enough;
3. ``too_late`` — ``S_d < q_r``: enough supply, but not enough of it can arrive by ``d``;
4. ``hub_capacity`` — ``U_d > 0``: supply that could arrive on time does not, so what stops it is
   the hubs: the sentence names the hub weeks on its on-time routes whose capacity row is binding
   (dual ``π > 0``, or less than one unit's mass of throughput left);
5. ``outranked`` — otherwise: every unit that could arrive on time is used (its supply rows are
   tight), partly by other requirements whose weight and timing made them worth more.
"""

from __future__ import annotations

import numpy as np

from aidcoord.planning.problem import FloatArray, PlanningProblem
from aidcoord.planning.result import AllocationArrays, Unmet, evaluate


def _units(n: int) -> str:
    return f"{n} unit" if n == 1 else f"{n} units"


def _blocked_hub_weeks(
    problem: PlanningProblem,
    spare: list[tuple[int, int]],
    site: int,
    due: int,
    cap_left: FloatArray,
    prices: FloatArray | None,
) -> set[tuple[int, int]]:
    """Hub weeks on on-time routes of unused offers that are binding (``π > 0`` or full)."""
    hubs = problem.hub_site
    blocked: set[tuple[int, int]] = set()
    for o, start in spare:
        origin = int(problem.offer_origin[o])
        mass = float(problem.item_mass_kg[problem.offer_item[o]]) / 1000.0
        for h in range(problem.n_hubs):
            l1 = int(problem.lane_lead[origin, hubs[h]])
            l2 = int(problem.lane_lead[hubs[h], site])
            if l1 < 0 or l2 < 0:
                continue
            weeks = np.arange(start + l1, min(due - l2, problem.horizon_weeks - 1) + 1)
            if weeks.size == 0:
                continue
            full = cap_left[h, weeks] < mass - 1e-9
            if prices is not None:
                full |= prices[h, weeks] > 1e-9
            blocked.update((h, int(s)) for s in weeks[full])
    return blocked


def explain(
    problem: PlanningProblem, alloc: AllocationArrays, prices: FloatArray | None = None
) -> tuple[Unmet, ...]:
    """Reasons for every requirement not filled on time (see the module docstring for the rule).

    Parameters
    ----------
    problem
        The planning problem.
    alloc
        The plan's allocations (pins included).
    prices
        (hubs × T) duals ``π ≥ 0`` of the hub-week capacity rows, if the plan came from the LP.

    Returns
    -------
    tuple of Unmet
        One row per requirement with ``on_time < quantity``, sorted by requirement id.
    """
    figures = evaluate(problem, alloc)
    n_offers = len(problem.offer_ids)
    used = np.bincount(alloc.offer, weights=alloc.qty, minlength=n_offers).astype(np.int64)
    _, arrive = alloc.weeks(problem)
    in_time = arrive <= problem.req_due[alloc.req]
    used_on_time = np.bincount(alloc.offer[in_time], weights=alloc.qty[in_time], minlength=n_offers).astype(
        np.int64
    )
    cap_left = problem.hub_capacity_t - alloc.hub_load(problem)
    hubs = problem.hub_site
    by_item: dict[int, list[int]] = {}
    for o, item in enumerate(problem.offer_item.tolist()):
        by_item.setdefault(item, []).append(o)
    by_req = np.argsort(alloc.req, kind="stable")
    req_start = np.searchsorted(alloc.req[by_req], np.arange(len(problem.req_ids) + 1))
    rows: list[Unmet] = []
    for r in np.flatnonzero(figures.on_time < problem.req_qty).tolist():
        qty, due, site = int(problem.req_qty[r]), int(problem.req_due[r]), int(problem.req_site[r])
        item = int(problem.req_item[r])
        delivered, on_time = int(figures.delivered[r]), int(figures.on_time[r])
        unmet, late = qty - delivered, delivered - on_time
        offers = np.array(
            [o for j in problem.compatible_items(item) for o in by_item.get(j, [])], dtype=np.int64
        )
        given_to_r = np.zeros(offers.size, dtype=np.int64)
        lo, hi = int(req_start[r]), int(req_start[r + 1])
        if hi > lo and offers.size:
            given = np.bincount(
                alloc.offer[by_req[lo:hi]], weights=alloc.qty[by_req[lo:hi]], minlength=n_offers
            )
            given_to_r = given[offers].astype(np.int64)
        # per offer: the earliest arrival at the site over hubs with both lanes (vectorised)
        l1 = problem.lane_lead[problem.offer_origin[offers][:, None], hubs[None, :]]
        l2 = problem.lane_lead[hubs, site][None, :]
        ok = (l1 >= 0) & (l2 >= 0)
        reach = ok.any(axis=1)
        offers, given_to_r, l1, ok = offers[reach], given_to_r[reach], l1[reach], ok[reach]
        start = np.maximum(problem.offer_available[offers], 0).astype(np.int64)
        earliest = start + np.where(ok, l1 + l2, np.iinfo(np.int64).max // 4).min(
            axis=1, initial=np.iinfo(np.int64).max // 4
        )
        q = problem.offer_qty[offers].astype(np.int64)
        total, n_ok = int(q.sum()), int(offers.size)
        late_o = earliest > due
        earliest_late: int | None = int(earliest[late_o].min()) if late_o.any() else None
        fine = ~late_o
        ontime = int(q[fine].sum())
        others_ontime = int((used[offers[fine]] - given_to_r[fine]).sum())
        spare_q = q[fine] - used_on_time[offers[fine]]
        unused_ontime = int(spare_q[spare_q > 0].sum())
        spare = list(zip(offers[fine][spare_q > 0].tolist(), start[fine][spare_q > 0].tolist(), strict=True))
        head = (
            f"Requirement {problem.req_ids[r]} ({qty} × {problem.item_ids[item]}, due week {due}): "
            f"{_units(on_time)} arrive by week {due}"
            + (f", {late} late" if late else "")
            + (f", {unmet} not at all" if unmet else "")
            + "; "
        )
        if total == 0:
            reason = "no_supply"
            tail = (
                f"no planned offer of {problem.item_ids[item]} or a substitute can reach "
                f"{problem.site_ids[site]} through an open hub."
            )
        elif total < qty:
            reason = "supply_short"
            tail = (
                f"all {n_ok} compatible planned offers together hold only {total} units, "
                f"{qty - total} short of the {qty} required."
            )
        elif ontime < qty:
            reason = "too_late"
            later = f" (the next can arrive in week {earliest_late})" if earliest_late is not None else ""
            tail = (
                f"of {total} compatible units offered, only {ontime} can arrive by week {due} "
                f"at the earliest{later}."
            )
        elif unused_ontime > 0:
            reason = "hub_capacity"
            blocked = _blocked_hub_weeks(problem, spare, site, due, cap_left, prices)
            names = ", ".join(
                f"{problem.hub_ids[h]} week {s} ({problem.hub_capacity_t[h, s]:g} t)"
                for h, s in sorted(blocked)[:5]
            )
            more = f" and {len(blocked) - 5} more" if len(blocked) > 5 else ""
            tail = (
                f"{unused_ontime} compatible units that could arrive in time do not, because the hub "
                f"weeks on their routes are full" + (f": {names}{more}." if names else ".")
            )
        else:
            reason = "outranked"
            tail = (
                f"all {ontime} compatible units that can arrive by week {due} are used, "
                f"{others_ontime} of them by requirements worth more."
            )
        rows.append(Unmet(problem.req_ids[r], unmet, late, reason, head + tail))
    rows.sort(key=lambda u: u.requirement_id)
    return tuple(rows)
