"""API shapes of the reports."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MeasureOut(BaseModel):
    """A value, its share of the total over all nations and its size against GDP."""

    model_config = ConfigDict(from_attributes=True)

    value_eur: float | None = Field(description="EUR; null where the source has no figure.")
    share_pct: float | None = Field(description="% of the total over all nations.")
    pct_gdp: float | None = Field(description="% of the nation's GDP; null where the GDP is unknown.")


class BurdenRowOut(BaseModel):
    """A nation's burden-sharing figures, with its defence spending beside them."""

    model_config = ConfigDict(from_attributes=True)

    nation_id: str
    name: str
    gdp_eur_bn: float | None
    defence_pct_gdp: float | None
    committed: MeasureOut
    allocated: MeasureOut
    shipped: MeasureOut
    delivered: MeasureOut


class BurdenReportOut(BaseModel):
    """Burden sharing per nation from one source, with the totals and the sources to cite."""

    model_config = ConfigDict(from_attributes=True)

    source: str = Field(description="plan (offers, approved plan, shipments) or kiel (a tracker release).")
    title: str
    headline: str = Field(description="The measure the rows are ordered by.")
    release_id: str | None
    usd_per_eur: float | None = Field(description="The rate GDP in USD was converted at (plan only).")
    rows: list[BurdenRowOut]
    totals: BurdenRowOut
    sources: list[str]
