"""What the audit tests share: a small history, and SQL behind the application's back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text

from aidcoord.access.actor import SYSTEM, Actor
from aidcoord.audit import service as audit
from aidcoord.db import session_scope

OFFICER = Actor(
    "del-n001", "DEL-N001", frozenset({"nation_officer"}), nation_id="N001", request_id="req-0001"
)
AUDITOR = Actor("aud-1", "AUDIT", frozenset({"auditor"}))
VIEWER = Actor("vera", "AUDIT", frozenset({"viewer"}))


@dataclass(frozen=True, slots=True)
class OfferSnapshot:
    """An entity as a service would pass it: a dataclass with a date and a tuple."""

    offer_id: str
    quantity: int
    status: str
    announced_on: dt.date
    tags: tuple[str, ...] = ()


def append_history(engine: Engine) -> list[int]:
    """Six records of different shapes, in three transactions; their seqs."""
    seqs = []
    with session_scope(engine) as session:
        seqs.append(
            audit.record(
                session,
                actor=OFFICER,
                action="offer.announce",
                entity="offer",
                entity_id="OFF-1",
                after=OfferSnapshot("OFF-1", 40, "announced", dt.date(2025, 3, 3), ("urgent",)),
            )
        )
        seqs.append(
            audit.record(
                session,
                actor=OFFICER,
                action="offer.commit",
                entity="offer",
                entity_id="OFF-1",
                before={"status": "announced"},
                after={"status": "committed"},
            )
        )
    with session_scope(engine) as session:
        seqs.append(
            audit.record(
                session,
                actor=SYSTEM,
                action="plan.approve",
                entity="plan",
                entity_id="3",
                before={"status": "draft"},
                after={"status": "approved", "approved_at": dt.datetime(2025, 3, 4, 12, 0, tzinfo=dt.UTC)},
                reason="weekly board",
            )
        )
        seqs.append(
            audit.record(
                session,
                actor=OFFICER,
                action="offer.amend",
                entity="offer",
                entity_id="OFF-1",
                before={"quantity": 40, "value_eur": 1.5e6},
                after={"quantity": 30, "value_eur": 1.125e6},
            )
        )
    with session_scope(engine) as session:
        seqs.append(
            audit.record(
                session,
                actor=OFFICER,
                action="offer.withdraw",
                entity="offer",
                entity_id="OFF-1",
                before={"status": "committed"},
                after={"status": "withdrawn"},
                reason="budget cut — Ausfuhr gestoppt",
            )
        )
        seqs.append(
            audit.record(
                session, actor=SYSTEM, action="user.delete", entity="user", entity_id="bob", before={"a": 1}
            )
        )
    return seqs


def drop_guards(engine: Engine) -> None:
    """Drop the triggers that refuse UPDATE, DELETE (and TRUNCATE), as someone with DDL rights could."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_update_or_delete ON audit_log")
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_truncate ON audit_log")
        else:
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_delete")


def execute(engine: Engine, sql: str, **params: Any) -> None:
    """Run one statement in its own transaction, outside the application."""
    with engine.begin() as connection:
        connection.execute(text(sql), params)


def stored(engine: Engine, seq: int) -> dict[str, Any]:
    """Record `seq` as stored."""
    with engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM audit_log WHERE seq = :seq"), {"seq": seq}).mappings()
        return dict(row.one())


def verify(engine: Engine) -> audit.AuditVerification:
    """Verify the chain in a read session, as the auditor."""
    with session_scope(engine, write=False) as session:
        return audit.verify(session, actor=AUDITOR)
