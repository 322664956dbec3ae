"""API shapes of the dependency and reliability reports."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from aidcoord.api.inputs import InputModel


class DonorShareOut(BaseModel):
    """A nation's value in a group and its share (0–1)."""

    model_config = ConfigDict(from_attributes=True)

    nation_id: str
    value: float
    share: float


class SoleSourceOut(BaseModel):
    """A requirement whose units all come from one nation."""

    model_config = ConfigDict(from_attributes=True)

    requirement_id: str
    nation_id: str
    units: int
    quantity: int


class GroupOut(BaseModel):
    """Concentration of a group (a capability, a priority class, or all) over donors."""

    model_config = ConfigDict(from_attributes=True)

    key: str | int
    total: float
    donors: list[DonorShareOut]
    top_nation: str | None
    top_share: float | None
    hhi: float | None = Field(description="Herfindahl–Hirschman index, 0–10,000.")
    n_donors: int
    effective_donors: float | None
    n_requirements: int
    sole_source: list[SoleSourceOut]


class DependencyOut(BaseModel):
    """Dependency of the baseline plan, or of committed supply, per capability and priority class."""

    plan_version: int | None
    basis: str
    measure: str
    overall: GroupOut
    by_capability: list[GroupOut]
    by_priority: list[GroupOut]
    sole_source: list[SoleSourceOut]


class ReliabilityIn(InputModel):
    """How to simulate: runs, seed, threshold, and overrides of the record."""

    model_config = ConfigDict(extra="forbid")

    runs: int = Field(default=1000, ge=1, le=100_000)
    seed: int = Field(default=0, ge=0)
    threshold: float = Field(default=0.8, gt=0, le=1)
    probabilities: dict[str, float] = Field(
        default_factory=dict, description="Delivery probability per nation, overriding its record."
    )
    delay_pmf: dict[str, list[float]] = Field(
        default_factory=dict, description="Per nation, probabilities of arriving 0, 1, 2, … weeks late."
    )
    default_delay_pmf: list[float] = Field(default_factory=lambda: [1.0], min_length=1, max_length=53)


class DistributionOut(BaseModel):
    """A figure over the runs."""

    model_config = ConfigDict(from_attributes=True)

    mean: float
    std: float
    p5: float
    p50: float
    p95: float
    minimum: float
    maximum: float


class RiskOut(BaseModel):
    """A requirement the plan serves on time with a low probability of getting it as planned."""

    model_config = ConfigDict(from_attributes=True)

    requirement_id: str
    priority: int
    weight: float
    quantity: int
    planned_on_time: int
    p_as_planned: float
    p_on_time: float
    mean_on_time_units: float


class RequirementOddsOut(BaseModel):
    """Per requirement: the probability it is met on time, and as planned."""

    requirement_id: str
    p_on_time: float
    p_as_planned: float


class ReliabilityOut(BaseModel):
    """Monte Carlo of the baseline plan."""

    plan_version: int
    runs: int
    seed: int
    threshold: float
    planned_fulfilment: float
    planned_on_time: float
    fulfilment: DistributionOut
    on_time: DistributionOut
    probabilities: dict[str, float]
    flagged: list[RiskOut]
    requirements: list[RequirementOddsOut]
