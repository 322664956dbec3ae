"""Running jobs: a handler per kind, and the worker loop that claims and runs them.

A handler runs as the submitter in the job's own write transaction, and `service.finish` marks the
job succeeded in that same transaction: what a job stores (a plan) and its end commit together or not
at all. A worker that dies mid-job leaves nothing behind but a running job whose heartbeat stops;
`service.recover_stalled` re-queues it (or fails it after its last attempt), and the retry starts from
a state in which the dead attempt stored nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor
from aidcoord.db import session_scope
from aidcoord.errors import DomainError
from aidcoord.export import ReportTable
from aidcoord.jobs import service
from aidcoord.jobs.service import Claimed

log = logging.getLogger("aidcoord.jobs")

Progress = Callable[[str, float], None]
Outcome = tuple[dict[str, Any], bytes | None]
Handler = Callable[[Session, Engine, Actor, Mapping[str, Any], Progress], Outcome]
"""A kind's work: (session, engine, submitter, params, progress) -> (result, file or None).

A job's uploaded file (`input_bytes`, not JSON) reaches its handler as `params[UPLOAD]`."""
UPLOAD = "upload"
TABLE_KINDS = frozenset({"whatif", "reliability"})
"""Kinds whose file is report tables, rendered as CSV or XLSX when fetched."""

HEARTBEAT_S = 5.0
"""How often a running job's worker says it is alive (PostgreSQL)."""
STALLED_AFTER = dt.timedelta(seconds=60)
"""A running job whose heartbeat is older than this lost its worker."""
POLL_S = 0.2
"""How long an idle worker waits before looking for work again."""
PROGRESS_WRITE_S = 1.0
"""The least time between two writes of a running job's progress to its row."""


def tables_bytes(tables: list[ReportTable]) -> bytes:
    """Report tables as the job's file: JSON, rendered as CSV or XLSX only when fetched."""
    return json.dumps(
        [{"title": t.title, "columns": t.columns, "rows": t.rows, "sources": t.sources} for t in tables]
    ).encode()


def tables_of(content: bytes) -> list[ReportTable]:
    """The report tables a job stored with `tables_bytes`."""
    return [
        ReportTable(t["title"], tuple(t["columns"]), tuple(tuple(r) for r in t["rows"]), tuple(t["sources"]))
        for t in json.loads(content)
    ]


def _plan(
    session: Session, _engine: Engine, actor: Actor, params: Mapping[str, Any], report: Progress
) -> Outcome:
    from aidcoord.plans import service as plans
    from aidcoord.plans.schemas import PlanSummaryOut

    summary = plans.create_plan(
        session,
        actor=actor,
        method=params.get("method", "optimiser"),
        time_limit_s=params.get("time_limit_s", 300.0),
        include_announced=params.get("include_announced", False),
        excluded_offer_ids=params.get("excluded_offer_ids", ()),
        excluded_hub_ids=params.get("excluded_hub_ids", ()),
        progress=report,
    )
    return PlanSummaryOut.model_validate(summary).model_dump(mode="json"), None


def _whatif(
    session: Session, _engine: Engine, actor: Actor, params: Mapping[str, Any], report: Progress
) -> Outcome:
    from aidcoord.whatif import service as whatif
    from aidcoord.whatif.report import tables
    from aidcoord.whatif.views import comparison

    changes = [whatif.change_from_dict(c) for c in params["changes"]]
    outcome = whatif.run(
        session, actor=actor, changes=changes, time_limit_s=params.get("time_limit_s", 60.0), progress=report
    )
    return comparison(outcome).model_dump(mode="json"), tables_bytes(tables(outcome))


def _reliability(
    session: Session, _engine: Engine, actor: Actor, params: Mapping[str, Any], report: Progress
) -> Outcome:
    from aidcoord.reports import risk
    from aidcoord.reports.risk_views import reliability_out

    rel = risk.reliability(session, actor=actor, progress=report, **params)
    return reliability_out(rel).model_dump(mode="json"), tables_bytes(risk.reliability_tables(rel))


def _offers_import(
    session: Session, _engine: Engine, actor: Actor, params: Mapping[str, Any], report: Progress
) -> Outcome:
    from aidcoord.spreadsheets import kiel_import
    from aidcoord.spreadsheets.schemas import KielImportOut

    report("importing offers", 0.0)
    done = kiel_import.import_kiel(
        session,
        actor=actor,
        data=params[UPLOAD],
        file_name=params.get("file_name"),
        strict=params.get("strict", False),
        valuation_method=params.get("valuation_method", "market"),
    )
    return KielImportOut.of(done).model_dump(mode="json"), None


def _state_export(
    _session: Session, engine: Engine, actor: Actor, _params: Mapping[str, Any], report: Progress
) -> Outcome:
    from aidcoord.handover import service as handover

    exported = handover.export_state(engine, actor=actor, progress=report)
    manifest = exported.manifest
    result = {
        "fingerprint": exported.fingerprint,
        "exported_at": manifest.exported_at,
        "bytes": len(exported.content),
        "tables": len(manifest.tables),
        "rows": sum(t.rows for t in manifest.tables),
    }
    return result, exported.content


