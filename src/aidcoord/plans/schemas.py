"""API shapes of the plans domain."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aidcoord.api.inputs import InputModel


class PlanCreate(InputModel):
    """What to plan: the method, the solver's time limit, and what to leave in or out."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["optimiser", "greedy"] = Field(
        default="optimiser", description="The optimiser (LP/MIP) or the greedy baseline."
    )
    time_limit_s: float = Field(default=300.0, gt=0, le=3600, description="Seconds the solver may take.")
    include_announced: bool = Field(default=False, description="Plan announced offers as well as committed.")
    excluded_offer_ids: list[str] = Field(default_factory=list, description="Offers to leave out.")
    excluded_hub_ids: list[str] = Field(default_factory=list, description="Hubs to close.")


class PlanApprove(InputModel):
    """Why a plan is approved (recorded with the approval)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, description="Required, not blank.")


class PlanFiguresOut(BaseModel):
    """The figures DESIGN.md reports for a plan."""

    model_config = ConfigDict(from_attributes=True)

    objective: float
    lp_bound: float | None
    gap: float | None
    weighted_fulfilment: float
    on_time_fill: float


class PlanSummaryOut(BaseModel):
    """A stored plan without its rows."""

    model_config = ConfigDict(from_attributes=True)

    version: int
    status: Literal["draft", "approved", "superseded"]
    method: Literal["optimiser", "greedy"]
    created_at: dt.datetime
    created_by: str
    figures: PlanFiguresOut
    baseline: PlanFiguresOut | None = Field(description="The greedy baseline's figures on the same state.")
    build_seconds: float
    solve_seconds: float
    solver: str
    solver_status: str
    allocations: int = Field(description="How many allocations the plan has.")
    unmet: int = Field(description="How many requirements it does not fill on time.")
    approved_by: str | None
    approval_reason: str | None


class AllocationOut(BaseModel):
    """`quantity` units of an offer to a requirement through a hub."""

    model_config = ConfigDict(from_attributes=True)

    offer_id: str
    requirement_id: str
    hub_site_id: str
    depart_week: int
    hub_week: int
    arrive_week: int
    quantity: int


class UnmetOut(BaseModel):
    """A requirement not filled on time, and why."""

    model_config = ConfigDict(from_attributes=True)

    requirement_id: str
    quantity_unmet: int = Field(description="Units never delivered.")
    quantity_late: int = Field(description="Units delivered after the due week.")
    reason: Literal["no_supply", "supply_short", "too_late", "hub_capacity", "outranked"]
    explanation: str


class HubWeekLoadOut(BaseModel):
    """Tonnes planned through a hub in a week against its throughput."""

    model_config = ConfigDict(from_attributes=True)

    hub_site_id: str
    week: int
    tonnes: float
    capacity_t: float


class PlanDetailOut(BaseModel):
    """A plan with its allocations, unmet requirements (with reasons) and hub loads."""

    model_config = ConfigDict(from_attributes=True)

    summary: PlanSummaryOut
    allocations: list[AllocationOut]
    unmet: list[UnmetOut]
    hub_load: list[HubWeekLoadOut]


class RequirementChangeOut(BaseModel):
    """How the units delivered (and on time) to a requirement differ between two plans."""

    model_config = ConfigDict(from_attributes=True)

    requirement_id: str
    delivered_before: int
    delivered_after: int
    on_time_before: int
    on_time_after: int


class PlanDiffOut(BaseModel):
    """What changes from plan `before` to plan `after`."""

    model_config = ConfigDict(from_attributes=True)

    before: PlanSummaryOut
    after: PlanSummaryOut
    added: list[AllocationOut]
    removed: list[AllocationOut]
    requirements: list[RequirementChangeOut]
