"""The synthetic generator: sizes, determinism, validity and the intended shape."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from aidcoord.scenario.generate import SIZES, generate
from aidcoord.scenario.io import validate_scenario, write_package
from aidcoord.scenario.model import Scenario

EXPECTED = {
    "S": (10, 20, 60, 150, 2, 26),
    "M": (30, 80, 400, 1_500, 3, 52),
    "L": (50, 300, 2_000, 8_000, 4, 52),
    "XL": (50, 1_000, 10_000, 40_000, 6, 104),
}


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _shape(s: Scenario) -> tuple[int, ...]:
    hubs = sum(1 for site in s.sites if site.kind == "hub")
    return (len(s.nations), len(s.items), len(s.requirements), len(s.offers), hubs, s.settings.horizon_weeks)


@pytest.mark.parametrize("size", ["S", "M", "L"])
def test_sizes_and_validity(size: str) -> None:
    started = time.perf_counter()
    scenario = generate(size, 7)
    elapsed = time.perf_counter() - started
    assert _shape(scenario) == EXPECTED[size]
    assert validate_scenario(scenario) == []
    if size == "L":
        assert elapsed < 5


def test_size_table() -> None:
    assert list(SIZES) == ["S", "M", "L", "XL"]
    for size, (nations, items, requirements, offers, hubs, weeks) in EXPECTED.items():
        spec = SIZES[size]
        assert (spec.nations, spec.items, spec.requirements, spec.offers, spec.hubs, spec.weeks) == (
            nations,
            items,
            requirements,
            offers,
            hubs,
            weeks,
        )


def test_unknown_size() -> None:
    with pytest.raises(ValueError, match="unknown size"):
        generate("XXL", 1)


def test_same_seed_same_bytes_different_seed_differs(tmp_path: Path) -> None:
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        write_package(generate("S", seed), tmp_path / name)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a")["offers.csv"] != _files(tmp_path / "c")["offers.csv"]
    assert generate("S", 5) != generate("S", 6)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shape(seed: int) -> None:
    s = generate("M", seed)
    items = {i.item_id: i for i in s.items}
    sites = {site.site_id: site for site in s.sites}
    depots = Counter(site.nation_id for site in s.sites if site.kind == "depot")
    assert all(1 <= n <= 3 for n in depots.values())
    assert 3 <= sum(1 for site in s.sites if site.kind == "delivery") <= 6
    hubs = [site for site in s.sites if site.kind == "hub"]
    for lane in s.lanes:
        kinds = (sites[lane.from_site_id].kind, sites[lane.to_site_id].kind)
        assert kinds in (("depot", "hub"), ("hub", "delivery"))
        assert 0 <= lane.lead_time_weeks <= (4 if kinds[0] == "depot" else 2)
    assert len(s.lanes) == len(hubs) * (len(depots) and sum(depots.values())) + len(hubs) * sum(
        1 for site in s.sites if site.kind == "delivery"
    )
    assert {i.capability for i in s.items} >= {
        "air-defence",
        "artillery",
        "armour",
        "drones",
        "demining",
        "medical",
        "engineering",
        "logistics",
        "winter",
    }
    assert 0.1 * len(s.items) <= len(s.substitutes) <= 0.25 * len(s.items)
    assert all(sub.item_id != sub.substitute_item_id for sub in s.substitutes)
    assert {r.priority for r in s.requirements} == {1, 2, 3, 4}
    mean_weight = {p: sum(r.weight for r in s.requirements if r.priority == p) for p in (1, 4)}
    count = Counter(r.priority for r in s.requirements)
    assert mean_weight[1] / count[1] > 6 * mean_weight[4] / count[4]
    statuses = Counter(o.status for o in s.offers)
    assert 0.7 <= statuses["committed"] / len(s.offers) <= 0.9
    assert statuses["announced"] > 0
    assert statuses["withdrawn"] > 0
    value: Counter[str] = Counter()
    for o in s.offers:
        value[o.nation_id] += o.quantity * items[o.item_id].unit_value_eur
    share = value.most_common(1)[0][1] / sum(value.values())
    assert 0.34 <= share <= 0.41
    demand: Counter[str] = Counter()
    supply: Counter[str] = Counter()
    for r in s.requirements:
        demand[r.item_id] += r.quantity
    for o in s.offers:
        supply[o.item_id] += o.quantity
    assert 0.7 <= sum(supply.values()) / sum(demand.values()) <= 0.9
    assert any(supply[i] < demand[i] for i in demand)
    assert any(supply[i] > demand[i] for i in demand)
    tonnes: Counter[int] = Counter()
    for o in s.offers:
        if o.status == "committed":
            tonnes[o.available_week] += o.quantity * items[o.item_id].unit_mass_kg / 1000
    capacity = sum(h.throughput_t_per_week or 0.0 for h in hubs)
    assert any(t > capacity for t in tonnes.values()), "hub capacity should bind in some weeks"
    assert s.courses
    assert s.training_needs
    assert len({r.due_week for r in s.requirements}) > s.settings.horizon_weeks // 2
