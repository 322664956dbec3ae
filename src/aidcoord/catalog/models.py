"""Tables of the catalogue: items and their allowed substitutes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from aidcoord.db.base import Base


class Item(Base):
    """A catalogue line: category, capability, unit, unit mass and unit value."""

    __tablename__ = "items"
    __table_args__ = (
        CheckConstraint("unit_mass_kg > 0", name="mass_positive"),
        CheckConstraint("unit_value_eur >= 0", name="value_non_negative"),
    )

    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64))
    capability: Mapped[str] = mapped_column(String(64), index=True)
    unit: Mapped[str] = mapped_column(String(32))
    unit_mass_kg: Mapped[float]
    unit_value_eur: Mapped[float]
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Substitute(Base):
    """Item `substitute_item_id` may fill a requirement for `item_id`, unit for unit."""

    __tablename__ = "substitutes"
    __table_args__ = (CheckConstraint("item_id <> substitute_item_id", name="not_itself"),)

    item_id: Mapped[str] = mapped_column(ForeignKey("items.item_id"), primary_key=True)
    substitute_item_id: Mapped[str] = mapped_column(ForeignKey("items.item_id"), primary_key=True, index=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
