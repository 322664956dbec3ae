"""Writers appending at once queue on the head: one chain, every number once."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, text

from aidcoord.access.actor import Actor
from aidcoord.audit import service as audit
from aidcoord.db import session_scope
from tests.audit.helpers import verify

THREADS = 8
RECORDS_EACH = 6


def test_concurrent_appenders_leave_one_intact_chain(migrated_engine: Engine) -> None:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    seqs: list[int] = []
    lock = threading.Lock()

    def append(worker: int) -> None:
        actor = Actor(f"user-{worker}", "CELL", frozenset({"coordinator"}), request_id=f"req-{worker}")
        barrier.wait()
        try:
            for n in range(RECORDS_EACH):
                # Each record in its own transaction, so that the writers interleave as much as they can.
                with session_scope(migrated_engine) as session:
                    seq = audit.record(
                        session,
                        actor=actor,
                        action="offer.amend",
                        entity="offer",
                        entity_id=f"OFF-{worker}",
                        before={"n": n},
                        after={"n": n + 1},
                    )
                with lock:
                    seqs.append(seq)
        except BaseException as error:  # collected and checked by the test
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=append, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    total = THREADS * RECORDS_EACH
    assert sorted(seqs) == list(range(1, total + 1))
    result = verify(migrated_engine)
    assert (result.ok, result.checked, result.head_seq) == (True, total, total)
    with migrated_engine.connect() as connection:
        per_worker = connection.execute(
            text("SELECT user_id, count(*) FROM audit_log GROUP BY user_id ORDER BY user_id")
        ).all()
    assert [tuple(row) for row in per_worker] == [(f"user-{w}", RECORDS_EACH) for w in range(THREADS)]
