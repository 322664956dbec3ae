"""Benchmark of training planning: the optimiser (HiGHS LP) against the greedy baseline.

Usage: ``python bench/training.py [--seed N]``.

Rows: the generated sizes S, M, L and XL (their courses and training needs), the embedded nsatu
scenario, and a stress case of 3,000 courses and 1,500 needs drawn like the generator's (to show how
the LP scales; no real coordination has that many). Timed on the pure core, without a database.
Prints a table (rich); asserts nothing.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from rich.console import Console
from rich.table import Table

from aidcoord.planning.training import (
    TrainingProblem,
    greedy_training,
    plan_training,
    training_problem,
    training_problem_from_scenario,
)
from aidcoord.scenario.generate import SIZES, generate
from aidcoord.scenario.model import Course, SpecialtySubstitute, TrainingNeed
from aidcoord.scenario.nsatu import build_nsatu


def stress(seed: int, courses: int = 3_000, needs: int = 1_500, weeks: int = 104) -> TrainingProblem:
    """A large random training problem: 12 specialties, 2 substitute pairs, 50 nations."""
    rng = np.random.default_rng(seed)
    specialties = [f"S{k:02d}" for k in range(12)]
    made_courses = [
        Course(
            f"C{k:05d}",
            f"N{int(rng.integers(50)):02d}",
            specialties[int(rng.integers(12))],
            int(rng.integers(8, 41)),
            int(rng.integers(0, weeks)),
            int(rng.integers(2, 9)),
            "SITE",
        )
        for k in range(courses)
    ]
    made_needs = [
        TrainingNeed(
            f"T{k:05d}",
            specialties[int(rng.integers(12))],
            int(rng.integers(10, 121)),
            int(rng.integers(1, 5)),
            float(rng.choice([8.0, 4.0, 2.0, 1.0])),
            int(rng.integers(0, weeks)),
        )
        for k in range(needs)
    ]
    subs = [SpecialtySubstitute("S00", "S01"), SpecialtySubstitute("S02", "S03")]
    return training_problem(made_courses, made_needs, subs, horizon_weeks=weeks, lateness_decay=0.1)


def measure(name: str, problem: TrainingProblem) -> list[str]:
    """Plan with the optimiser and greedy; the row of the table."""
    started = time.perf_counter()
    best = plan_training(problem)
    best_s = time.perf_counter() - started
    started = time.perf_counter()
    greedy = greedy_training(problem)
    greedy_s = time.perf_counter() - started
    return [
        name,
        f"{len(problem.course_ids):,}",
        f"{len(problem.need_ids):,}",
        f"{best.n_columns:,}",
        f"{best_s * 1000:.1f}",
        f"{greedy_s * 1000:.1f}",
        f"{best.weighted_fulfilment:.3f}",
        f"{greedy.weighted_fulfilment:.3f}",
        f"{best.on_time_fill:.3f}",
        "—" if best.gap is None else f"{best.gap:.1e}",
        best.status,
    ]


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    table = Table(title="Training planning: optimiser (HiGHS) against greedy")
    for column in (
        "case",
        "courses",
        "needs",
        "columns",
        "optimiser ms",
        "greedy ms",
        "fulfilment",
        "greedy",
        "on-time fill",
        "gap",
        "status",
    ):
        table.add_column(column, justify="left" if column in ("case", "status") else "right")
    for size in SIZES:
        table.add_row(*measure(size, training_problem_from_scenario(generate(size, args.seed))))
    table.add_row(*measure("nsatu", training_problem_from_scenario(build_nsatu())))
    table.add_row(*measure("stress", stress(args.seed)))
    Console().print(table)


if __name__ == "__main__":
    main()
