"""API shapes of the catalogue: items and substitutes."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from aidcoord.api.inputs import InputModel, never_null


class ItemIn(InputModel):
    """A catalogue item to add."""

    model_config = ConfigDict(extra="forbid")

    item_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    category: str = Field(min_length=1, max_length=64, description="equipment, ammunition, spares, …")
    capability: str = Field(min_length=1, max_length=64, description="air-defence, artillery, medical, …")
    unit: str = Field(min_length=1, max_length=32)
    unit_mass_kg: float = Field(gt=0)
    unit_value_eur: float = Field(ge=0)
    extra: dict[str, str] = Field(default_factory=dict)


class ItemOut(ItemIn):
    """A catalogue item."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)


class ItemPatch(InputModel):
    """Changes to an item: only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    category: str | None = Field(default=None, min_length=1, max_length=64)
    capability: str | None = Field(default=None, min_length=1, max_length=64)
    unit: str | None = Field(default=None, min_length=1, max_length=32)
    unit_mass_kg: float | None = Field(default=None, gt=0)
    unit_value_eur: float | None = Field(default=None, ge=0)
    extra: dict[str, str] | None = Field(default=None, description="Replaces all extra columns.")

    _required = never_null(
        "name", "category", "capability", "unit", "unit_mass_kg", "unit_value_eur", "extra"
    )


class SubstituteIn(InputModel):
    """Item `substitute_item_id` may fill a requirement for `item_id`, unit for unit."""

    model_config = ConfigDict(extra="forbid")

    item_id: str = Field(min_length=1, max_length=64)
    substitute_item_id: str = Field(min_length=1, max_length=64)
    extra: dict[str, str] = Field(default_factory=dict)


class SubstituteOut(SubstituteIn):
    """A substitute pair."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)
