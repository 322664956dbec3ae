"""Kill -9 the server while clients stream idempotent event POSTs: nothing acknowledged is lost or doubled.

A real `aidcoord serve` runs over a database with shipments on their way. Client threads post
`delayed` events (allowed again and again), each with its own idempotency key, and note which were
acknowledged. The server is killed with SIGKILL at random moments (seeded) and restarted; after each
restart every request not acknowledged is sent again, as a client that timed out would. Afterwards
each key is stored exactly once with the event id its acknowledgement named, each event has exactly
one audit record, the audit chain verifies and the database passes its own integrity check.
"""

from __future__ import annotations

import http.client
import itertools
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from aidcoord.access.actor import SYSTEM
from aidcoord.audit import service as audit
from aidcoord.db import make_engine, session_scope
from aidcoord.db.migrate import upgrade
from aidcoord.shipments import service as shipments
from tests.conftest import BACKENDS, fresh_database_url
from tests.reliability.server import Server, coordinator_token, start_server
from tests.shipments.factory import approved_plan

SEED = 20261123
KILLS = 4
CLIENTS = 3
SHIPMENTS = 12
PREFIX = "crash-"

pytestmark = pytest.mark.slow


@dataclass
class Ledger:
    """What the clients sent and what the server acknowledged (201 stored, 200 replayed)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    acked: dict[str, int] = field(default_factory=dict)  # key -> event id
    refused: list[str] = field(default_factory=list)
    resent: Counter[int] = field(default_factory=Counter)  # status of the re-sent requests


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database with the approved plan's shipments, the first SHIPMENTS dispatched."""
    for url in fresh_database_url(request, request.param, tmp_path):
        engine = make_engine(url)
        try:
            upgrade(engine)
            with session_scope(engine) as session:
                approved_plan(session)
                shipments.create_from_approved_plan(session, actor=SYSTEM)
                for s in shipments.list_shipments(session, actor=SYSTEM, limit=SHIPMENTS).items:
                    shipments.record_event(
                        session, actor=SYSTEM, shipment_id=s.shipment_id, kind="dispatched"
                    )
        finally:
            engine.dispose()
        yield url


def _post(server: Server, token: str, shipment_id: str, body: dict[str, Any]) -> tuple[int, Any]:
    status, _, answer = server.request(
        "POST",
        f"/api/v1/shipments/{shipment_id}/events",
        body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    return status, answer


def _stream(
    server: Server, token: str, ids: list[str], ledger: Ledger, numbers: Iterator[int], stop: threading.Event
) -> None:
    """Post events one after another until told to stop or the server goes away."""
    while not stop.is_set():
        n = next(numbers)
        key = f"{PREFIX}{n}"
        shipment_id = ids[n % len(ids)]
        body = {"kind": "delayed", "note": f"delay report {n}", "idempotency_key": key}
        with ledger.lock:
            ledger.sent[key] = (shipment_id, body)
        try:
            status, answer = _post(server, token, shipment_id, body)
        except (OSError, http.client.HTTPException):
            return  # killed: this request stays unacknowledged
        with ledger.lock:
            if status in (200, 201):
                ledger.acked[key] = int(answer["event"]["event_id"])
            else:
                ledger.refused.append(f"{key}: {status} {answer}")


def _resend(server: Server, token: str, ledger: Ledger) -> None:
    """Send every unacknowledged request again, as a client that never heard back would."""
    for key in sorted(ledger.sent.keys() - ledger.acked.keys()):
        shipment_id, body = ledger.sent[key]
        status, answer = _post(server, token, shipment_id, body)
        assert status in (200, 201), f"re-sent {key}: {status} {answer}"
        assert answer["replayed"] is (status == 200)
        ledger.acked[key] = int(answer["event"]["event_id"])
        ledger.resent[status] += 1


def _integrity(engine: Engine) -> None:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            assert connection.execute(text("PRAGMA integrity_check")).scalars().all() == ["ok"]
            assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
            return
        # amcheck verifies the B-tree indexes against their tables; it is a contrib module, and
        # where it is missing the counts checked by the caller stay the check.
        available = connection.execute(
            text("SELECT count(*) FROM pg_available_extensions WHERE name = 'amcheck'")
        ).scalar_one()
        if not available:
            return
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
        indexes = connection.execute(
            text(
                "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_am a ON a.oid = c.relam "
                "WHERE a.amname = 'btree' AND t.relname IN ('shipment_events', 'shipments', 'audit_log')"
            )
        ).scalars()
        for index in indexes:
            connection.execute(text("SELECT bt_index_check(CAST(:i AS regclass), true)"), {"i": index})
        connection.commit()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine of the test's own, on the prepared database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_acknowledged_events_survive_sigkill_exactly_once(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    token = coordinator_token(engine)
    with session_scope(engine, write=False) as session:
        ids = [
            s.shipment_id for s in shipments.list_shipments(session, actor=SYSTEM, status="dispatched").items
        ]
    assert len(ids) == SHIPMENTS
    rng = random.Random(SEED)
    ledger = Ledger()
    numbers = itertools.count()
    log = tmp_path / "serve.log"
    server = start_server(database_url, log)
    try:
        for _ in range(KILLS):
            stop = threading.Event()
            clients = [
                threading.Thread(target=_stream, args=(server, token, ids, ledger, numbers, stop))
                for _ in range(CLIENTS)
            ]
            for client in clients:
                client.start()
            # A random moment: after a random number of acknowledgements, and a random instant later.
            target = len(ledger.acked) + rng.randint(3, 30)
            deadline = time.monotonic() + 60
            while len(ledger.acked) < target and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.05))
            server.kill()
            stop.set()
            for client in clients:
                client.join(timeout=60)
            assert not ledger.refused, ledger.refused[:3]
            server = start_server(database_url, log, port=server.port)
            _resend(server, token, ledger)
        assert server.terminate() == 0
    finally:
        if server.process.poll() is None:
            server.kill()

    assert sum(ledger.resent.values()) > 0, "no request was in flight at any kill"
    assert ledger.acked.keys() == ledger.sent.keys()
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT idempotency_key, event_id FROM shipment_events WHERE idempotency_key LIKE :p"),
            {"p": f"{PREFIX}%"},
        ).all()
        afters = connection.execute(
            text("SELECT after FROM audit_log WHERE action = 'shipment.delayed'")
        ).scalars()
        audited = Counter(json.loads(after)["event"]["idempotency_key"] for after in afters)
    keys = Counter(key for key, _ in stored)
    assert [k for k, n in keys.items() if n != 1] == []
    assert dict(stored) == ledger.acked  # every key once, with the event id its acknowledgement named
    assert audited == Counter(ledger.sent.keys())  # one audit record per stored event, none for replays
    with session_scope(engine, write=False) as session:
        verified = audit.verify(session, actor=SYSTEM)
    assert verified.ok, verified.problem
    _integrity(engine)
