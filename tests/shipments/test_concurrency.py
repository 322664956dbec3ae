"""received + damaged + lost <= shipped while writers race, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine

from aidcoord.access.actor import SYSTEM
from aidcoord.db import session_scope
from aidcoord.errors import DomainError
from aidcoord.shipments import service as shipments
from aidcoord.shipments.service import RecordedEvent
from tests.shipments.factory import walk

THREADS = 8


def test_concurrent_receipts_and_damage_keep_the_invariant(shipped_engine: Engine) -> None:
    with session_scope(shipped_engine) as session:
        target = next(
            s for s in shipments.list_shipments(session, actor=SYSTEM, limit=1000).items if s.quantity >= 30
        )
        walk(session, target.shipment_id, "dispatched", "at_hub", "left_hub", "delivered")
    shipped = target.quantity

    # Half the writers try to receive half the units, half to report a third damaged: whatever the
    # order, at most one receipt is accepted and damage stops when nothing is left.
    barrier = threading.Barrier(THREADS)
    accepted: list[RecordedEvent] = []
    refused: list[BaseException] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        kind = "received" if n % 2 == 0 else "damaged"
        quantity = shipped // 2 if kind == "received" else shipped // 3
        barrier.wait()
        try:
            with session_scope(shipped_engine) as session:
                recorded = shipments.record_event(
                    session,
                    actor=SYSTEM,
                    shipment_id=target.shipment_id,
                    kind=kind,
                    quantity=quantity,
                    signatory="Maj. Bondarenko" if kind == "received" else None,
                    idempotency_key=f"race-{n}",
                )
            with lock:
                accepted.append(recorded)
        except BaseException as error:  # recorded, then asserted below: any non-domain error fails
            with lock:
                refused.append(error)

    started = time.perf_counter()
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    elapsed = time.perf_counter() - started

    assert len(accepted) + len(refused) == THREADS
    assert all(isinstance(error, DomainError) for error in refused), [repr(e) for e in refused]
    assert accepted
    assert sum(1 for r in accepted if r.event.kind == "received") <= 1
    with session_scope(shipped_engine, write=False) as session:
        detail = shipments.get_shipment(session, actor=SYSTEM, shipment_id=target.shipment_id)
    final = detail.shipment
    assert final.quantity_received + final.quantity_damaged + final.quantity_lost <= shipped
    recorded = [e for e in detail.events if e.kind in ("received", "damaged")]
    assert sorted(e.event_id for e in recorded) == sorted(r.event.event_id for r in accepted)
    assert final.quantity_received == sum(
        r.event.quantity or 0 for r in accepted if r.event.kind == "received"
    )
    assert final.quantity_damaged == sum(r.event.quantity or 0 for r in accepted if r.event.kind == "damaged")
    assert elapsed < 5, elapsed
