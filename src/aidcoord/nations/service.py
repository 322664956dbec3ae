"""Use cases of the nations domain."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy import update as update_statement
from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role
from aidcoord.audit import service as audit
from aidcoord.db.rows import delete_rows, insert_rows, select_rows
from aidcoord.errors import Conflict, NotFound, Problem, ValidationFailed
from aidcoord.nations.models import Nation as NationRow
from aidcoord.scenario.io import record_problems
from aidcoord.scenario.model import Nation

NATION_FIELDS: tuple[str, ...] = ("name", "gdp_usd_bn", "defence_pct_gdp", "nato_member", "extra")
"""What a PATCH may change on a nation (everything but its id)."""


def add_many(session: Session, *, actor: Actor, nations: Iterable[Nation]) -> int:
    """Add nations (coordinators only); return how many."""
    require_role(actor, "coordinator")
    return insert_rows(session, NationRow, nations)


def get(session: Session, *, actor: Actor, nation_id: str) -> Nation:
    """One nation; NotFound if there is none with that id."""
    found = select_rows(session, NationRow, Nation, ["nation_id"], where=[NationRow.nation_id == nation_id])
    if not found:
        raise NotFound(f"nation {nation_id!r} does not exist")
    return found[0]


def add(session: Session, *, actor: Actor, nation: Nation) -> Nation:
    """Add one nation (coordinators only); Conflict if the id is taken."""
    require_role(actor, "coordinator")
    if session.get(NationRow, nation.nation_id) is not None:
        raise Conflict(f"nation {nation.nation_id!r} already exists")
    insert_rows(session, NationRow, [nation])
    audit.record(
        session, actor=actor, action="nation.add", entity="nation", entity_id=nation.nation_id, after=nation
    )
    return nation


def update(session: Session, *, actor: Actor, nation_id: str, changes: Mapping[str, Any]) -> Nation:
    """Change a nation's name, GDP, defence share or NATO membership (coordinators only).

    The values obey the Scenario Data Package's rules (ValidationFailed names each bad field);
    NotFound for an unknown id.
    """
    require_role(actor, "coordinator")
    current = get(session, actor=actor, nation_id=nation_id)
    fixed = [
        Problem(f"{name} cannot be changed", column=name) for name in changes if name not in NATION_FIELDS
    ]
    if fixed:
        raise ValidationFailed(f"nation {nation_id!r}: {'; '.join(str(p) for p in fixed)}", fixed)
    values: dict[str, Any] = {
        k: (dict(v) if k == "extra" and isinstance(v, Mapping) else v) for k, v in changes.items()
    }
    nation = dataclasses.replace(current, **values)
    problems = record_problems("nations", nation)
    if problems:
        raise ValidationFailed(
            f"nation {nation_id!r} is invalid: {'; '.join(str(p) for p in problems)}", problems
        )
    if values:
        session.execute(update_statement(NationRow).where(NationRow.nation_id == nation_id).values(**values))
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="nation.update",
            entity="nation",
            entity_id=nation_id,
            before=current,
            after=nation,
        )
    return nation


def list_all(session: Session, *, actor: Actor) -> list[Nation]:
    """All nations, by id (reference data: visible to every actor)."""
    del actor  # reference data is public to every signed-in user
    return select_rows(session, NationRow, Nation, ["nation_id"])


def count(session: Session, *, actor: Actor) -> int:
    """How many nations there are."""
    del actor
    return session.scalar(select(func.count()).select_from(NationRow)) or 0


def clear(session: Session, *, actor: Actor) -> None:
    """Delete all nations (coordinators only; when a scenario is replaced)."""
    require_role(actor, "coordinator")
    delete_rows(session, NationRow)
