"""Tables of the requirements domain: the recipient's prioritised list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from aidcoord.db.base import Base


class Requirement(Base):
    """A line of the prioritised list: item, quantity, priority class, weight, due week, delivery site."""

    __tablename__ = "requirements"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("due_week >= 0", name="due_week_non_negative"),
        CheckConstraint("status IN ('open', 'cancelled')", name="status_known"),
    )

    requirement_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.item_id"), index=True)
    quantity: Mapped[int]
    priority: Mapped[int]
    weight: Mapped[float]
    due_week: Mapped[int]
    delivery_site_id: Mapped[str] = mapped_column(ForeignKey("sites.site_id"), index=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Lifecycle (operations, not part of the Scenario Data Package):
    status: Mapped[str] = mapped_column(String(16), server_default="open", index=True)
    replan_needed: Mapped[bool] = mapped_column(server_default=false())
    """Set when supply allocated to it was withdrawn; the next plan replaces that supply."""
