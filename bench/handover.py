"""Benchmark of a handover: a generated scenario with an approved plan and shipments, exported from
SQLite, imported into a new PostgreSQL database (if the local server answers, else a new SQLite file),
and digested on both sides.

Usage: ``python bench/handover.py [--sizes M,L] [--seed N] [--postgres URL]``.

Prints a table (rich) of bundle size and times; the digests must agree (that is the point of the
exercise, so it stops if they do not). Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text

from aidcoord.access.actor import SYSTEM
from aidcoord.dataset import service as dataset
from aidcoord.db import make_engine, session_scope
from aidcoord.db.migrate import upgrade
from aidcoord.handover import service as handover
from aidcoord.plans import service as plans
from aidcoord.scenario.generate import generate
from aidcoord.shipments import service as shipments

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _target(postgres: str, folder: Path) -> tuple[Engine, str, Engine | None, str | None]:
    """A new empty database: on PostgreSQL when it answers, else a SQLite file."""
    admin = make_engine(postgres, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        name = f"bench_handover_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        return make_engine(postgres.rsplit("/", 1)[0] + f"/{name}"), "PostgreSQL", admin, name
    except Exception:  # no server: the benchmark still measures SQLite → SQLite
        admin.dispose()
        return make_engine(f"sqlite:///{folder / 'target.db'}"), "SQLite", None, None


def measure(size: str, seed: int, postgres: str) -> dict[str, str]:
    """Prepare `size` on SQLite, export, import, digest; the figures."""
    scenario = generate(size, seed)
    with tempfile.TemporaryDirectory() as folder:
        source = make_engine(f"sqlite:///{Path(folder) / 'source.db'}")
        upgrade(source)
        with session_scope(source) as session:
            dataset.load_scenario(session, actor=SYSTEM, scenario=scenario)
            plans.create_plan(session, actor=SYSTEM, method="greedy")
            plans.approve_plan(session, actor=SYSTEM, version=1, reason="bench")
            shipments.create_from_approved_plan(session, actor=SYSTEM)
        started = time.perf_counter()
        exported = handover.export_state(source, actor=SYSTEM)
        export_s = time.perf_counter() - started
        target, kind, admin, name = _target(postgres, Path(folder))
        try:
            upgrade(target)
            started = time.perf_counter()
            content = exported.content
            handover.import_state(target, actor=SYSTEM, content=content, source="bench", lead="bench")
            import_s = time.perf_counter() - started
            started = time.perf_counter()
            after = handover.state_digest(target, actor=SYSTEM)
            digest_s = time.perf_counter() - started
            if after.digest != exported.manifest.state_digest:
                raise SystemExit("the imported state's digest differs from the exported one")
        finally:
            target.dispose()
            source.dispose()
            if admin is not None:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    rows = sum(t.rows for t in exported.manifest.tables)
    return {
        "size": size,
        "rows": f"{rows:,}",
        "bundle MB": f"{len(exported.content) / 1e6:.2f}",
        "export s": f"{export_s:.2f}",
        f"import into {kind} s": f"{import_s:.2f}",
        "digest s": f"{digest_s:.2f}",
    }


def main() -> None:
    """Run the benchmark for each size and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="M,L")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default=POSTGRES)
    args = parser.parse_args()
    results = [measure(size, args.seed, args.postgres) for size in args.sizes.split(",")]
    table = Table(title="Handover: export from SQLite, verified import, digest")
    for column in results[0]:
        table.add_column(column, justify="left" if column == "size" else "right")
    for result in results:
        table.add_row(*result.values())
    Console().print(table)


if __name__ == "__main__":
    main()
