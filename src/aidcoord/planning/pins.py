"""Pinned allocations: checked against rules 1–4 of the model, then taken out of what is left to plan."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from aidcoord.planning.errors import InfeasiblePin
from aidcoord.planning.problem import CAPACITY_TOLERANCE_T, Allocation, FloatArray, IntArray, PlanningProblem
from aidcoord.planning.result import AllocationArrays


def resolve_pins(
    problem: PlanningProblem, pins: Sequence[Allocation]
) -> tuple[AllocationArrays, IntArray, IntArray, FloatArray]:
    """Check pinned allocations and return them with the residual quantities and capacities.

    Each pin must name a planned offer, a requirement and an open hub; its item must fill the
    requirement (rule 1); both lanes must exist, ``t ≥ max(0, available)``, the hub and arrival weeks
    must follow from the lead times and ``a ≤ T − 1`` (rule 2); the quantity must be a positive
    integer and, together, pins may not exceed an offer's or a requirement's quantity (rule 3) or a
    hub week's throughput (rule 4).

    Returns
    -------
    tuple
        The pins as arrays, then residual offer quantities, requirement quantities and (hubs × T)
        throughput in tonnes.

    Raises
    ------
    InfeasiblePin
        Naming the pin and the rule it breaks.
    """
    offer_ix, req_ix, hub_ix = problem.index("offer"), problem.index("requirement"), problem.index("hub")
    rows: list[tuple[int, int, int, int, int]] = []
    horizon = problem.horizon_weeks
    for pin in pins:
        what = (
            f"Pinned allocation {pin.offer_id} → {pin.requirement_id} via {pin.hub_site_id} "
            f"(depart week {pin.depart_week}, {pin.quantity} units)"
        )
        if pin.offer_id not in offer_ix:
            raise InfeasiblePin(f"{what}: offer {pin.offer_id} is not a planned (committed) offer.")
        if pin.requirement_id not in req_ix:
            raise InfeasiblePin(f"{what}: requirement {pin.requirement_id} does not exist.")
        if pin.hub_site_id not in hub_ix:
            raise InfeasiblePin(f"{what}: {pin.hub_site_id} is not an open hub.")
        if not isinstance(pin.quantity, int | np.integer) or pin.quantity <= 0:
            raise InfeasiblePin(f"{what}: the quantity must be a positive integer.")
        o, r, h = offer_ix[pin.offer_id], req_ix[pin.requirement_id], hub_ix[pin.hub_site_id]
        item_o, item_r = int(problem.offer_item[o]), int(problem.req_item[r])
        if item_o not in problem.compatible_items(item_r):
            raise InfeasiblePin(
                f"{what}: item {problem.item_ids[item_o]} of the offer cannot fill a requirement for "
                f"{problem.item_ids[item_r]} (neither the same item nor a listed substitute)."
            )
        origin, hub_site, dest = (
            int(problem.offer_origin[o]),
            int(problem.hub_site[h]),
            int(problem.req_site[r]),
        )
        l1, l2 = int(problem.lane_lead[origin, hub_site]), int(problem.lane_lead[hub_site, dest])
        if l1 < 0:
            raise InfeasiblePin(f"{what}: there is no lane {problem.site_ids[origin]} → {pin.hub_site_id}.")
        if l2 < 0:
            raise InfeasiblePin(f"{what}: there is no lane {pin.hub_site_id} → {problem.site_ids[dest]}.")
        available = max(0, int(problem.offer_available[o]))
        if pin.depart_week < available:
            raise InfeasiblePin(
                f"{what}: it departs in week {pin.depart_week}, "
                f"before the offer is available (week {available})."
            )
        if pin.hub_week != pin.depart_week + l1 or pin.arrive_week != pin.depart_week + l1 + l2:
            raise InfeasiblePin(
                f"{what}: with lead times {l1} and {l2} weeks it reaches the hub in week "
                f"{pin.depart_week + l1} and arrives in week {pin.depart_week + l1 + l2}, "
                f"not {pin.hub_week} and {pin.arrive_week}."
            )
        if pin.arrive_week > horizon - 1:
            raise InfeasiblePin(
                f"{what}: it arrives in week {pin.arrive_week}, after the horizon's last week {horizon - 1}."
            )
        rows.append((o, r, h, int(pin.depart_week), int(pin.quantity)))

    if rows:
        arr = np.array(rows, dtype=np.int64)
        alloc = AllocationArrays(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], arr[:, 4]).merged()
    else:
        alloc = AllocationArrays.empty()
    offer_res = problem.offer_qty - np.bincount(
        alloc.offer, weights=alloc.qty, minlength=len(problem.offer_ids)
    ).astype(np.int64)
    req_res = problem.req_qty - np.bincount(
        alloc.req, weights=alloc.qty, minlength=len(problem.req_ids)
    ).astype(np.int64)
    for bad in np.flatnonzero(offer_res < 0).tolist():
        raise InfeasiblePin(
            f"Pinned allocations take {int(problem.offer_qty[bad] - offer_res[bad])} units of offer "
            f"{problem.offer_ids[bad]}, which has only {int(problem.offer_qty[bad])}."
        )
    for bad in np.flatnonzero(req_res < 0).tolist():
        raise InfeasiblePin(
            f"Pinned allocations give {int(problem.req_qty[bad] - req_res[bad])} units to requirement "
            f"{problem.req_ids[bad]}, which needs only {int(problem.req_qty[bad])}."
        )
    load = alloc.hub_load(problem)
    cap_res = problem.hub_capacity_t - load
    over = np.argwhere(cap_res < -CAPACITY_TOLERANCE_T)
    if over.size:
        h, s = (int(x) for x in over[0])
        raise InfeasiblePin(
            f"Pinned allocations put {load[h, s]:.3f} t through hub {problem.hub_ids[h]} in week {s}, "
            f"over its throughput of {problem.hub_capacity_t[h, s]:.3f} t."
        )
    return alloc, offer_res, req_res, np.maximum(cap_res, 0.0)
