"""Use cases of the offers domain."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role
from aidcoord.catalog.models import Item as ItemRow
from aidcoord.db.rows import delete_rows, insert_rows, select_rows
from aidcoord.offers.models import Offer as OfferRow
from aidcoord.scenario.model import Offer


@dataclass(frozen=True, slots=True)
class PledgedValue:
    """Value (EUR) and mass (t) pledged for one capability, by offer status."""

    capability: str
    committed_eur: float
    announced_eur: float
    committed_t: float


def add_many(session: Session, *, actor: Actor, offers: Iterable[Offer]) -> int:
    """Add offers (coordinators only in bulk); return how many."""
    require_role(actor, "coordinator")
    return insert_rows(session, OfferRow, offers)


def list_all(session: Session, *, actor: Actor) -> list[Offer]:
    """The offers the actor may see, by id (a nation's officers see their own nation's only)."""
    where = []
    if not (actor.has("coordinator") or actor.has("auditor")) and actor.nation_id is not None:
        where.append(OfferRow.nation_id == actor.nation_id)
    return select_rows(session, OfferRow, Offer, ["offer_id"], where=where)


def pledged_by_capability(session: Session, *, actor: Actor) -> list[PledgedValue]:
    """Committed and announced value per capability (totals, which every actor may see)."""
    del actor
    value = OfferRow.quantity * ItemRow.unit_value_eur
    query = (
        select(
            ItemRow.capability,
            func.sum(value).filter(OfferRow.status == "committed"),
            func.sum(value).filter(OfferRow.status == "announced"),
            func.sum(OfferRow.quantity * ItemRow.unit_mass_kg / 1000.0).filter(
                OfferRow.status == "committed"
            ),
        )
        .join(ItemRow, ItemRow.item_id == OfferRow.item_id)
        .group_by(ItemRow.capability)
        .order_by(ItemRow.capability)
    )
    return [
        PledgedValue(str(cap), float(c or 0.0), float(a or 0.0), float(t or 0.0))
        for cap, c, a, t in session.execute(query)
    ]


def clear(session: Session, *, actor: Actor) -> None:
    """Delete all offers (coordinators only; when a scenario is replaced)."""
    require_role(actor, "coordinator")
    delete_rows(session, OfferRow)
