"""The audit table: one row per change, hash-chained, append-only (the migration adds the triggers)."""

from __future__ import annotations

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aidcoord.db.base import Base


class AuditRecord(Base):
    """One change: who, when, what (before and after as canonical JSON), chained to the record before it.

    `seq` is assigned by the service as the previous record's + 1, never by the database, so the
    numbers have no gaps and a deleted record shows as a missing number. `at` is text (UTC ISO 8601
    with microseconds and `Z`) so that the bytes hashed are exactly the bytes stored, on every backend.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    organisation_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(200))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
