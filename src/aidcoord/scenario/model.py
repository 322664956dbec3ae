"""The Scenario Data Package as plain, immutable Python values (no database, no I/O)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SITE_KINDS: tuple[str, ...] = ("depot", "hub", "delivery", "hq")
OFFER_STATUSES: tuple[str, ...] = ("announced", "committed", "withdrawn")

Extra = Mapping[str, str]
"""Columns beyond aidcoord's own; kept verbatim (as text) through load and export."""


@dataclass(frozen=True, slots=True)
class Nation:
    """A participant state, donor and/or recipient."""

    nation_id: str
    name: str
    gdp_usd_bn: float | None
    defence_pct_gdp: float | None
    nato_member: bool
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Site:
    """A place: depot, hub (with weekly throughput in tonnes), delivery point or headquarters."""

    site_id: str
    name: str
    kind: str
    nation_id: str
    lat: float
    lon: float
    throughput_t_per_week: float | None
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Lane:
    """A transport link between two sites; one lane per ordered pair of sites."""

    from_site_id: str
    to_site_id: str
    mode: str
    lead_time_weeks: int
    cost_eur_per_t: float
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Item:
    """A catalogue line."""

    item_id: str
    name: str
    category: str
    capability: str
    unit: str
    unit_mass_kg: float
    unit_value_eur: float
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Substitute:
    """`substitute_item_id` may fill a requirement for `item_id`, unit for unit."""

    item_id: str
    substitute_item_id: str
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Requirement:
    """A line of the recipient's prioritised list (priority 1 is the most urgent class)."""

    requirement_id: str
    item_id: str
    quantity: int
    priority: int
    weight: float
    due_week: int
    delivery_site_id: str
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Offer:
    """A nation's pledge of `quantity` units of an item, available at its origin depot from a week."""

    offer_id: str
    nation_id: str
    item_id: str
    quantity: int
    available_week: int
    origin_site_id: str
    status: str
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Course:
    """Seats a nation offers for a specialty, starting in a week, at a site."""

    course_id: str
    nation_id: str
    specialty: str
    seats: int
    start_week: int
    duration_weeks: int
    site_id: str
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TrainingNeed:
    """Trainees of a specialty the recipient needs trained by a week."""

    need_id: str
    specialty: str
    trainees: int
    priority: int
    weight: float
    due_week: int
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SpecialtySubstitute:
    """Trainees of `substitute_specialty` may fill a training need for `specialty`, one for one."""

    specialty: str
    substitute_specialty: str
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlanningSettings:
    """The `planning` block of datapackage.json: week 0's Monday, horizon T, decay δ, cost weight λ."""

    start_date: dt.date
    horizon_weeks: int
    lateness_decay_per_week: float = 0.1
    transport_cost_weight: float = 0.0


@dataclass(frozen=True, slots=True)
class Scenario:
    """A whole Scenario Data Package: settings, the tables, and the rest of datapackage.json."""

    name: str
    settings: PlanningSettings
    nations: tuple[Nation, ...]
    sites: tuple[Site, ...]
    lanes: tuple[Lane, ...]
    items: tuple[Item, ...]
    substitutes: tuple[Substitute, ...]
    requirements: tuple[Requirement, ...]
    offers: tuple[Offer, ...]
    courses: tuple[Course, ...] = ()
    training_needs: tuple[TrainingNeed, ...] = ()
    specialty_substitutes: tuple[SpecialtySubstitute, ...] = ()
    title: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)
    """Other top-level keys of datapackage.json (sources, licences, notes), kept as they are."""
