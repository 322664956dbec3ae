"""Use cases of the requirements domain."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role
from aidcoord.db.rows import delete_rows, insert_rows, select_rows
from aidcoord.requirements.models import Requirement as RequirementRow
from aidcoord.scenario.model import Requirement


@dataclass(frozen=True, slots=True)
class PriorityCount:
    """How many requirement lines and units a priority class holds."""

    priority: int
    lines: int
    units: int


def add_many(session: Session, *, actor: Actor, requirements: Iterable[Requirement]) -> int:
    """Add requirements (coordinators and the recipient's officers); return how many."""
    require_role(actor, "coordinator", "recipient_officer")
    return insert_rows(session, RequirementRow, requirements)


def list_all(session: Session, *, actor: Actor) -> list[Requirement]:
    """All requirements, by id."""
    del actor  # every participant sees the recipient's list
    return select_rows(session, RequirementRow, Requirement, ["requirement_id"])


def by_priority(session: Session, *, actor: Actor) -> list[PriorityCount]:
    """Requirement lines and units per priority class, most urgent first."""
    del actor
    query = (
        select(RequirementRow.priority, func.count(), func.sum(RequirementRow.quantity))
        .group_by(RequirementRow.priority)
        .order_by(RequirementRow.priority)
    )
    return [PriorityCount(int(p), int(n), int(u or 0)) for p, n, u in session.execute(query)]


def clear(session: Session, *, actor: Actor) -> None:
    """Delete all requirements (coordinators only; when a scenario is replaced)."""
    require_role(actor, "coordinator")
    delete_rows(session, RequirementRow)
