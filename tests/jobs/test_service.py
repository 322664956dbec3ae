"""The job queue on both databases: submit, claim, settle, need-to-know and recovery of stalled jobs."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import Engine, func, select, update

from aidcoord.access.actor import SYSTEM
from aidcoord.dataset.service import load_scenario
from aidcoord.db import session_scope
from aidcoord.errors import Forbidden, NotFound
from aidcoord.jobs import runner, service
from aidcoord.jobs.models import Job
from aidcoord.plans import service as plans
from aidcoord.plans.models import Plan
from aidcoord.scenario.generate import generate
from tests.actors import AUDITOR, nation_officer

MINUTE = dt.timedelta(minutes=1)


def _plan_then(engine: Engine, claimed: service.Claimed, *, crash: bool) -> None:
    """Run the plan handler in its own transaction, then crash (raise) or finish the job."""
    with session_scope(engine) as session:
        runner.HANDLERS["plan"](session, engine, SYSTEM, claimed.params, lambda _m, _f: None)
        if crash:
            raise RuntimeError("the worker died here")
        service.finish(session, claimed, result={})


def _submit(engine: Engine, kind: str = "plan", params: dict | None = None, **kwargs: int) -> str:
    with session_scope(engine) as session:
        return service.submit(
            session, actor=SYSTEM, kind=kind, params=params or {"method": "greedy"}, **kwargs
        ).job_id


def _get(engine: Engine, job_id: str) -> service.JobView:
    with session_scope(engine, write=False) as session:
        return service.get(session, actor=SYSTEM, job_id=job_id)


def _stall(engine: Engine, job_id: str) -> None:
    # The worker's last heartbeat, long ago: as if it died.
    with session_scope(engine) as session:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        session.execute(update(Job).where(Job.job_id == job_id).values(heartbeat_at=past))


def test_a_job_is_claimed_once_and_finished(migrated_engine: Engine) -> None:
    job_id = _submit(migrated_engine)
    assert _get(migrated_engine, job_id).status == "queued"
    claimed = service.claim(migrated_engine, worker="w1")
    assert claimed is not None
    assert (claimed.job_id, claimed.attempt, claimed.params) == (job_id, 1, {"method": "greedy"})
    assert service.claim(migrated_engine, worker="w2") is None
    running = _get(migrated_engine, job_id)
    assert (running.status, running.attempts) == ("running", 1)
    with session_scope(migrated_engine) as session:
        service.finish(session, claimed, result={"answer": 42})
    done = _get(migrated_engine, job_id)
    assert (done.status, done.result, done.progress, done.error) == ("succeeded", {"answer": 42}, 1.0, None)
    assert done.finished_at is not None


def test_a_failed_job_keeps_its_problem(migrated_engine: Engine) -> None:
    job_id = _submit(migrated_engine)
    claimed = service.claim(migrated_engine, worker="w1")
    assert claimed is not None
    assert service.fail(migrated_engine, claimed, error=service.problem_of(NotFound("no plan yet")))
    failed = _get(migrated_engine, job_id)
    assert failed.status == "failed"
    assert failed.error is not None
    assert (failed.error["code"], failed.error["status"], failed.error["detail"]) == (
        "not_found",
        404,
        "no plan yet",
    )


def test_a_handler_that_raises_ends_failed_with_the_problem(migrated_engine: Engine) -> None:
    job_id = _submit(migrated_engine, params={"method": "guesswork"})
    assert runner.run_pending(migrated_engine) == 1
    failed = _get(migrated_engine, job_id)
    assert failed.status == "failed"
    assert failed.error is not None
    assert "unknown planning method 'guesswork'" in failed.error["detail"]


def test_jobs_are_need_to_know(migrated_engine: Engine) -> None:
    job_id = _submit(migrated_engine)
    with session_scope(migrated_engine, write=False) as session:
        assert service.get(session, actor=AUDITOR, job_id=job_id).job_id == job_id
        with pytest.raises(NotFound) as hidden:
            service.get(session, actor=nation_officer("N001"), job_id=job_id)
        with pytest.raises(NotFound) as missing:
            service.get(session, actor=nation_officer("N001"), job_id="no-such-job")
        assert str(hidden.value) == str(missing.value).replace("no-such-job", job_id)
        assert [j.job_id for j in service.list_jobs(session, actor=SYSTEM)] == [job_id]
        assert service.list_jobs(session, actor=nation_officer("N001")) == []
    with session_scope(migrated_engine) as session, pytest.raises(Forbidden):
        service.submit(session, actor=nation_officer("N001"), kind="plan", params={})


def test_a_stalled_job_is_requeued_then_failed_after_its_last_attempt(migrated_engine: Engine) -> None:
    job_id = _submit(migrated_engine, max_attempts=2)
    first = service.claim(migrated_engine, worker="w1")
    assert first is not None
    # A live worker's job is left alone.
    assert service.recover_stalled(migrated_engine, older_than=MINUTE) == []
    _stall(migrated_engine, job_id)
    assert service.recover_stalled(migrated_engine, older_than=MINUTE) == [(job_id, "queued")]
    requeued = _get(migrated_engine, job_id)
    assert (requeued.status, requeued.attempts) == ("queued", 1)
    second = service.claim(migrated_engine, worker="w2")
    assert second is not None
    assert second.attempt == 2
    # The first worker lost the job: it can neither finish nor fail it.
    with session_scope(migrated_engine) as session, pytest.raises(service.JobLost):
        service.finish(session, first, result={})
    assert not service.fail(migrated_engine, first, error={"detail": "late"})
    _stall(migrated_engine, job_id)
    assert service.recover_stalled(migrated_engine, older_than=MINUTE) == [(job_id, "failed")]
    failed = _get(migrated_engine, job_id)
    assert failed.status == "failed"
    assert failed.error is not None
    assert failed.error["detail"] == "worker stopped (attempt 2 of 2)"


def test_a_plan_job_retried_after_a_crash_stores_one_plan(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        load_scenario(session, actor=SYSTEM, scenario=generate("S", 1))
    job_id = _submit(migrated_engine)
    crashed = service.claim(migrated_engine, worker="crashed")
    assert crashed is not None
    # The crashed worker's handler was mid-transaction: its work rolled back with the connection.
    with pytest.raises(RuntimeError):
        _plan_then(migrated_engine, crashed, crash=True)
    _stall(migrated_engine, job_id)
    assert service.recover_stalled(migrated_engine, older_than=MINUTE) == [(job_id, "queued")]
    assert runner.run_pending(migrated_engine) == 1
    done = _get(migrated_engine, job_id)
    assert done.status == "succeeded"
    assert done.attempts == 2
    assert done.result is not None
    assert done.result["version"] == 1
    # A late finish by the crashed attempt cannot store a second plan.
    with pytest.raises(service.JobLost):
        _plan_then(migrated_engine, crashed, crash=False)
    with session_scope(migrated_engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Plan)) == 1


def test_whatif_and_reliability_jobs_run_as_their_submitter(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        load_scenario(session, actor=SYSTEM, scenario=generate("S", 1))
        plans.create_plan(session, actor=SYSTEM, method="greedy")
    whatif = _submit(
        migrated_engine, "whatif", {"changes": [{"kind": "delay", "weeks": 2}], "time_limit_s": 30}
    )
    reliability = _submit(migrated_engine, "reliability", {"runs": 20, "seed": 3})
    assert runner.run_pending(migrated_engine) == 2
    compared = _get(migrated_engine, whatif)
    assert compared.status == "succeeded", compared.error
    assert compared.result is not None
    assert compared.result["baseline_version"] == 1
    simulated = _get(migrated_engine, reliability)
    assert simulated.status == "succeeded", simulated.error
    assert simulated.result is not None
    assert (simulated.result["runs"], simulated.result["seed"]) == (20, 3)


def test_a_running_jobs_progress_is_readable(migrated_engine: Engine) -> None:
    job_id = _submit(migrated_engine)
    claimed = service.claim(migrated_engine, worker="w1")
    assert claimed is not None
    service.report_progress(migrated_engine, claimed, progress=0.5, message="half way")
    try:
        running = _get(migrated_engine, job_id)
        assert (running.status, running.progress, running.message) == ("running", 0.5, "half way")
    finally:
        service.clear_live(job_id)
    if migrated_engine.dialect.name == "postgresql":
        # Another server (no shared memory) reads it from the row.
        assert _get(migrated_engine, job_id).message == "half way"


def test_the_servers_worker_reruns_what_was_running_when_it_stopped(migrated_engine: Engine) -> None:
    job_id = _submit(migrated_engine, "state_export", {})
    assert service.claim(migrated_engine, worker="the server before its restart") is not None
    worker = runner.InProcessWorker(migrated_engine)
    worker.start()
    try:
        for _ in range(3000):
            if _get(migrated_engine, job_id).status in ("succeeded", "failed"):
                break
            time.sleep(0.02)
    finally:
        worker.close()
    done = _get(migrated_engine, job_id)
    assert (done.status, done.attempts, done.has_file) == ("succeeded", 2, True)
