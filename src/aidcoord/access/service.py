"""Use cases of the access domain: organisations (users, roles and tokens come with access control)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role
from aidcoord.access.models import Organisation as OrganisationRow
from aidcoord.db.rows import delete_rows, insert_rows, select_rows
from aidcoord.errors import NotFound


@dataclass(frozen=True, slots=True)
class Organisation:
    """Who a user works for; a delegation carries its nation, a hub operator its hub."""

    organisation_id: str
    name: str
    kind: str
    nation_id: str | None = None
    site_id: str | None = None


def add_many(session: Session, *, actor: Actor, organisations: Iterable[Organisation]) -> int:
    """Add organisations (coordinators only); return how many."""
    require_role(actor, "coordinator")
    return insert_rows(session, OrganisationRow, organisations)


def list_all(session: Session, *, actor: Actor) -> list[Organisation]:
    """All organisations, by id."""
    del actor
    return select_rows(session, OrganisationRow, Organisation, ["organisation_id"])


def get(session: Session, *, actor: Actor, organisation_id: str) -> Organisation:
    """One organisation; NotFound if there is none with that id."""
    del actor
    found = select_rows(
        session,
        OrganisationRow,
        Organisation,
        ["organisation_id"],
        where=[OrganisationRow.organisation_id == organisation_id],
    )
    if not found:
        raise NotFound(f"organisation {organisation_id!r} does not exist")
    return found[0]


def clear(session: Session, *, actor: Actor) -> None:
    """Delete all organisations (coordinators only; when a scenario is replaced)."""
    require_role(actor, "coordinator")
    delete_rows(session, OrganisationRow)
