"""Use cases of the catalogue: items and substitutes."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role
from aidcoord.catalog.models import Item as ItemRow
from aidcoord.catalog.models import Substitute as SubstituteRow
from aidcoord.db.rows import delete_rows, insert_rows, select_rows
from aidcoord.scenario.model import Item, Substitute


def add_items(session: Session, *, actor: Actor, items: Iterable[Item]) -> int:
    """Add catalogue items (coordinators only); return how many."""
    require_role(actor, "coordinator")
    return insert_rows(session, ItemRow, items)


def add_substitutes(session: Session, *, actor: Actor, substitutes: Iterable[Substitute]) -> int:
    """Add substitute pairs (coordinators only); return how many."""
    require_role(actor, "coordinator")
    return insert_rows(session, SubstituteRow, substitutes)


def list_items(session: Session, *, actor: Actor) -> list[Item]:
    """All items, by id."""
    del actor
    return select_rows(session, ItemRow, Item, ["item_id"])


def list_substitutes(session: Session, *, actor: Actor) -> list[Substitute]:
    """All substitute pairs, by item then substitute."""
    del actor
    return select_rows(session, SubstituteRow, Substitute, ["item_id", "substitute_item_id"])


def clear(session: Session, *, actor: Actor) -> None:
    """Delete all substitutes and items (coordinators only; when a scenario is replaced)."""
    require_role(actor, "coordinator")
    delete_rows(session, SubstituteRow)
    delete_rows(session, ItemRow)
