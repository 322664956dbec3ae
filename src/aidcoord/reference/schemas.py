"""API shapes of the reference domain."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class ReleaseOut(BaseModel):
    """A stored release of a public source."""

    model_config = ConfigDict(from_attributes=True)

    release_id: str = Field(examples=["kiel-29"])
    source: str
    release: str
    period: str = Field(description="The last month covered, as the source writes it.")
    published_on: dt.date
    label: str
    citation: str
    imported_at: dt.datetime
    imported_by: str
    rows: int


class KielCountryOut(BaseModel):
    """A donor's totals over a Kiel release (EUR bn) and the tracker's % of GDP."""

    model_config = ConfigDict(from_attributes=True)

    country: str
    iso: str
    months: int = Field(description="Months with a row in the series.")
    total: float = Field(description="Allocations (financial + humanitarian + military), EUR bn.")
    financial: float
    humanitarian: float
    military: float
    commitments: float
    to_be_allocated: float
    gdp_eur_bn: float | None = Field(description="The tracker's GDP in EUR bn; null where it gives none.")
    pct_gdp: float | None = Field(description="Allocations as % of GDP (the tracker's bilateral % of GDP).")
    military_pct_gdp: float | None
    commitments_pct_gdp: float | None
    share_pct: float = Field(description="% of all donors' allocations in the release.")


class KielCountriesOut(BaseModel):
    """A Kiel release's per-country totals, largest first."""

    release: ReleaseOut
    countries: list[KielCountryOut]
    sources: list[str]
