"""Benchmark of the Monte Carlo reliability analysis on the generated M scenario.

Usage: ``python bench/montecarlo.py [--size M] [--seed N] [--runs 1000] [--workers 2]``.

The scenario is generated and planned; then the plan is run ``runs`` times with every nation delivering
for certain (which must reproduce the plan's weighted fulfilment), and with a made-up record (each nation
delivering with a probability between 0.75 and 1 and late by up to two weeks), on one process and on
``workers`` processes (the spawned workers' start-up included). Prints a table (rich); asserts nothing.
The target is 1,000 runs of M in at most 2 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from rich.console import Console
from rich.table import Table

from aidcoord.analysis.montecarlo import Reliability, simulate
from aidcoord.planning import plan, problem_from_scenario
from aidcoord.scenario.generate import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="M")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    started = time.perf_counter()
    problem = problem_from_scenario(generate(args.size, args.seed))
    result = plan(problem)
    plan_seconds = time.perf_counter() - started

    nations = sorted(set(problem.offer_nation))
    rng = np.random.default_rng(args.seed)
    record = Reliability(
        delivery_probability={n: float(rng.uniform(0.75, 1.0)) for n in nations},
        delay_pmf={n: tuple(float(x) for x in rng.dirichlet([6.0, 2.0, 1.0])) for n in nations},
    )
    cases = [
        ("certain", Reliability(), 1),
        ("record", record, 1),
        ("record", record, args.workers),
    ]

    table = Table(
        title=(
            f"Monte Carlo, {args.size} (seed {args.seed}): {len(result.allocations)} allocations, "
            f"{len(problem.req_ids)} requirements, {len(nations)} donors; planned in {plan_seconds:.1f} s; "
            f"plan's weighted fulfilment {result.weighted_fulfilment:.4f}"
        )
    )
    for column in (
        "reliability",
        "workers",
        "runs",
        "seconds",
        "mean",
        "p5",
        "p50",
        "p95",
        "flagged",
        "= plan",
    ):
        table.add_column(column, justify="right")
    for name, reliability, workers in cases:
        started = time.perf_counter()
        mc = simulate(problem, result, reliability, runs=args.runs, seed=args.seed, workers=workers)
        seconds = time.perf_counter() - started
        f = mc.fulfilment
        table.add_row(
            name,
            str(workers),
            str(args.runs),
            f"{seconds:.2f}",
            f"{f.mean:.4f}",
            f"{f.p5:.4f}",
            f"{f.p50:.4f}",
            f"{f.p95:.4f}",
            str(len(mc.flagged)),
            "yes" if np.all(mc.weighted_fulfilment == result.weighted_fulfilment) else "no",
        )
    Console(width=max(Console().width, 132)).print(table)


if __name__ == "__main__":
    main()
