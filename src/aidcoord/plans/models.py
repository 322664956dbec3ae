"""Tables of the plans domain: plans, their allocations and their unmet requirements."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from aidcoord.db.base import Base

PLAN_STATUSES = ("draft", "approved", "superseded")


class Plan(Base):
    """A solved allocation with its figures; versions count up, and at most one is approved."""

    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'approved', 'superseded')", name="status_known"),
        CheckConstraint("method IN ('optimiser', 'greedy')", name="method_known"),
    )

    plan_id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    objective: Mapped[float]
    lp_bound: Mapped[float | None]
    gap: Mapped[float | None]
    weighted_fulfilment: Mapped[float]
    on_time_fill: Mapped[float]
    build_seconds: Mapped[float]
    solve_seconds: Mapped[float]
    solver: Mapped[str] = mapped_column(String(64))
    solver_status: Mapped[str] = mapped_column(String(64))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    baseline: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approval_reason: Mapped[str | None] = mapped_column(Text)


class PlanAllocation(Base):
    """`quantity` units of an offer to a requirement through a hub, with depart, hub and arrival weeks."""

    __tablename__ = "plan_allocations"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("depart_week <= hub_week AND hub_week <= arrive_week", name="weeks_ordered"),
    )

    allocation_id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.plan_id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("offers.offer_id"), index=True)
    requirement_id: Mapped[str] = mapped_column(ForeignKey("requirements.requirement_id"), index=True)
    hub_site_id: Mapped[str] = mapped_column(ForeignKey("sites.site_id"))
    depart_week: Mapped[int]
    hub_week: Mapped[int]
    arrive_week: Mapped[int]
    quantity: Mapped[int]
    invalidated: Mapped[bool] = mapped_column(server_default=false())
    """Set when its offer was withdrawn after planning: no shipment may be made from it."""


class PlanUnmet(Base):
    """A requirement the plan does not fill on time, with the reason and one sentence with the numbers."""

    __tablename__ = "plan_unmet"
    __table_args__ = (
        CheckConstraint(
            "reason IN ('no_supply', 'supply_short', 'too_late', 'hub_capacity', 'outranked')",
            name="reason_known",
        ),
    )

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.plan_id", ondelete="CASCADE"), primary_key=True)
    requirement_id: Mapped[str] = mapped_column(
        ForeignKey("requirements.requirement_id"), primary_key=True, index=True
    )
    quantity_unmet: Mapped[int]
    quantity_late: Mapped[int]
    reason: Mapped[str] = mapped_column(String(16))
    explanation: Mapped[str] = mapped_column(Text)
