"""Tables of the shipments domain: consignments and their events."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from aidcoord.db.base import Base

SHIPMENT_STATUSES = ("planned", "dispatched", "at_hub", "left_hub", "delivered", "received", "lost")
EVENT_KINDS = ("dispatched", "at_hub", "left_hub", "delivered", "received", "delayed", "damaged", "lost")


class Shipment(Base):
    """A consignment made from one allocation of an approved plan, tracked to hand-over."""

    __tablename__ = "shipments"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "status IN ('planned', 'dispatched', 'at_hub', 'left_hub', 'delivered', 'received', 'lost')",
            name="status_known",
        ),
        CheckConstraint(
            "quantity_received >= 0 AND quantity_damaged >= 0 AND quantity_lost >= 0",
            name="quantities_non_negative",
        ),
        CheckConstraint(
            "quantity_received + quantity_damaged + quantity_lost <= quantity", name="received_within_shipped"
        ),
    )

    shipment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.plan_id"), index=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("plan_allocations.allocation_id"), unique=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("offers.offer_id"), index=True)
    requirement_id: Mapped[str] = mapped_column(ForeignKey("requirements.requirement_id"), index=True)
    hub_site_id: Mapped[str] = mapped_column(ForeignKey("sites.site_id"), index=True)
    quantity: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), index=True)
    quantity_received: Mapped[int] = mapped_column(server_default="0")
    quantity_damaged: Mapped[int] = mapped_column(server_default="0")
    quantity_lost: Mapped[int] = mapped_column(server_default="0")
    delayed: Mapped[bool] = mapped_column(server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ShipmentEvent(Base):
    """Something that happened to a shipment; events are appended, never changed."""

    __tablename__ = "shipment_events"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('dispatched', 'at_hub', 'left_hub', 'delivered', 'received',"
            " 'delayed', 'damaged', 'lost')",
            name="kind_known",
        ),
        CheckConstraint("quantity IS NULL OR quantity >= 0", name="quantity_non_negative"),
    )

    event_id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[str] = mapped_column(ForeignKey("shipments.shipment_id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[str | None] = mapped_column(String(64))
    week: Mapped[int | None]
    quantity: Mapped[int | None]
    signatory: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
