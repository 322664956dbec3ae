"""Tables of the offers domain: nations' pledges."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aidcoord.db.base import Base


class Offer(Base):
    """A nation's pledge: item, quantity, origin depot, week available, status."""

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("available_week >= 0", name="available_week_non_negative"),
        CheckConstraint("status IN ('announced', 'committed', 'withdrawn')", name="status_known"),
        CheckConstraint(
            "valuation_method IS NULL OR valuation_method IN ('market', 'replacement', 'book')",
            name="valuation_method_known",
        ),
        CheckConstraint("value_eur IS NULL OR value_eur >= 0", name="value_non_negative"),
    )

    offer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nation_id: Mapped[str] = mapped_column(ForeignKey("nations.nation_id"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.item_id"), index=True)
    quantity: Mapped[int]
    available_week: Mapped[int]
    origin_site_id: Mapped[str] = mapped_column(ForeignKey("sites.site_id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Valuation and provenance (operations, not part of the Scenario Data Package): public reporting
    # has double counted billions by mixing market, replacement and book values.
    value_eur: Mapped[float | None]
    valuation_method: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(Text)
    """The source document or link of the announcement."""
    announced_on: Mapped[dt.date | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
