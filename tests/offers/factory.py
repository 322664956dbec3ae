"""A loaded scenario with an approved plan, the actors the rights checks need, and a thread runner."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from aidcoord.access.actor import SYSTEM
from aidcoord.cli.main import app
from aidcoord.dataset import service as dataset
from aidcoord.db import session_scope
from aidcoord.plans import service as plans
from aidcoord.plans.models import Plan, PlanAllocation
from aidcoord.scenario.generate import generate
from aidcoord.scenario.io import write_package
from tests.actors import AUDITOR, RECIPIENT, VIEWER, nation_officer  # noqa: F401 (re-exported)

SEED = 1
SCENARIO = generate("S", SEED)


def load(session: Session) -> None:
    """Load the generated S scenario."""
    dataset.load_scenario(session, actor=SYSTEM, scenario=SCENARIO)


def approve_greedy_plan(session: Session) -> int:
    """Plan greedily (fast) and approve the plan; its version."""
    summary = plans.create_plan(session, actor=SYSTEM, method="greedy")
    plans.approve_plan(session, actor=SYSTEM, version=summary.version, reason="weekly board")
    return summary.version


def allocated(session: Session, *, offer_id: str | None = None, requirement_id: str | None = None) -> int:
    """Units the approved plan allocates (allocations not invalidated) from an offer or to a requirement."""
    query = (
        select(func.coalesce(func.sum(PlanAllocation.quantity), 0))
        .join(Plan, Plan.plan_id == PlanAllocation.plan_id)
        .where(Plan.status == "approved", PlanAllocation.invalidated.is_(False))
    )
    if offer_id is not None:
        query = query.where(PlanAllocation.offer_id == offer_id)
    if requirement_id is not None:
        query = query.where(PlanAllocation.requirement_id == requirement_id)
    return int(session.scalar(query) or 0)


def most_allocated(session: Session, column: Any) -> tuple[str, int]:
    """The offer or requirement id (by `column`) the approved plan allocates most units to/from."""
    query = (
        select(column, func.sum(PlanAllocation.quantity).label("units"))
        .join(Plan, Plan.plan_id == PlanAllocation.plan_id)
        .where(Plan.status == "approved")
        .group_by(column)
        .order_by(func.sum(PlanAllocation.quantity).desc(), column)
        .limit(1)
    )
    key, units = session.execute(query).one()
    return str(key), int(units)


def run_concurrently(engine: Engine, attempts: list[Callable[[Session], Any]]) -> list[Any]:
    """Run each attempt in its own thread and write session, all released at once; results or errors."""
    barrier = threading.Barrier(len(attempts))
    results: list[Any] = [None] * len(attempts)

    def work(index: int) -> None:
        barrier.wait()
        try:
            with session_scope(engine) as session:
                results[index] = attempts[index](session)
        except Exception as error:  # collected and checked by the test
            results[index] = error

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def invoke(*args: str) -> tuple[int, str]:
    """Run the CLI; its exit code and output (an exception other than an exit fails the test)."""
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def prepare_cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point AIDCOORD_DATABASE_URL at a migrated SQLite file holding the generated S scenario."""
    write_package(SCENARIO, tmp_path / "pkg")
    monkeypatch.setenv("AIDCOORD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("COLUMNS", "220")
    assert invoke("db", "upgrade")[0] == 0
    assert invoke("scenario", "load", str(tmp_path / "pkg"))[0] == 0
