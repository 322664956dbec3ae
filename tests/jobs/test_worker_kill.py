"""A worker killed mid-plan (SIGKILL): the next worker retries the job and stores its plan once.

The next worker is then stopped as systemd stops it (SIGTERM) while it runs the retry: it finishes the job
before it exits.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from aidcoord.access.actor import SYSTEM
from aidcoord.db import make_engine, session_scope
from aidcoord.jobs import service
from aidcoord.jobs.models import Job
from aidcoord.plans.models import Plan
from tests.jobs.processes import loaded_postgres, start_worker

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

POLL_S = 0.02
POLLS = 6000
"""At most two minutes of polling for one state: generous, and never a timing assert."""
STALLED_AFTER_S = 2
"""Short, so the second worker re-queues the dead worker's job soon after it starts."""


@pytest.fixture
def scenario_m(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated PostgreSQL database holding scenario M, whose optimised plan takes a while."""
    yield from loaded_postgres(request, tmp_path, "M")


def _worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    return start_worker(url, log, stalled_after_s=STALLED_AFTER_S)


def _job(engine: Engine, job_id: str) -> Job:
    with session_scope(engine, write=False) as session:
        row = session.get(Job, job_id)
        assert row is not None
        session.expunge(row)
        return row


def _wait(engine: Engine, job_id: str, statuses: set[str], log: Path) -> Job:
    for _ in range(POLLS):
        row = _job(engine, job_id)
        if row.status in statuses:
            return row
        time.sleep(POLL_S)
    raise AssertionError(f"job {job_id} is still {row.status}: {row.message}\n{log.read_text()}")


def test_a_killed_workers_plan_is_retried_and_stored_once(scenario_m: str, tmp_path: Path) -> None:
    engine = make_engine(scenario_m)
    log = tmp_path / "workers.log"
    with session_scope(engine) as session:
        job_id = service.submit(
            session, actor=SYSTEM, kind="plan", params={"method": "optimiser", "time_limit_s": 120}
        ).job_id
    first = _worker(scenario_m, log)
    second = None
    try:
        running = _wait(engine, job_id, {"running", "succeeded", "failed"}, log)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=60)
        assert running.status == "running", running.message
        killed = _job(engine, job_id)
        # The kill landed while the plan was being made: nothing of it was committed.
        assert (killed.status, killed.attempts) == ("running", 1), killed.message
        with session_scope(engine, write=False) as session:
            assert session.scalar(select(func.count()).select_from(Plan)) == 0

        second = _worker(scenario_m, log)
        for _ in range(POLLS):  # until the retry runs (or has already ended)
            retry = _job(engine, job_id)
            if retry.attempts == 2 or retry.status in ("succeeded", "failed"):
                break
            time.sleep(POLL_S)
        # SIGTERM, as systemd stops the unit: the worker finishes the job it runs, then exits 0.
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=120) == 0, log.read_text()
        ended = _job(engine, job_id)
        assert ended.status in ("succeeded", "failed"), (ended.status, ended.message, log.read_text())
        if ended.status == "succeeded":
            assert ended.attempts == 2, ended.message
            assert ended.result is not None
            assert ended.result["version"] == 1
        else:
            assert ended.error is not None
            assert "worker stopped" in ended.error["detail"], ended.error
        with session_scope(engine, write=False) as session:
            assert session.scalar(select(func.count()).select_from(Plan)) == (ended.status == "succeeded")
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(timeout=60)
        engine.dispose()
