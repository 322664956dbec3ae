"""Benchmark of the planner: generated S, M and L (XL with --xl), optimiser against greedy.

Usage: ``python bench/planner.py [--xl] [--seed N] [--sizes S,M,L]``.

Each size runs in a fresh process (so peak memory is that size's own): the scenario is generated and
written as a Scenario Data Package, then timed from reading the package to a written plan folder, for
the optimiser and for the greedy baseline; then one offer's quantity is halved and the problem is
re-planned with a warm start from the first plan. Prints a table (rich); asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aidcoord.planning import PlanOptions, greedy_plan, plan, problem_from_scenario, write_plan
from aidcoord.planning.network import build_network
from aidcoord.scenario.model import Scenario

FALLBACK_SIZES = {
    # items, offers, requirements, weeks, hubs, nations
    "S": (30, 100, 50, 26, 2, 10),
    "M": (100, 600, 250, 52, 3, 30),
    "L": (300, 2500, 1000, 52, 3, 50),
    "XL": (600, 10000, 4000, 104, 4, 50),
}


def _have_generator() -> bool:
    try:
        import aidcoord.scenario.generate
        import aidcoord.scenario.io  # noqa: F401
    except ImportError:
        return False
    return True


def _fallback(size: str, seed: int) -> Scenario:
    """A synthetic scenario of about the given size (used only while the generator is missing)."""
    import datetime as dt
    import random

    from aidcoord.scenario.model import (
        Item,
        Lane,
        Nation,
        Offer,
        PlanningSettings,
        Requirement,
        Site,
        Substitute,
    )

    n_items, n_offers, n_reqs, horizon, n_hubs, n_nat = FALLBACK_SIZES[size]
    rng = random.Random(seed)
    nations = tuple(Nation(f"N{k:02d}", f"Nation {k}", 100.0, 2.0, True) for k in range(n_nat))
    masses = [5.0, 20.0, 100.0, 800.0, 3000.0, 20000.0, 60000.0]
    items = tuple(
        Item(f"I{k:03d}", f"item {k}", "c", "artillery", "u", rng.choice(masses), 1.0) for k in range(n_items)
    )
    subs: set[tuple[str, str]] = set()
    while len(subs) < int(n_items * 0.45):
        a = rng.randrange(n_items)
        b = min(n_items - 1, a + rng.randint(1, 3))
        if a != b:
            subs.add((items[a].item_id, items[b].item_id))
    depots = [Site(f"D{k:02d}", "depot", "depot", nations[k].nation_id, 50, 10, None) for k in range(n_nat)]
    throughput = [16800.0, 4800.0, 3200.0, 2400.0]
    hubs = [Site(f"H{k}", "hub", "hub", "N00", 50, 20, throughput[k]) for k in range(n_hubs)]
    deliveries = [Site(f"P{k}", "delivery", "delivery", "N00", 49, 30, None) for k in range(10)]
    lanes = [
        Lane(d.site_id, h.site_id, "road", rng.randint(1, 4), rng.uniform(50, 300))
        for d in depots
        for h in hubs
        if rng.random() < 0.8
    ] + [
        Lane(h.site_id, p.site_id, "road", rng.randint(0, 2), rng.uniform(20, 100))
        for h in hubs
        for p in deliveries
    ]
    statuses = ["committed"] * 8 + ["announced", "withdrawn"]
    offers = tuple(
        Offer(
            f"O{k:05d}",
            rng.choice(nations).nation_id,
            rng.choice(items).item_id,
            rng.randint(10, 2000),
            rng.randint(0, horizon - 10),
            rng.choice(depots).site_id,
            rng.choice(statuses),
        )
        for k in range(n_offers)
    )
    reqs = tuple(
        Requirement(
            f"R{k:04d}",
            rng.choice(items).item_id,
            rng.randint(10, 5000),
            rng.randint(1, 4),
            rng.choice([1.0, 2.0, 4.0, 8.0]),
            rng.randint(2, horizon - 1),
            rng.choice(deliveries).site_id,
        )
        for k in range(n_reqs)
    )
    return Scenario(
        f"fallback-{size}",
        PlanningSettings(dt.date(2025, 1, 6), horizon, 0.1, 0.0001),
        nations,
        tuple(depots + hubs + deliveries),
        tuple(lanes),
        items,
        tuple(Substitute(a, b) for a, b in sorted(subs)),
        reqs,
        offers,
    )


def _generate(size: str, seed: int, folder: Path) -> Path | Scenario:
    """Write the generated package to ``folder``; without the generator, the fallback scenario itself."""
    if not _have_generator():
        return _fallback(size, seed)
    from aidcoord.scenario.generate import generate
    from aidcoord.scenario.io import write_package

    write_package(generate(size, seed), folder)
    return folder


def _read(package: Path | Scenario) -> Scenario:
    if isinstance(package, Scenario):
        return package
    from aidcoord.scenario.io import read_package

    return read_package(package)


def _changed(scenario: Scenario) -> Scenario:
    """The scenario with the largest committed offer's quantity halved."""
    offers = list(scenario.offers)
    k = max(
        (i for i, o in enumerate(offers) if o.status == "committed"),
        key=lambda i: (offers[i].quantity, offers[i].offer_id),
    )
    offers[k] = dataclasses.replace(offers[k], quantity=max(1, offers[k].quantity // 2))
    return dataclasses.replace(scenario, offers=tuple(offers))


def run_one(size: str, seed: int, cold_replan: bool = False) -> dict[str, Any]:
    """Measure one size in this process; return the row of the table."""
    with tempfile.TemporaryDirectory() as tmp:
        package = _generate(size, seed, Path(tmp) / "scenario")
        row: dict[str, Any] = {"size": size if _have_generator() else f"{size}*"}

        started = time.perf_counter()
        scenario = _read(package)
        read_s = time.perf_counter() - started
        problem = problem_from_scenario(scenario)
        result = plan(problem)
        write_plan(result, problem, Path(tmp) / "plan")
        row["total_s"] = time.perf_counter() - started

        started = time.perf_counter()
        greedy_problem = problem_from_scenario(_read(package))
        greedy = greedy_plan(greedy_problem)
        write_plan(greedy, greedy_problem, Path(tmp) / "greedy")
        row["greedy_total_s"] = time.perf_counter() - started

        changed = _changed(scenario)
        started = time.perf_counter()
        changed_problem = problem_from_scenario(changed)
        replan = plan(changed_problem, PlanOptions(warm_start=result))
        row["replan_s"] = time.perf_counter() - started
        cold = plan(changed_problem) if cold_replan else None

        net = build_network(problem, problem.offer_qty, problem.req_qty, problem.hub_capacity_t)
        full_columns = int((net.rt_tmax - net.rt_tmin + 1).sum())
        row.update(
            offers=len(problem.offer_ids),
            requirements=len(problem.req_ids),
            full_columns=full_columns,
            columns=result.n_columns,
            rows=result.n_rows,
            iterations=result.iterations,
            read_s=read_s,
            build_s=result.build_seconds,
            solve_s=result.solve_seconds,
            peak_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            objective=result.objective,
            lp_bound=result.lp_bound,
            gap=result.gap,
            wf=result.weighted_fulfilment,
            otf=result.on_time_fill,
            status=result.status,
            greedy_objective=greedy.objective,
            greedy_wf=greedy.weighted_fulfilment,
            greedy_otf=greedy.on_time_fill,
            replan_gap=replan.gap,
            replan_gap_vs_cold=(
                abs(replan.objective - cold.objective) / max(1.0, abs(cold.objective))
                if cold is not None
                else None
            ),
        )
        return row


def _machine() -> str:
    """One line describing where the figures were measured."""
    import os
    import platform

    import highspy

    return (
        f"machine: {platform.node()} {platform.machine()} {platform.processor() or ''} "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"HiGHS {highspy.Highs().version()}"  # type: ignore[no-untyped-call]
    )


def _table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="aidcoord planner: optimiser vs greedy (from reading the package to a written plan)")
    columns = [
        ("size", "size", "{}"),
        ("offers", "offers", "{}"),
        ("requirements", "reqs", "{}"),
        ("full_columns", "full model cols", "{:,}"),
        ("columns", "LP cols", "{:,}"),
        ("rows", "LP rows", "{:,}"),
        ("iterations", "CG iters", "{}"),
        ("build_s", "build s", "{:.2f}"),
        ("solve_s", "solve s", "{:.2f}"),
        ("total_s", "total s", "{:.2f}"),
        ("peak_mib", "peak MiB", "{:.0f}"),
        ("objective", "objective", "{:,.1f}"),
        ("lp_bound", "LP bound", "{:,.1f}"),
        ("gap", "gap", "{:.4%}"),
        ("wf", "w. fulfil.", "{:.3f}"),
        ("otf", "on-time", "{:.3f}"),
        ("greedy_objective", "greedy obj.", "{:,.1f}"),
        ("greedy_wf", "greedy w.f.", "{:.3f}"),
        ("greedy_otf", "greedy o.t.", "{:.3f}"),
        ("greedy_total_s", "greedy s", "{:.2f}"),
        ("replan_s", "re-plan s", "{:.2f}"),
    ]
    for _, title, _ in columns:
        table.add_column(title, justify="right")
    for row in rows:
        table.add_row(*(fmt.format(row[key]) if row.get(key) is not None else "-" for key, _, fmt in columns))
    Console(width=260).print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--xl", action="store_true", help="add the XL size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sizes", default="S,M,L")
    parser.add_argument(
        "--cold", action="store_true", help="also re-plan cold, to compare with the warm re-plan"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.seed, args.cold)))
        return 0
    sizes = [s for s in args.sizes.split(",") if s] + (["XL"] if args.xl else [])
    rows = []
    for size in sizes:
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                size,
                "--seed",
                str(args.seed),
                *(["--cold"] if args.cold else []),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"{size}: {rows[-1]['total_s']:.2f} s", file=sys.stderr)
    _table(rows)
    print(_machine())
    if not _have_generator():
        print("* aidcoord.scenario.generate is missing: synthetic fallback scenarios, no package I/O timed.")
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
