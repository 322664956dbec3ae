"""The plan folder: columns, sorted rows, stable JSON, and the same bytes every time."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from aidcoord.planning import greedy_plan, plan, problem_from_scenario, write_plan
from tests.planning.factory import random_scenario


def test_write_plan_is_deterministic(tmp_path: Path) -> None:
    scenario = random_scenario(7, n_offers=20, n_requirements=15, tight=0.3)
    problem = problem_from_scenario(scenario)
    write_plan(plan(problem), problem, tmp_path / "a")
    write_plan(plan(problem_from_scenario(scenario)), problem, tmp_path / "b")
    for name in ("allocations.csv", "unmet.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    a = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))
    b = json.loads((tmp_path / "b" / "summary.json").read_text(encoding="utf-8"))
    timing = {"solve_seconds", "build_seconds"}
    assert {k: v for k, v in a.items() if k not in timing} == {k: v for k, v in b.items() if k not in timing}
    assert sorted(a) == sorted(
        [
            "objective",
            "lp_bound",
            "gap",
            "weighted_fulfilment",
            "on_time_fill",
            "solve_seconds",
            "build_seconds",
            "solver",
            "status",
        ]
    )


def test_files_have_the_documented_columns_and_sorted_rows(tmp_path: Path) -> None:
    scenario = random_scenario(3, n_offers=20, n_requirements=15, tight=0.3)
    problem = problem_from_scenario(scenario)
    write_plan(greedy_plan(problem), problem, tmp_path)
    with (tmp_path / "allocations.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [
        "offer_id",
        "requirement_id",
        "hub_site_id",
        "depart_week",
        "hub_week",
        "arrive_week",
        "quantity",
    ]
    assert rows[1:] == sorted(rows[1:], key=lambda r: (r[0], r[1], r[2], int(r[3])))
    with (tmp_path / "unmet.csv").open(encoding="utf-8") as fh:
        unmet = list(csv.reader(fh))
    assert unmet[0] == ["requirement_id", "quantity_unmet", "quantity_late", "reason", "explanation"]
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["lp_bound"] is None
    assert summary["solver"] == "greedy"
