"""Benchmark of what-ifs: generated M and L loaded into SQLite, planned, then one what-if re-planned.

Usage: ``python bench/whatif.py [--sizes M,L] [--seed N]``.

The what-if withdraws the largest donor from week 8 and cuts the busiest hub by 30% from the same
week; it is timed end to end through the service (reading the state, applying the changes, re-planning
warm-started from the baseline, comparing). Prints a table (rich); asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from aidcoord.access.actor import SYSTEM
from aidcoord.analysis import whatif as core
from aidcoord.dataset import service as dataset
from aidcoord.db import make_engine, session_scope
from aidcoord.db.migrate import upgrade
from aidcoord.plans import service as plans
from aidcoord.scenario.generate import generate
from aidcoord.whatif import service as whatif


def measure(size: str, seed: int) -> dict[str, object]:
    """Load, plan and run one what-if on `size`; the timings and the comparison's headline."""
    scenario = generate(size, seed)
    donors = Counter(o.nation_id for o in scenario.offers if o.status == "committed")
    top = donors.most_common(1)[0][0]
    hub = max((s for s in scenario.sites if s.kind == "hub"), key=lambda s: s.throughput_t_per_week or 0.0)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        with session_scope(engine) as session:
            dataset.load_scenario(session, actor=SYSTEM, scenario=scenario)
        started = time.perf_counter()
        with session_scope(engine) as session:
            plans.create_plan(session, actor=SYSTEM)
        baseline_s = time.perf_counter() - started
        changes = [core.WithdrawNation(top, 8), core.HubCut(hub.site_id, 0.3, 8)]
        started = time.perf_counter()
        with session_scope(engine, write=False) as session:
            outcome = whatif.run(session, actor=SYSTEM, changes=changes)
        whatif_s = time.perf_counter() - started
        engine.dispose()
    c = outcome.comparison
    return {
        "size": size,
        "offers": len(scenario.offers),
        "requirements": len(scenario.requirements),
        "baseline plan s": f"{baseline_s:.2f}",
        "what-if s": f"{whatif_s:.2f}",
        "changes": "; ".join(c.changes),
        "fulfilment": f"{c.fulfilment_before:.3f} → {c.fulfilment_after:.3f}",
        "newly unmet": str(len(c.newly_unmet)),
        "status": outcome.solver_status,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="M,L")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rows = [measure(size, args.seed) for size in args.sizes.split(",")]
    table = Table(title="aidcoord what-if: one what-if re-planned and compared (through the service, SQLite)")
    for column in rows[0]:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
