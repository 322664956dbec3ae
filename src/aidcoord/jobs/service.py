"""Use cases of the jobs domain: submit and read jobs (anyone allowed), claim and settle them (workers).

A job's row is the whole truth about it: any server answers for any job, any worker may claim it.
Workers claim with `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite's write lock already lets
one writer at a time claim). Settling is a compare-and-set on (status, worker, attempts), so a worker
that lost its job (declared stalled and claimed again) can neither finish nor fail it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role, scope_of
from aidcoord.access.models import User
from aidcoord.access.service import _actor_of
from aidcoord.audit import service as audit
from aidcoord.db import session_scope
from aidcoord.errors import DomainError, Forbidden, NotFound, ValidationFailed
from aidcoord.jobs.models import Job

KIND_ROLES: Mapping[str, tuple[str, ...]] = {
    "plan": ("coordinator",),
    "whatif": ("coordinator", "auditor"),
    "reliability": ("coordinator", "auditor"),
    "state_export": ("coordinator", "auditor"),
    "offers_import": ("coordinator", "nation_officer"),
}
"""The kinds of job and who may submit each (the handler checks again, as the submitter, when it runs)."""

DEFAULT_MAX_ATTEMPTS = 3
LIST_LIMIT = 100


class JobLost(DomainError):
    """The job is no longer this worker's (declared stalled and claimed again): its work is dropped."""

    code = "job_lost"
    status = 409


@dataclass(frozen=True, slots=True)
class JobView:
    """A job as its readers see it (the result's bytes are fetched separately)."""

    job_id: str
    kind: str
    status: str
    progress: float
    message: str
    result: dict[str, Any] | None
    has_file: bool
    error: dict[str, Any] | None
    attempts: int
    max_attempts: int
    created_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Claimed:
    """A job a worker has claimed: what to run, as whom, and the attempt that settles it."""

    job_id: str
    kind: str
    params: dict[str, Any]
    attempt: int
    worker: str
    input_bytes: bytes | None = None


# Progress of jobs running in this process. On SQLite a running job's own write transaction holds the
# database's write lock, so its progress cannot be written until it ends; the in-process worker's
# readers (the same server) read it from here instead. PostgreSQL workers also write it to the row.
_live: dict[str, tuple[float, str]] = {}
_live_lock = threading.Lock()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes (stored in UTC).
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _view(row: Job) -> JobView:
    progress, message = row.progress, row.message
    if row.status == "running":
        with _live_lock:
            progress, message = _live.get(row.job_id, (progress, message))
    return JobView(
        job_id=row.job_id,
        kind=row.kind,
        status=row.status,
        progress=progress,
        message=message,
        result=row.result,
        has_file=row.result_bytes is not None,
        error=row.error,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        created_by=row.created_by,
        created_at=_utc(row.created_at) or row.created_at,
        started_at=_utc(row.started_at),
        finished_at=_utc(row.finished_at),
    )


def submit(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    params: Mapping[str, Any],
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    input_bytes: bytes | None = None,
) -> JobView:
    """Queue a job of `kind` with JSON `params` (and an uploaded file), to run as `actor`; audited."""
    if kind not in KIND_ROLES:
        raise ValidationFailed("unknown kind of job", [])
    require_role(actor, *KIND_ROLES[kind])
    row = Job(
        job_id=str(uuid.uuid4()),
        kind=kind,
        status="queued",
        params=dict(params),
        input_bytes=input_bytes,
        progress=0.0,
        message="queued",
        attempts=0,
        max_attempts=max_attempts,
        created_by=actor.user_id,
        organisation_id=actor.organisation_id,
        actor={**dataclasses.asdict(actor), "roles": sorted(actor.roles)},
        request_id=actor.request_id,
        created_at=_now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="job.submit",
        entity="job",
        entity_id=row.job_id,
        after={"kind": kind, "params": dict(params)},
    )
    return _view(row)


def _visible(actor: Actor, row: Job) -> bool:
    return scope_of(actor).everything or row.organisation_id == actor.organisation_id


