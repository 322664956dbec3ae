"""API shapes of the offers domain: pledges with their value, valuation method and provenance."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from aidcoord.api.inputs import InputModel, never_null

ValuationMethod = Literal["market", "replacement", "book"]


class OfferIn(InputModel):
    """A nation's announced pledge (it starts announced; commit it to have it planned)."""

    model_config = ConfigDict(extra="forbid")

    offer_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="Left out: one is made (OFF-xxxxxxxx)."
    )
    nation_id: str = Field(min_length=1, max_length=16)
    item_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0)
    available_week: int = Field(ge=0)
    origin_site_id: str = Field(
        min_length=1, max_length=64, description="A depot (funded procurement: the supplier's)."
    )
    valuation_method: ValuationMethod = Field(description="How value_eur was reckoned.")
    value_eur: float | None = Field(
        default=None, ge=0, description="Left out: quantity × the item's unit value is shown."
    )
    source: str | None = Field(default=None, max_length=2000, description="The source document or link.")
    announced_on: dt.date | None = Field(
        default=None, strict=False, description="Left out: today (UTC). A date, YYYY-MM-DD."
    )
    extra: dict[str, str] = Field(default_factory=dict)


class OfferPatch(InputModel):
    """An amendment to an announced or committed offer: only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    quantity: int | None = Field(
        default=None, gt=0, description="Not below the units the approved plan allocates from it (409)."
    )
    available_week: int | None = Field(default=None, ge=0)
    origin_site_id: str | None = Field(default=None, min_length=1, max_length=64)
    value_eur: float | None = Field(default=None, ge=0, description="null: show the computed value.")
    valuation_method: ValuationMethod | None = None
    source: str | None = Field(default=None, max_length=2000)

    _required = never_null("quantity", "available_week", "origin_site_id", "valuation_method")


class OfferWithdraw(InputModel):
    """Why an offer is withdrawn (required)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class OfferOut(BaseModel):
    """An offer with its value, provenance, approved allocation and the actions allowed now."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    offer_id: str
    nation_id: str
    item_id: str
    capability: str
    quantity: int
    available_week: int
    origin_site_id: str
    status: str = Field(description="announced, committed or withdrawn.")
    value_eur: float = Field(description="The stated value, or quantity × the item's unit value.")
    value_computed: bool = Field(description="True when value_eur was computed, not stated.")
    valuation_method: str | None = Field(description="market, replacement or book (null: not stated).")
    source: str | None
    announced_on: dt.date | None
    withdrawal_reason: str | None
    allocated: int = Field(description="Units the approved plan allocates from it (not invalidated).")
    allowed_actions: list[str] = Field(description="What may be done to it now (amend, commit, withdraw).")
    extra: dict[str, Any]


class WithdrawalOut(BaseModel):
    """The withdrawn offer, and the requirements whose planned supply it took away (now replan_needed)."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    offer: OfferOut
    affected_requirement_ids: list[str]
