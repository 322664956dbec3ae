"""An independent reference: the naive time-expanded model, one column per (offer, requirement, hub, week).

Built from the Scenario dataclasses directly (not from the planner's code) and solved with HiGHS as
an LP (its optimum must equal the planner's ``lp_bound``) and, for tiny cases, as a MIP.
"""

from __future__ import annotations

import highspy
import numpy as np

from aidcoord.scenario.model import Scenario


def naive_optimum(scenario: Scenario, *, integral: bool, include_announced: bool = False) -> float:
    s = scenario.settings
    horizon, delta, lam = s.horizon_weeks, s.lateness_decay_per_week, s.transport_cost_weight
    lanes = {(ln.from_site_id, ln.to_site_id): ln for ln in scenario.lanes}
    mass = {it.item_id: it.unit_mass_kg for it in scenario.items}
    subs: dict[str, set[str]] = {}
    for sub in scenario.substitutes:
        subs.setdefault(sub.item_id, set()).add(sub.substitute_item_id)
    hubs = [x for x in scenario.sites if x.kind == "hub"]
    statuses = {"committed", "announced"} if include_announced else {"committed"}
    offers = [o for o in scenario.offers if o.status in statuses]
    reqs = list(scenario.requirements)
    hub_rows = {
        (h.site_id, w): len(offers) + len(reqs) + k * horizon + w
        for k, h in enumerate(hubs)
        for w in range(horizon)
    }
    cols: list[tuple[float, list[tuple[int, float]]]] = []
    for i, o in enumerate(offers):
        for j, r in enumerate(reqs):
            if not (o.item_id == r.item_id or o.item_id in subs.get(r.item_id, set())):
                continue
            for h in hubs:
                a1 = lanes.get((o.origin_site_id, h.site_id))
                a2 = lanes.get((h.site_id, r.delivery_site_id))
                if a1 is None or a2 is None:
                    continue
                for t in range(max(0, o.available_week), horizon):
                    a = t + a1.lead_time_weeks + a2.lead_time_weeks
                    if a > horizon - 1:
                        break
                    v = 1.0 if a <= r.due_week else max(0.0, 1.0 - delta * (a - r.due_week))
                    c = r.weight * v - lam * mass[o.item_id] / 1000 * (a1.cost_eur_per_t + a2.cost_eur_per_t)
                    hw = hub_rows[(h.site_id, t + a1.lead_time_weeks)]
                    cols.append((c, [(i, 1.0), (len(offers) + j, 1.0), (hw, mass[o.item_id] / 1000)]))
    n_rows = len(offers) + len(reqs) + len(hubs) * horizon
    if not cols:
        return 0.0
    upper = np.array(
        [o.quantity for o in offers]
        + [r.quantity for r in reqs]
        + [h.throughput_t_per_week or 0.0 for h in hubs for _ in range(horizon)],
        dtype=float,
    )
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(cols), n_rows
    lp.col_cost_ = np.array([-c for c, _ in cols])
    lp.col_lower_ = np.zeros(len(cols))
    lp.col_upper_ = np.full(len(cols), highspy.kHighsInf)
    lp.row_lower_ = np.full(n_rows, -highspy.kHighsInf)
    lp.row_upper_ = upper
    starts, index, values = [0], [], []
    for _, entries in cols:
        for row, val in entries:
            index.append(row)
            values.append(val)
        starts.append(len(index))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(values)
    if integral:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * len(cols)
    solver = highspy.Highs()  # type: ignore[no-untyped-call]
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("mip_rel_gap", 0.0)
    solver.passModel(lp)
    solver.run()
    return -float(solver.getInfo().objective_function_value)
