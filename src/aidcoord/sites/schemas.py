"""API shapes of the sites domain: sites and lanes."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from aidcoord.api.inputs import InputModel, never_null
from aidcoord.scenario.model import SITE_KINDS


class SiteIn(InputModel):
    """A site to add: a hub has a weekly throughput in tonnes (> 0), any other kind none."""

    model_config = ConfigDict(extra="forbid")

    site_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(max_length=16, json_schema_extra={"enum": list(SITE_KINDS)})
    nation_id: str = Field(min_length=1, max_length=16, description="The nation the site lies in.")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    throughput_t_per_week: float | None = Field(default=None, gt=0, description="Hubs only.")
    extra: dict[str, str] = Field(default_factory=dict)


class SiteOut(SiteIn):
    """A site."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)


class SitePatch(InputModel):
    """Changes to a site: only the fields given change; a hub keeps a throughput > 0, others none."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    throughput_t_per_week: float | None = Field(default=None, gt=0, description="Hubs only; null otherwise.")
    extra: dict[str, str] | None = Field(default=None, description="Replaces all extra columns.")

    _required = never_null("name", "lat", "lon", "extra")


class LaneIn(InputModel):
    """A lane to add: depot→hub or hub→delivery, lead time in whole weeks, cost in EUR per tonne."""

    model_config = ConfigDict(extra="forbid")

    from_site_id: str = Field(min_length=1, max_length=64)
    to_site_id: str = Field(min_length=1, max_length=64)
    mode: str = Field(min_length=1, max_length=32, description="road, rail, air, sea, …")
    lead_time_weeks: int = Field(ge=0)
    cost_eur_per_t: float = Field(ge=0)
    extra: dict[str, str] = Field(default_factory=dict)


class LaneOut(LaneIn):
    """A lane."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)


class LanePatch(InputModel):
    """Changes to a lane: only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    mode: str | None = Field(default=None, min_length=1, max_length=32)
    lead_time_weeks: int | None = Field(default=None, ge=0)
    cost_eur_per_t: float | None = Field(default=None, ge=0)
    extra: dict[str, str] | None = Field(default=None, description="Replaces all extra columns.")

    _required = never_null("mode", "lead_time_weeks", "cost_eur_per_t", "extra")
