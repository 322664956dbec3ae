"""An independent feasibility checker: re-reads a plan folder and the Scenario, checks rules 1–4 of
DESIGN.md's canonical allocation model plus integrality, and recomputes the objective.

It uses nothing of the planner: plain csv/json and the Scenario dataclasses.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

from aidcoord.scenario.model import Scenario

TOLERANCE_T = 1e-6


class InfeasiblePlanError(AssertionError):
    """The plan breaks a rule of the model."""


def check_plan(folder: Path, scenario: Scenario, *, include_announced: bool = False) -> float:
    """Raise :class:`InfeasiblePlanError` listing every broken rule; return the recomputed objective."""
    settings = scenario.settings
    horizon, delta = settings.horizon_weeks, settings.lateness_decay_per_week
    lam = settings.transport_cost_weight
    planned = {"committed", "announced"} if include_announced else {"committed"}
    offers = {o.offer_id: o for o in scenario.offers}
    reqs = {r.requirement_id: r for r in scenario.requirements}
    sites = {s.site_id: s for s in scenario.sites}
    lanes = {(ln.from_site_id, ln.to_site_id): ln for ln in scenario.lanes}
    mass = {it.item_id: it.unit_mass_kg for it in scenario.items}
    subs = defaultdict(set)
    for sub in scenario.substitutes:
        subs[sub.item_id].add(sub.substitute_item_id)

    problems: list[str] = []
    per_offer: dict[str, int] = defaultdict(int)
    per_req: dict[str, int] = defaultdict(int)
    per_hub_week: dict[tuple[str, int], float] = defaultdict(float)
    objective = 0.0
    with (folder / "allocations.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == [
            "offer_id",
            "requirement_id",
            "hub_site_id",
            "depart_week",
            "hub_week",
            "arrive_week",
            "quantity",
        ], reader.fieldnames
        for n, row in enumerate(reader, start=2):
            where = f"row {n}"
            try:
                t, s, a, q = (int(row[k]) for k in ("depart_week", "hub_week", "arrive_week", "quantity"))
            except ValueError:
                problems.append(f"{where}: a week or the quantity is not an integer")
                continue
            if q <= 0:
                problems.append(f"{where}: quantity {q} is not positive")
            o = offers.get(row["offer_id"])
            r = reqs.get(row["requirement_id"])
            h = sites.get(row["hub_site_id"])
            if o is None or r is None or h is None or h.kind != "hub":
                problems.append(f"{where}: unknown offer, requirement or hub")
                continue
            if o.status not in planned:
                problems.append(f"{where}: offer {o.offer_id} is {o.status}")
            if not (o.item_id == r.item_id or o.item_id in subs[r.item_id]):
                problems.append(f"{where}: rule 1: {o.item_id} cannot fill {r.item_id}")
            l1 = lanes.get((o.origin_site_id, h.site_id))
            l2 = lanes.get((h.site_id, r.delivery_site_id))
            if l1 is None or l2 is None:
                problems.append(f"{where}: rule 2: a lane is missing")
                continue
            if t < o.available_week or t < 0:
                problems.append(f"{where}: rule 2: departs week {t} before available week {o.available_week}")
            if s != t + l1.lead_time_weeks or a != s + l2.lead_time_weeks:
                problems.append(f"{where}: rule 2: hub/arrival weeks do not follow from the lead times")
            if a > horizon - 1:
                problems.append(f"{where}: rule 2: arrives week {a} after T-1")
            per_offer[o.offer_id] += q
            per_req[r.requirement_id] += q
            per_hub_week[(h.site_id, s)] += q * mass[o.item_id] / 1000
            v = 1.0 if a <= r.due_week else max(0.0, 1.0 - delta * (a - r.due_week))
            objective += q * (
                r.weight * v - lam * mass[o.item_id] / 1000 * (l1.cost_eur_per_t + l2.cost_eur_per_t)
            )
    for oid, total in per_offer.items():
        if total > offers[oid].quantity:
            problems.append(f"rule 3: offer {oid} gives {total} > {offers[oid].quantity}")
    for rid, total in per_req.items():
        if total > reqs[rid].quantity:
            problems.append(f"rule 3: requirement {rid} gets {total} > {reqs[rid].quantity}")
    for (hid, week), load in per_hub_week.items():
        cap = sites[hid].throughput_t_per_week or 0.0
        if load > cap + TOLERANCE_T:
            problems.append(f"rule 4: hub {hid} week {week} carries {load} t > {cap} t")
    if problems:
        raise InfeasiblePlanError("\n".join(problems))
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert abs(summary["objective"] - objective) <= 1e-6 * max(1.0, abs(objective)), (summary, objective)
    return objective
