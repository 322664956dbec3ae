"""API shapes of the what-if domain: changes (a tagged union), runs, saved scenarios, comparisons."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from aidcoord.api.inputs import InputModel
from aidcoord.training.schemas import TrainingComparisonOut


class _Change(InputModel):
    model_config = ConfigDict(extra="forbid")


class WithdrawIn(_Change):
    """A nation stops contributing from a week (0: it never did)."""

    kind: Literal["withdraw"]
    nation_id: str
    from_week: int = Field(default=0, ge=0)


class CutIn(_Change):
    """A nation's offers shrink by a share."""

    kind: Literal["cut"]
    nation_id: str
    share: float = Field(gt=0, le=1, description="0.3 is a 30% cut.")


class DelayIn(_Change):
    """Offers (of one nation, or every nation's) become available weeks later."""

    kind: Literal["delay"]
    weeks: int = Field(ge=1)
    nation_id: str | None = None


class HubCutIn(_Change):
    """A hub loses a share of its throughput from a week (share 1 closes it)."""

    kind: Literal["hub_cut"]
    hub_site_id: str
    share: float = Field(gt=0, le=1)
    from_week: int = Field(default=0, ge=0)


class IncludeAnnouncedIn(_Change):
    """Announced offers are planned too."""

    kind: Literal["include_announced"]


class AddOfferIn(_Change):
    """A hypothetical offer, planned as if committed."""

    kind: Literal["add_offer"]
    offer_id: str = Field(min_length=1, max_length=64)
    nation_id: str
    item_id: str
    quantity: int = Field(gt=0)
    available_week: int = Field(ge=0)
    origin_site_id: str


class WithdrawCoursesIn(_Change):
    """A nation withdraws its training courses (training is re-planned and compared)."""

    kind: Literal["withdraw_courses"]
    nation_id: str


ChangeIn = Annotated[
    WithdrawIn | CutIn | DelayIn | HubCutIn | IncludeAnnouncedIn | AddOfferIn | WithdrawCoursesIn,
    Field(discriminator="kind"),
]


class WhatIfIn(InputModel):
    """Changes to try against the baseline plan."""

    model_config = ConfigDict(extra="forbid")

    changes: list[ChangeIn] = Field(min_length=1, max_length=50)
    time_limit_s: float = Field(default=60.0, gt=0, le=600)


class SavedIn(InputModel):
    """A what-if to save under a name."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    changes: list[ChangeIn] = Field(min_length=1, max_length=50)


class SavedOut(BaseModel):
    """A saved what-if."""

    name: str
    description: str
    changes: list[ChangeIn]
    created_by: str
    created_at: dt.datetime


class GroupOut(BaseModel):
    """Fulfilment and on-time fill of a group of requirements, before and after."""

    model_config = ConfigDict(from_attributes=True)

    group: str
    requirements: int
    fulfilment_before: float
    fulfilment_after: float
    on_time_before: float
    on_time_after: float


class CloserOut(BaseModel):
    """An offer that could close a gap."""

    model_config = ConfigDict(from_attributes=True)

    offer_id: str
    nation_id: str
    item_id: str
    status: str
    units_free: int
    earliest_arrival: int


class NewlyUnmetOut(BaseModel):
    """A requirement filled on time before and not after, and what could close it."""

    model_config = ConfigDict(from_attributes=True)

    requirement_id: str
    item_id: str
    priority: int
    quantity: int
    on_time_before: int
    on_time_after: int
    reason: str | None
    explanation: str | None
    closers: list[CloserOut]


class ComparisonOut(BaseModel):
    """A what-if beside its baseline plan."""

    model_config = ConfigDict(from_attributes=True)

    baseline_version: int
    changes: list[str]
    freeze_week: int = Field(description="The baseline runs unchanged until this week (0: re-planned whole).")
    fulfilment_before: float
    fulfilment_after: float
    on_time_before: float
    on_time_after: float
    by_capability: list[GroupOut]
    by_priority: list[GroupOut]
    newly_unmet: list[NewlyUnmetOut]
    objective_before: float
    objective_after: float
    gap_after: float | None
    solver_status: str
    seconds: float
    training: TrainingComparisonOut | None = Field(
        default=None, description="The training what-if, when courses are withdrawn."
    )
