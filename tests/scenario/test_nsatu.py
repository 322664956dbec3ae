"""The embedded `nsatu` scenario: shipped package = builder output, valid, real shares, sensible shape."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from aidcoord.scenario.embedded import embedded_path
from aidcoord.scenario.io import read_package, validate_scenario, write_package
from aidcoord.scenario.model import Scenario
from aidcoord.scenario.nsatu import build_nsatu, kiel_military_by_nation

SHIPPED = embedded_path("nsatu")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return build_nsatu()


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_shipped_package_is_the_builder_output(scenario: Scenario, tmp_path: Path) -> None:
    write_package(scenario, tmp_path / "nsatu")
    built = _files(tmp_path / "nsatu")
    shipped = _files(SHIPPED)
    assert "datapackage.json" in shipped
    assert sorted(shipped) == sorted(built), "regenerate: python -m aidcoord.scenario.nsatu --out ..."
    for name, content in built.items():
        assert shipped[name] == content, f"{name} differs from build_nsatu(); regenerate the package"


def test_builder_is_deterministic(scenario: Scenario) -> None:
    assert build_nsatu() == scenario


def test_shipped_package_validates(scenario: Scenario) -> None:
    assert validate_scenario(scenario) == []
    loaded = read_package(SHIPPED)
    assert validate_scenario(loaded) == []
    assert loaded.name == scenario.name
    assert len(loaded.offers) == len(scenario.offers)
    assert len(loaded.requirements) == len(scenario.requirements)


def test_counts_and_settings(scenario: Scenario) -> None:
    assert len(scenario.nations) >= 45
    ukr = next(n for n in scenario.nations if n.nation_id == "UKR")
    assert ukr.extra["role"] == "recipient"
    hubs = {s.site_id: s.throughput_t_per_week for s in scenario.sites if s.kind == "hub"}
    assert hubs == {"HUB-RZE": 4150.0, "HUB-ROU": 1200.0}
    assert {"HQ-WIE", "SHAPE"} <= {s.site_id for s in scenario.sites if s.kind == "hq"}
    delivery = [s for s in scenario.sites if s.kind == "delivery"]
    assert 4 <= len(delivery) <= 6
    assert all(s.nation_id == "UKR" for s in delivery)
    assert 280 <= len(scenario.requirements) <= 320
    assert 40 <= len(scenario.items) <= 62
    assert scenario.settings.horizon_weeks == 52
    assert scenario.settings.start_date == dt.date(2025, 1, 6)
    assert scenario.settings.start_date.weekday() == 0
    assert scenario.settings.lateness_decay_per_week == 0.1
    assert scenario.settings.transport_cost_weight == 0.0


def test_real_gdp_is_carried_over(scenario: Scenario) -> None:
    nations = {n.nation_id: n for n in scenario.nations}
    assert nations["DEU"].gdp_usd_bn == 4685.6
    assert nations["DEU"].defence_pct_gdp == 2.12
    assert nations["ISL"].defence_pct_gdp is None
    assert nations["JPN"].nato_member is False


def test_offer_value_shares_follow_kiel_military_allocations(scenario: Scenario) -> None:
    unit_value = {i.item_id: i.unit_value_eur for i in scenario.items}
    value: dict[str, float] = {}
    for o in scenario.offers:
        value[o.nation_id] = value.get(o.nation_id, 0.0) + o.quantity * unit_value[o.item_id]
    total = sum(value.values())
    assert 12e9 <= total <= 20e9
    kiel = kiel_military_by_nation()
    kiel_total = sum(kiel[n] for n in value)
    for nation in ("USA", "DEU", "GBR"):
        assert value[nation] / total == pytest.approx(kiel[nation] / kiel_total, abs=0.002)
    assert max(value, key=lambda n: value[n]) == "USA"


def test_priority_one_is_air_defence(scenario: Scenario) -> None:
    capability = {i.item_id: i.capability for i in scenario.items}
    by_priority: dict[int, set[str]] = {}
    for r in scenario.requirements:
        by_priority.setdefault(r.priority, set()).add(capability[r.item_id])
    assert min(by_priority) == 1
    assert by_priority[1] == {"air-defence"}
    assert by_priority[2] == {"artillery", "mines"}


def test_shortfalls_and_hub_pressure(scenario: Scenario) -> None:
    items = {i.item_id: i for i in scenario.items}
    statuses = Counter(o.status for o in scenario.offers)
    assert statuses["committed"] > statuses["announced"] > statuses["withdrawn"] > 0
    supply: dict[str, float] = {}
    tonnes_by_week: dict[int, float] = {}
    for o in scenario.offers:
        if o.status == "committed":
            item = items[o.item_id]
            supply[item.capability] = supply.get(item.capability, 0.0) + o.quantity * item.unit_value_eur
            week = o.available_week
            tonnes_by_week[week] = tonnes_by_week.get(week, 0.0) + o.quantity * item.unit_mass_kg / 1000
    demand: dict[str, float] = {}
    for r in scenario.requirements:
        item = items[r.item_id]
        demand[item.capability] = demand.get(item.capability, 0.0) + r.quantity * item.unit_value_eur
    assert demand["air-defence"] > supply["air-defence"]
    assert demand["artillery"] > supply["artillery"]
    capacity = sum(s.throughput_t_per_week or 0.0 for s in scenario.sites if s.kind == "hub")
    assert max(tonnes_by_week.values()) > capacity


def test_meta_names_real_and_illustrative_figures(scenario: Scenario) -> None:
    assert scenario.title
    sources = " ".join(str(s) for s in scenario.meta["sources"])
    for needle in ("World Bank", "NATO", "Kiel", "18,000"):
        assert needle in sources
    assert scenario.meta["illustrative"]
