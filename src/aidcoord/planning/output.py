"""Writing a plan folder: allocations.csv, unmet.csv and summary.json (DESIGN.md), deterministically."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

from aidcoord.planning.problem import PlanningProblem
from aidcoord.planning.result import PlanResult

ALLOCATION_COLUMNS = (
    "offer_id",
    "requirement_id",
    "hub_site_id",
    "depart_week",
    "hub_week",
    "arrive_week",
    "quantity",
)
UNMET_COLUMNS = ("requirement_id", "quantity_unmet", "quantity_late", "reason", "explanation")


def _number(x: float | None) -> float | None:
    """A finite float rounded to 9 significant digits (stable across runs), or None."""
    if x is None or not math.isfinite(x):
        return None
    return float(f"{x:.9g}")


def summary(result: PlanResult) -> dict[str, object]:
    """The figures written to summary.json."""
    return {
        "objective": _number(result.objective),
        "lp_bound": _number(result.lp_bound),
        "gap": _number(result.gap),
        "weighted_fulfilment": _number(result.weighted_fulfilment),
        "on_time_fill": _number(result.on_time_fill),
        "solve_seconds": _number(result.solve_seconds),
        "build_seconds": _number(result.build_seconds),
        "solver": result.solver,
        "status": result.status,
    }


def write_plan(result: PlanResult, problem: PlanningProblem, path: str | Path) -> Path:
    """Write the plan folder at ``path`` (created if needed); rows sorted, JSON keys sorted.

    Parameters
    ----------
    result
        The plan.
    problem
        The problem it solves (kept for symmetry with readers; ids are in the result).
    path
        The folder.

    Returns
    -------
    Path
        The folder.
    """
    del problem
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    allocations = sorted(
        result.allocations,
        key=lambda a: (a.offer_id, a.requirement_id, a.hub_site_id, a.depart_week, a.quantity),
    )
    with (folder / "allocations.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(ALLOCATION_COLUMNS)
        for a in allocations:
            writer.writerow(
                (
                    a.offer_id,
                    a.requirement_id,
                    a.hub_site_id,
                    a.depart_week,
                    a.hub_week,
                    a.arrive_week,
                    a.quantity,
                )
            )
    with (folder / "unmet.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(UNMET_COLUMNS)
        for u in sorted(result.unmet, key=lambda u: u.requirement_id):
            writer.writerow((u.requirement_id, u.quantity_unmet, u.quantity_late, u.reason, u.explanation))
    (folder / "summary.json").write_text(
        json.dumps(summary(result), indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return folder
