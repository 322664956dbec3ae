"""API shapes of the nations domain."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from aidcoord.api.inputs import InputModel, never_null


class NationIn(InputModel):
    """A nation to add."""

    model_config = ConfigDict(extra="forbid")

    nation_id: str = Field(min_length=1, max_length=16, description="ISO 3166-1 alpha-3, e.g. DEU.")
    name: str = Field(min_length=1, max_length=200)
    gdp_usd_bn: float | None = Field(default=None, ge=0)
    defence_pct_gdp: float | None = Field(default=None, ge=0, le=100)
    nato_member: bool = False
    extra: dict[str, str] = Field(default_factory=dict)


class NationOut(NationIn):
    """A nation."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)


class NationPatch(InputModel):
    """Changes to a nation: only the fields given change (GDP and defence share may be set to null)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    gdp_usd_bn: float | None = Field(default=None, ge=0)
    defence_pct_gdp: float | None = Field(default=None, ge=0, le=100)
    nato_member: bool | None = None
    extra: dict[str, str] | None = Field(default=None, description="Replaces all extra columns.")

    _required = never_null("name", "nato_member", "extra")
