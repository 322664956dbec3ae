"""API shapes of the requirements domain."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aidcoord.api.inputs import InputModel, never_null


class RequirementIn(InputModel):
    """A requirement to add to the recipient's list (it starts open)."""

    model_config = ConfigDict(extra="forbid")

    requirement_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="Left out: one is made (REQ-xxxxxxxx)."
    )
    item_id: str = Field(min_length=1, max_length=64, description="A catalogue item.")
    quantity: int = Field(gt=0)
    priority: int = Field(ge=1, description="Priority class, 1 the most urgent.")
    weight: float = Field(gt=0)
    due_week: int = Field(ge=0, description="Week it is due, inside the loaded dataset's horizon.")
    delivery_site_id: str = Field(min_length=1, max_length=64, description="A site of kind delivery.")
    extra: dict[str, str] = Field(default_factory=dict)


class RequirementPatch(InputModel):
    """Changes to an open requirement: only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    quantity: int | None = Field(
        default=None, gt=0, description="Not below the units the approved plan allocates to it (409)."
    )
    due_week: int | None = Field(default=None, ge=0)
    delivery_site_id: str | None = Field(default=None, min_length=1, max_length=64)
    item_id: str | None = Field(default=None, min_length=1, max_length=64)
    weight: float | None = Field(default=None, gt=0)

    _required = never_null("quantity", "due_week", "delivery_site_id", "item_id", "weight")


class RequirementReprioritise(InputModel):
    """A new priority class (and optionally weight) for an open requirement."""

    model_config = ConfigDict(extra="forbid")

    priority: int = Field(ge=1)
    weight: float | None = Field(default=None, gt=0)


class RequirementCancel(InputModel):
    """Why a requirement is cancelled (optional)."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=2000)


class RequirementOut(BaseModel):
    """A requirement with its status, replan flag, approved allocation and the actions allowed now."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    requirement_id: str
    item_id: str
    capability: str
    quantity: int
    priority: int
    weight: float
    due_week: int
    delivery_site_id: str
    status: str = Field(description="open or cancelled.")
    replan_needed: bool = Field(description="Supply planned for it was withdrawn; the next plan replaces it.")
    allocated: int = Field(description="Units the approved plan allocates to it (not invalidated).")
    allowed_actions: list[str] = Field(description="What may be done to it now (edit, reprioritise, cancel).")
    extra: dict[str, Any]
