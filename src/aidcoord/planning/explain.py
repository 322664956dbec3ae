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
    rows: list[Unmet] = []
    for r in np.flatnonzero(figures.on_time < problem.req_qty).tolist():
        qty, due, site = int(problem.req_qty[r]), int(problem.req_due[r]), int(problem.req_site[r])
        item = int(problem.req_item[r])
        delivered, on_time = int(figures.delivered[r]), int(figures.on_time[r])
        unmet, late = qty - delivered, delivered - on_time
        mine = alloc.req == r
        given_to_r = np.bincount(alloc.offer[mine], weights=alloc.qty[mine], minlength=n_offers).astype(
            np.int64
        )
        offers = [o for j in problem.compatible_items(item) for o in by_item.get(j, [])]
        total = ontime = unused_ontime = others_ontime = n_ok = 0
        earliest_late: int | None = None
        spare: list[tuple[int, int]] = []
        for o in offers:
            origin = int(problem.offer_origin[o])
            l1 = problem.lane_lead[origin, hubs]
            l2 = problem.lane_lead[hubs, site]
            ok = (l1 >= 0) & (l2 >= 0)
            if not ok.any():
                continue
            start = max(0, int(problem.offer_available[o]))
            earliest = start + int((l1 + l2)[ok].min())
            q_o = int(problem.offer_qty[o])
            total += q_o
            n_ok += 1
            if earliest > due:
                earliest_late = earliest if earliest_late is None else min(earliest_late, earliest)
                continue
            ontime += q_o
            others_ontime += int(used[o] - given_to_r[o])
            spare_o = q_o - int(used_on_time[o])
            if spare_o > 0:
                unused_ontime += spare_o
                spare.append((o, start))
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