def _row(session: Session, actor: Actor, job_id: str) -> Job:
    row = session.get(Job, job_id)
    # Someone else's job answers exactly as a missing one, so job ids reveal nothing.
    if row is None or not _visible(actor, row):
        raise NotFound(f"no job {job_id}")
    return row


def get(session: Session, *, actor: Actor, job_id: str) -> JobView:
    """A job: its organisation's users, coordinators and auditors see it; to others it does not exist."""
    return _view(_row(session, actor, job_id))


def result_file(session: Session, *, actor: Actor, job_id: str) -> tuple[JobView, bytes]:
    """A finished job's file (a state bundle); NotFound if the job has none (yet)."""
    row = _row(session, actor, job_id)
    if row.result_bytes is None:
        raise NotFound(f"job {job_id} has no file: it is {row.status}")
    return _view(row), row.result_bytes


def list_jobs(session: Session, *, actor: Actor) -> list[JobView]:
    """The actor's organisation's jobs, newest first (at most LIST_LIMIT)."""
    rows = session.scalars(
        select(Job)
        .where(Job.organisation_id == actor.organisation_id)
        .order_by(Job.created_at.desc())
        .limit(LIST_LIMIT)
    )
    return [_view(r) for r in rows]


# ---------------------------------------------------------------------------------------------------
# Workers


def actor_of(session: Session, claimed: Claimed) -> Actor:
    """The submitter, as they are now (a disabled user's jobs do not run); the snapshot for the CLI's."""
    row = session.get(Job, claimed.job_id)
    assert row is not None
    user = session.get(User, row.created_by)
    if user is None:
        snap = row.actor
        return Actor(**{**snap, "roles": frozenset(snap["roles"]), "request_id": row.request_id})
    if not user.active:
        raise Forbidden(f"{user.user_id} is disabled: their jobs no longer run")
    return _actor_of(session, user, row.request_id)


def has_queued(engine: Engine) -> bool:
    """Whether any job waits (a cheap read, so idle workers poll without taking SQLite's write lock)."""
    with session_scope(engine, write=False) as session:
        return session.scalar(select(Job.job_id).where(Job.status == "queued").limit(1)) is not None


