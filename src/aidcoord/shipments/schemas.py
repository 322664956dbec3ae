"""API shapes of the shipments domain."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aidcoord.api.inputs import InputModel

EventKind = Literal["dispatched", "at_hub", "left_hub", "delivered", "received", "delayed", "damaged", "lost"]
ShipmentStatus = Literal["planned", "dispatched", "at_hub", "left_hub", "delivered", "received", "lost"]


class ShipmentsCreate(InputModel):
    """Which plan to make shipments from (default: the approved one)."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(
        default=None, ge=1, description="Must be the approved plan's version; omit for the approved plan."
    )


class ShipmentsCreated(BaseModel):
    """Shipments made from the approved plan's allocations."""

    plan_version: int
    created: int = Field(description="How many shipments this call made.")
    existing: int = Field(description="How many the plan had already (calling again creates none twice).")
    shipment_ids: list[str] = Field(description="The ids of the shipments made by this call.")


class ShipmentOut(BaseModel):
    """A shipment: one allocation of an approved plan, tracked to hand-over."""

    model_config = ConfigDict(from_attributes=True)

    shipment_id: str = Field(description="SHP-<plan version>-<allocation id>.")
    plan_version: int
    allocation_id: int
    offer_id: str
    nation_id: str = Field(description="The donor nation (the offer's).")
    requirement_id: str
    hub_site_id: str
    depart_week: int
    hub_week: int
    arrive_week: int
    quantity: int = Field(description="Units shipped.")
    status: ShipmentStatus
    quantity_received: int
    quantity_damaged: int
    quantity_lost: int
    quantity_open: int = Field(description="Units neither received, damaged nor lost.")
    delayed: bool = Field(description="Whether a delay was ever reported.")
    created_at: dt.datetime
    updated_at: dt.datetime
    next_events: list[str] = Field(description="Events the current status allows.")


class ShipmentEventOut(BaseModel):
    """One recorded event (events are appended, never changed)."""

    model_config = ConfigDict(from_attributes=True)

    event_id: int
    shipment_id: str
    kind: EventKind
    recorded_at: dt.datetime = Field(description="When it was recorded (UTC).")
    recorded_by: str
    organisation_id: str | None
    week: int | None
    quantity: int | None
    signatory: str | None
    note: str | None
    idempotency_key: str | None


class ShipmentDetailOut(ShipmentOut):
    """A shipment with its event timeline, oldest first."""

    events: list[ShipmentEventOut]


class ShipmentEventIn(InputModel):
    """An event to record on a shipment."""

    model_config = ConfigDict(extra="forbid")

    kind: EventKind
    week: int | None = Field(default=None, ge=0, description="The planning week it happened in.")
    quantity: int | None = Field(
        default=None,
        ge=0,
        description="Units received (received) or damaged (damaged); no other event takes one.",
    )
    signatory: str | None = Field(
        default=None, min_length=1, max_length=200, description="Who signed the hand-over (received)."
    )
    note: str | None = Field(default=None, max_length=4000)
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="Posting again with the same key returns the stored event and changes nothing.",
    )


class ShipmentEventRecorded(BaseModel):
    """The event recorded and the shipment's state after it."""

    event: ShipmentEventOut
    shipment: ShipmentOut
    replayed: bool = Field(description="True when the idempotency key was seen before: nothing was changed.")


class ShipmentEventBatchItem(ShipmentEventIn):
    """One event of a batch: the shipment it is for, and an idempotency key (required in a batch)."""

    shipment_id: str = Field(min_length=1, max_length=64)
    idempotency_key: str = Field(  # required here, optional on a single event
        min_length=1,
        max_length=128,
        description="Required: sending the batch again replays the stored events and changes nothing.",
    )


class ShipmentEventBatchIn(InputModel):
    """Up to 1,000 events, applied in order in one transaction: all of them or none."""

    model_config = ConfigDict(extra="forbid")

    events: list[ShipmentEventBatchItem] = Field(min_length=1, max_length=1000)


class ShipmentEventBatchResult(BaseModel):
    """What became of one event of the batch."""

    index: int = Field(description="The event's position in the batch, from 0.")
    event: ShipmentEventOut = Field(description="The event stored now, or the one stored before (replayed).")
    shipment_status: ShipmentStatus = Field(description="The shipment's status after this event.")
    replayed: bool = Field(description="True when the idempotency key was seen before: nothing was changed.")


class ShipmentEventBatchOut(BaseModel):
    """The batch's outcome, one result per event in the order given."""

    stored: int = Field(description="Events stored by this call.")
    replayed: int = Field(description="Events whose idempotency key was seen before (stored earlier).")
    results: list[ShipmentEventBatchResult]