HANDLERS: Mapping[str, Handler] = {
    "plan": _plan,
    "whatif": _whatif,
    "reliability": _reliability,
    "state_export": _state_export,
    "offers_import": _offers_import,
}


def default_worker_name() -> str:
    """host:pid:thread, so a job's row says which process ran it."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run_claimed(engine: Engine, claimed: Claimed) -> str:
    """Run a claimed job to its end (succeeded or failed); its final status ('lost' if taken from us)."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_S):
            try:
                service.heartbeat(engine, claimed)
            except Exception:  # a missed beat is retried; the job itself goes on
                log.warning("job %s: heartbeat failed", claimed.job_id, exc_info=True)

    last_write = [0.0]

    def report(message: str, fraction: float) -> None:
        service.set_live(claimed.job_id, fraction, message)
        # One short transaction a second at most, however chatty the solver's callback is.
        if time.monotonic() - last_write[0] < PROGRESS_WRITE_S:
            return
        last_write[0] = time.monotonic()
        try:
            service.report_progress(engine, claimed, progress=fraction, message=message)
        except Exception:  # progress is informative; losing one report must not fail the job
            log.warning("job %s: progress report failed", claimed.job_id, exc_info=True)

    beater = threading.Thread(target=beat, name=f"heartbeat-{claimed.job_id[:8]}", daemon=True)
    beater.start()
    service.set_live(claimed.job_id, 0.0, "started")
    try:
        with session_scope(engine) as session:
            actor = service.actor_of(session, claimed)
            params = claimed.params
            if claimed.input_bytes is not None:
                params = {**params, UPLOAD: claimed.input_bytes}
            result, blob = HANDLERS[claimed.kind](session, engine, actor, params, report)
            service.finish(session, claimed, result=result, result_bytes=blob)
        log.info("job %s (%s) succeeded", claimed.job_id, claimed.kind)
        return "succeeded"
    except service.JobLost:
        log.warning("job %s was taken from %s: its work was dropped", claimed.job_id, claimed.worker)
        return "lost"
    except (IntegrityError, OperationalError) as error:
        # Concurrent work got there first (two plans taking the same next version, a serialisation
        # failure): nothing was stored, and running it again on the new state will do.
        log.warning("job %s (%s) conflicted: %s", claimed.job_id, claimed.kind, type(error).__name__)
        return service.requeue(engine, claimed, reason="it conflicted with concurrent work") or "lost"
    except Exception as error:
        if not isinstance(error, DomainError):
            log.exception("job %s (%s) failed unexpectedly", claimed.job_id, claimed.kind)
        settled = service.fail(engine, claimed, error=service.problem_of(error))
        return "failed" if settled else "lost"
    finally:
        stop.set()
        service.clear_live(claimed.job_id)


def run_one(engine: Engine, *, worker: str | None = None) -> str | None:
    """Claim and run one job; its final status, or None when none was queued."""
    if not service.has_queued(engine):
        return None
    claimed = service.claim(engine, worker=worker or default_worker_name())
    if claimed is None:
        return None
    return run_claimed(engine, claimed)


def run_pending(engine: Engine, *, worker: str | None = None) -> int:
    """Run queued jobs until none is left; how many ran."""
    count = 0
    while run_one(engine, worker=worker) is not None:
        count += 1
    return count


def work(engine: Engine, stop: threading.Event, *, stalled_after: dt.timedelta = STALLED_AFTER) -> None:
    """Run jobs until `stop` is set: recover stalled jobs now and then, claim, run, wait when idle."""
    name = default_worker_name()
    next_recovery = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() >= next_recovery:
                for job_id, status in service.recover_stalled(engine, older_than=stalled_after):
                    log.warning("job %s lost its worker: now %s", job_id, status)
                next_recovery = time.monotonic() + stalled_after.total_seconds() / 2
            if run_one(engine, worker=name) is not None:
                continue
        except Exception:  # the database may be restarting: wait and try again, never die
            log.warning("worker %s: could not reach the jobs", name, exc_info=True)
        stop.wait(POLL_S)


class InProcessWorker:
    """The server's own worker thread (SQLite, the embedded default): started and stopped with the app."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="aidcoord-jobs", daemon=True)

    def _run(self) -> None:
        # This process is the only worker on SQLite: whatever was running when it last stopped died with it.
        try:
            service.recover_stalled(self.engine, older_than=dt.timedelta(0))
        except Exception:  # an unmigrated database (what /readyz reports): the loop below keeps trying
            log.warning("could not re-queue the jobs left running", exc_info=True)
        work(self.engine, self.stop, stalled_after=dt.timedelta(days=3650))

    def start(self) -> None:
        """Start the thread."""
        self.thread.start()

    def close(self) -> None:
        """Ask the thread to stop after its current job, and wait for it (30 s at most)."""
        self.stop.set()
        # A job still running then dies with the process; the next start re-queues it.
        self.thread.join(timeout=30)