def claim(engine: Engine, *, worker: str) -> Claimed | None:
    """Take the oldest queued job for `worker` (committed at once), or None when none waits."""
    with session_scope(engine) as session:
        row = session.scalars(
            select(Job)
            .where(Job.status == "queued")
            .order_by(Job.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            return None
        now = _now()
        row.status, row.worker, row.attempts = "running", worker, row.attempts + 1
        row.started_at, row.heartbeat_at = now, now
        row.message = f"started by {worker} (attempt {row.attempts} of {row.max_attempts})"
        return Claimed(row.job_id, row.kind, dict(row.params), row.attempts, worker, row.input_bytes)


def _mine(claimed: Claimed) -> Any:
    return (
        (Job.job_id == claimed.job_id)
        & (Job.status == "running")
        & (Job.worker == claimed.worker)
        & (Job.attempts == claimed.attempt)
    )


def set_live(job_id: str, progress: float, message: str) -> None:
    """Record a running job's progress for this process's readers."""
    with _live_lock:
        _live[job_id] = (min(max(progress, 0.0), 1.0), message)


def clear_live(job_id: str) -> None:
    """Forget a job's in-process progress (it has ended here)."""
    with _live_lock:
        _live.pop(job_id, None)


def report_progress(engine: Engine, claimed: Claimed, *, progress: float, message: str) -> None:
    """Store a running job's progress and heartbeat (its own short transaction; PostgreSQL only)."""
    set_live(claimed.job_id, progress, message)
    if engine.dialect.name == "sqlite":
        return
    with session_scope(engine) as session:
        session.execute(
            update(Job)
            .where(_mine(claimed))
            .values(progress=min(max(progress, 0.0), 1.0), message=message[:2000], heartbeat_at=_now())
        )


def heartbeat(engine: Engine, claimed: Claimed) -> None:
    """Tell everyone the job's worker is alive (PostgreSQL; on SQLite the worker is the server itself)."""
    if engine.dialect.name == "sqlite":
        return
    with session_scope(engine) as session:
        session.execute(update(Job).where(_mine(claimed)).values(heartbeat_at=_now()))


def finish(
    session: Session, claimed: Claimed, *, result: Mapping[str, Any], result_bytes: bytes | None = None
) -> None:
    """Mark the job succeeded in the handler's own transaction, so its work and its end commit together.

    JobLost if it is no longer this worker's: the caller's transaction must then roll back, so the work
    of a job declared stalled is never stored next to the work of its retry.
    """
    done = session.execute(
        update(Job)
        .where(_mine(claimed))
        .values(
            status="succeeded",
            progress=1.0,
            message="done",
            result=dict(result),
            result_bytes=result_bytes,
            heartbeat_at=_now(),
            finished_at=_now(),
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 0) != 1:
        raise JobLost(f"job {claimed.job_id} is no longer {claimed.worker}'s (attempt {claimed.attempt})")


def problem_of(error: BaseException) -> dict[str, Any]:
    """A problem+json-like dict for a job's error."""
    if isinstance(error, DomainError):
        problems = getattr(error, "problems", ())
        return {
            "code": error.code,
            "status": error.status,
            "title": type(error).__name__,
            "detail": error.message,
            "problems": [dataclasses.asdict(p) for p in problems],
        }
    # An unexpected error's text may hold internals: the worker's log has it, the job says only this.
    return {
        "code": "internal_error",
        "status": 500,
        "title": "InternalError",
        "detail": "the job failed unexpectedly; the worker's log has the details",
        "problems": [],
    }


def fail(engine: Engine, claimed: Claimed, *, error: Mapping[str, Any]) -> bool:
    """Mark the job failed with `error` (its own transaction); False if it was no longer this worker's."""
    with session_scope(engine) as session:
        done = session.execute(
            update(Job)
            .where(_mine(claimed))
            .values(status="failed", error=dict(error), message=str(error.get("detail", ""))[:2000])
            .values(finished_at=_now(), heartbeat_at=_now())
        )
        return getattr(done, "rowcount", 0) == 1


def requeue(engine: Engine, claimed: Claimed, *, reason: str) -> str | None:
    """Put the job back in the queue after a transient failure, or fail it after its last attempt.

    Its new status, or None if it was no longer this worker's.
    """
    with session_scope(engine) as session:
        row = session.scalars(select(Job).where(_mine(claimed)).with_for_update()).first()
        if row is None:
            return None
        if row.attempts < row.max_attempts:
            row.status, row.worker, row.progress = "queued", None, 0.0
            row.message = f"re-queued: {reason} (attempt {row.attempts} of {row.max_attempts})"
        else:
            detail = f"{reason} (attempt {row.attempts} of {row.max_attempts})"
            row.status, row.message, row.finished_at = "failed", detail, _now()
            row.error = {
                "code": "conflict",
                "status": 409,
                "title": "Conflict",
                "detail": detail,
                "problems": [],
            }
        return row.status


def recover_stalled(engine: Engine, *, older_than: dt.timedelta) -> list[tuple[str, str]]:
    """Re-queue running jobs whose heartbeat is older than `older_than`, or fail them after max attempts.

    Returns (job_id, new status) for each. A re-queued job keeps its attempts count.
    """
    limit = _now() - older_than
    changed: list[tuple[str, str]] = []
    with session_scope(engine) as session:
        rows = session.scalars(
            select(Job)
            .where(Job.status == "running", Job.heartbeat_at <= limit)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            if row.attempts < row.max_attempts:
                row.status, row.worker, row.progress = "queued", None, 0.0
                row.message = f"re-queued: worker stopped (attempt {row.attempts} of {row.max_attempts})"
            else:
                reason = f"worker stopped (attempt {row.attempts} of {row.max_attempts})"
                row.status, row.message, row.finished_at = "failed", reason, _now()
                row.error = {
                    "code": "worker_stopped",
                    "status": 500,
                    "title": "WorkerStopped",
                    "detail": reason,
                    "problems": [],
                }
            changed.append((row.job_id, row.status))
    return changed
