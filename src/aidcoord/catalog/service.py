"""Use cases of the catalogue: items and substitutes.

Writes are for coordinators. An item or substitute pair written here obeys the same rules as one in a
Scenario Data Package: `scenario.io`'s own rules, applied to the one record and the rows it refers to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role
from aidcoord.audit import service as audit
from aidcoord.catalog.models import Item as ItemRow
from aidcoord.catalog.models import Substitute as SubstituteRow
from aidcoord.db.rows import delete_rows, insert_rows, select_rows
from aidcoord.errors import Conflict, NotFound, Problem, refuse_invalid
from aidcoord.scenario.io import record_problems
from aidcoord.scenario.model import Item, Substitute

ITEM_FIELDS: tuple[str, ...] = (
    "name",
    "category",
    "capability",
    "unit",
    "unit_mass_kg",
    "unit_value_eur",
    "extra",
)
"""What a PATCH may change on an item (everything but its id)."""


# --- items -----------------------------------------------------------------------------------------


def add_items(session: Session, *, actor: Actor, items: Iterable[Item]) -> int:
    """Add catalogue items (coordinators only); return how many."""
    require_role(actor, "coordinator")
    return insert_rows(session, ItemRow, items)


def list_items(
    session: Session, *, actor: Actor, capability: str | None = None, category: str | None = None
) -> list[Item]:
    """All items (of a capability and/or category if given), by id; visible to every actor."""
    del actor
    where = []
    if capability is not None:
        where.append(ItemRow.capability == capability)
    if category is not None:
        where.append(ItemRow.category == category)
    return select_rows(session, ItemRow, Item, ["item_id"], where=where)


def get_item(session: Session, *, actor: Actor, item_id: str) -> Item:
    """One item; NotFound if there is none with that id."""
    del actor
    found = select_rows(session, ItemRow, Item, ["item_id"], where=[ItemRow.item_id == item_id])
    if not found:
        raise NotFound(f"item {item_id!r} does not exist")
    return found[0]


def add_item(session: Session, *, actor: Actor, item: Item) -> Item:
    """Add one item (coordinators only); ValidationFailed names each bad field, Conflict if it exists."""
    require_role(actor, "coordinator")
    refuse_invalid(f"item {item.item_id!r}", record_problems("items", item))
    if session.get(ItemRow, item.item_id) is not None:
        raise Conflict(f"item {item.item_id!r} already exists")
    insert_rows(session, ItemRow, [item])
    session.flush()
    audit.record(session, actor=actor, action="item.add", entity="item", entity_id=item.item_id, after=item)
    return item


def update_item(session: Session, *, actor: Actor, item_id: str, changes: Mapping[str, Any]) -> Item:
    """Change an item's fields other than its id (coordinators only); NotFound for an unknown id."""
    require_role(actor, "coordinator")
    current = get_item(session, actor=actor, item_id=item_id)
    refuse_invalid(
        "item change",
        [Problem(f"{name} cannot be changed", column=name) for name in changes if name not in ITEM_FIELDS],
    )
    values: dict[str, Any] = {
        k: (dict(v) if k == "extra" and isinstance(v, Mapping) else v) for k, v in changes.items()
    }
    item = dataclasses.replace(current, **values)
    refuse_invalid(f"item {item_id!r}", record_problems("items", item))
    if values:
        session.execute(update(ItemRow).where(ItemRow.item_id == item_id).values(**values))
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="item.update",
            entity="item",
            entity_id=item_id,
            before=current,
            after=item,
        )
    return item


# --- substitutes -----------------------------------------------------------------------------------


def add_substitutes(session: Session, *, actor: Actor, substitutes: Iterable[Substitute]) -> int:
    """Add substitute pairs (coordinators only); return how many."""
    require_role(actor, "coordinator")
    return insert_rows(session, SubstituteRow, substitutes)


def list_substitutes(session: Session, *, actor: Actor, item_id: str | None = None) -> list[Substitute]:
    """All substitute pairs (those that may stand in for `item_id` if given), by item then substitute."""
    del actor
    where = [SubstituteRow.item_id == item_id] if item_id is not None else []
    return select_rows(session, SubstituteRow, Substitute, ["item_id", "substitute_item_id"], where=where)


def add_substitute(session: Session, *, actor: Actor, substitute: Substitute) -> Substitute:
    """Add one substitute pair (coordinators only): two existing, different items.

    ValidationFailed names each bad field; Conflict if the pair exists.
    """
    require_role(actor, "coordinator")
    problems: list[Problem] = []
    known: list[Item] = []
    for column in ("item_id", "substitute_item_id"):
        item_id = getattr(substitute, column)
        try:
            known.append(get_item(session, actor=actor, item_id=item_id))
        except NotFound:
            problems.append(Problem(f"unknown item {item_id!r}", column=column))
    skip = {p.column for p in problems if p.column}
    problems += record_problems("substitutes", substitute, skip=skip, items=known)
    refuse_invalid(f"substitute {substitute.item_id!r}→{substitute.substitute_item_id!r}", problems)
    if session.get(SubstituteRow, (substitute.item_id, substitute.substitute_item_id)) is not None:
        raise Conflict(
            f"{substitute.substitute_item_id!r} is already a substitute for {substitute.item_id!r}"
        )
    insert_rows(session, SubstituteRow, [substitute])
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="substitute.add",
        entity="substitute",
        entity_id=f"{substitute.item_id}>{substitute.substitute_item_id}",
        after=substitute,
    )
    return substitute


def remove_substitute(session: Session, *, actor: Actor, item_id: str, substitute_item_id: str) -> None:
    """Remove a substitute pair (coordinators only); NotFound if there is no such pair."""
    require_role(actor, "coordinator")
    if session.get(SubstituteRow, (item_id, substitute_item_id)) is None:
        raise NotFound(f"{substitute_item_id!r} is not a substitute for {item_id!r}")
    session.execute(
        delete(SubstituteRow).where(
            SubstituteRow.item_id == item_id, SubstituteRow.substitute_item_id == substitute_item_id
        )
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="substitute.remove",
        entity="substitute",
        entity_id=f"{item_id}>{substitute_item_id}",
        before={"item_id": item_id, "substitute_item_id": substitute_item_id},
    )


def clear(session: Session, *, actor: Actor) -> None:
    """Delete all substitutes and items (coordinators only; when a scenario is replaced)."""
    require_role(actor, "coordinator")
    delete_rows(session, SubstituteRow)
    delete_rows(session, ItemRow)
