"""Reading and writing packages: format, round trips, determinism, and in-memory validation."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aidcoord.scenario.generate import generate
from aidcoord.scenario.io import (
    TABLES,
    canonical,
    format_value,
    read_package,
    validate_package,
    validate_scenario,
    write_package,
)
from aidcoord.scenario.model import Offer, Scenario, Site, Substitute

BASE = Path(__file__).parent / "base"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-12, "-12"),
        (4150.0, "4150"),
        (-0.0, "0"),
        (0.1, "0.1"),
        (2.12, "2.12"),
        (1e-7, "1e-07"),
        ("Côte", "Côte"),
    ],
)
def test_format_value(value: object, text: str) -> None:
    assert format_value(value) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_text_round_trips(value: float) -> None:
    assert float(format_value(value)) == value


def test_tables_follow_the_design() -> None:
    assert [t.file for t in TABLES] == [
        "nations.csv",
        "sites.csv",
        "lanes.csv",
        "items.csv",
        "substitutes.csv",
        "requirements.csv",
        "offers.csv",
        "courses.csv",
        "training_needs.csv",
        "specialty_substitutes.csv",
    ]
    assert [t.resource for t in TABLES if not t.required] == [
        "courses",
        "training_needs",
        "specialty_substitutes",
    ]
    offers = next(t for t in TABLES if t.resource == "offers")
    assert offers.column_names == (
        "offer_id",
        "nation_id",
        "item_id",
        "quantity",
        "available_week",
        "origin_site_id",
        "status",
    )
    for table in TABLES:
        fields = {f.name for f in dataclasses.fields(table.row_type)}
        assert fields == {*table.column_names, "extra"}, table.resource


@pytest.mark.parametrize(("size", "seed"), [("S", 1), ("M", 2)])
def test_round_trip_generated(size: str, seed: int, tmp_path: Path) -> None:
    scenario = generate(size, seed)
    assert canonical(scenario) == scenario
    write_package(scenario, tmp_path / "a")
    loaded = read_package(tmp_path / "a")
    assert loaded == scenario
    write_package(loaded, tmp_path / "b")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_round_trip_property(seed: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("rt")
    scenario = generate("S", seed)
    write_package(scenario, folder)
    assert read_package(folder) == scenario


def test_base_package_round_trips_byte_for_byte_after_one_write(tmp_path: Path) -> None:
    scenario = read_package(BASE)
    assert [s.site_id for s in scenario.sites][:3] == ["DEP-A", "DEP-B", "HUB-1"], "rows in file order"
    write_package(scenario, tmp_path / "a")
    again = read_package(tmp_path / "a")
    assert again == canonical(scenario) != scenario
    assert canonical(again) == again
    write_package(again, tmp_path / "b")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_written_format(tmp_path: Path) -> None:
    write_package(read_package(BASE), tmp_path)
    offers = (tmp_path / "offers.csv").read_bytes()
    assert b"\r" not in offers
    assert (
        offers.splitlines()[0]
        == b"offer_id,nation_id,item_id,quantity,available_week,origin_site_id,status,note"
    )
    assert offers.splitlines()[2] == b"OFF-2,BBB,ITM-2,150,2,DEP-B,announced,from stock"
    sites = (tmp_path / "sites.csv").read_text(encoding="utf-8")
    assert "HUB-1,Hub One,hub,AAA,50.1,22,400\n" in sites
    assert 'DEP-B,"Depot B, north",depot,BBB,48.1,11.6,\n' in sites
    raw = (tmp_path / "datapackage.json").read_text(encoding="utf-8")
    assert raw.endswith("}\n")
    doc = json.loads(raw)
    assert list(doc) == sorted(doc)
    assert doc["planning"] == {
        "start_date": "2025-01-06",
        "horizon_weeks": 10,
        "lateness_decay_per_week": 0.1,
        "transport_cost_weight": 0.0,
    }
    assert doc["sources"] == ["hand-written for the validation tests"]
    # the base package has no specialty_substitutes.csv, an optional table: it is not listed
    assert [r["name"] for r in doc["resources"]] == [
        t.resource for t in TABLES if t.resource != "specialty_substitutes"
    ]


def test_optional_tables_are_written_only_when_present(tmp_path: Path) -> None:
    scenario = dataclasses.replace(canonical(read_package(BASE)), courses=(), training_needs=(), title="")
    write_package(scenario, tmp_path)
    doc = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert "courses" not in {r["name"] for r in doc["resources"]}
    assert not (tmp_path / "courses.csv").exists()
    assert "title" not in doc
    assert read_package(tmp_path) == scenario


def test_extra_columns_sorted_and_kept(tmp_path: Path) -> None:
    scenario = canonical(read_package(BASE))
    offers = tuple(
        dataclasses.replace(o, extra={"zeta": "z", "alpha": f"a{i}", "note": o.extra["note"]})
        for i, o in enumerate(scenario.offers)
    )
    scenario = dataclasses.replace(scenario, offers=offers)
    write_package(scenario, tmp_path)
    header = (tmp_path / "offers.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith(",status,alpha,note,zeta")
    assert read_package(tmp_path) == scenario


def test_rows_are_written_sorted(tmp_path: Path) -> None:
    scenario = read_package(BASE)
    shuffled = dataclasses.replace(scenario, offers=scenario.offers[::-1], lanes=scenario.lanes[::-1])
    write_package(shuffled, tmp_path / "a")
    write_package(scenario, tmp_path / "b")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_reading_tolerates_crlf_bom_and_quoted_newlines(tmp_path: Path) -> None:
    shutil.copytree(BASE, tmp_path / "pkg")
    path = tmp_path / "pkg" / "offers.csv"
    text = path.read_text(encoding="utf-8").replace("from stock", '"from\nstock"')
    text = text.replace("OFF-4,AAA,ITM-1,100", "OFF-4,AAA,ITM-1,-100")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    problems = validate_package(tmp_path / "pkg")
    assert [(p.file, p.row, p.column) for p in problems] == [("offers.csv", 6, "quantity")]


def test_extra_keys_and_embedded_schema_that_agrees(tmp_path: Path) -> None:
    shutil.copytree(BASE, tmp_path / "pkg")
    path = tmp_path / "pkg" / "datapackage.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["licenses"] = [{"name": "CC-BY-4.0"}]
    doc["resources"][6]["schema"] = {
        "fields": [
            {"name": "offer_id", "type": "string"},
            {"name": "quantity", "type": "integer"},
            {"name": "note", "type": "string"},
        ]
    }
    doc["resources"].append({"name": "readme", "path": "README.md"})
    path.write_text(json.dumps(doc), encoding="utf-8")
    scenario = read_package(tmp_path / "pkg")
    assert scenario.meta["licenses"] == [{"name": "CC-BY-4.0"}]
    assert scenario.settings.horizon_weeks == 10


def test_planning_defaults(tmp_path: Path) -> None:
    shutil.copytree(BASE, tmp_path / "pkg")
    path = tmp_path / "pkg" / "datapackage.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["planning"] = {"start_date": "2025-01-06", "horizon_weeks": 10}
    path.write_text(json.dumps(doc), encoding="utf-8")
    s = read_package(tmp_path / "pkg").settings
    assert (s.lateness_decay_per_week, s.transport_cost_weight) == (0.1, 0.0)


def test_same_scenario_same_bytes(tmp_path: Path) -> None:
    write_package(generate("S", 9), tmp_path / "a")
    write_package(generate("S", 9), tmp_path / "b")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


# --- validate_scenario on in-memory scenarios ---------------------------------------------------------


@pytest.fixture(scope="module")
def base() -> Scenario:
    return read_package(BASE)


def test_in_memory_valid(base: Scenario) -> None:
    assert validate_scenario(base) == []


def test_in_memory_problems(base: Scenario) -> None:
    offers = list(base.offers)
    offers[0] = dataclasses.replace(offers[0], quantity=0)
    offers[1] = dataclasses.replace(offers[1], item_id="NOPE")
    offers[2] = dataclasses.replace(offers[2], quantity=np.int64(3))  # type: ignore[arg-type]
    offers.append(dataclasses.replace(offers[3], status="lost"))  # duplicate id and bad status
    sites = (*base.sites, Site("HUB-2", "Hub Two", "hub", "AAA", 50.0, 20.0, None))
    scenario = dataclasses.replace(
        base,
        offers=tuple(offers),
        sites=sites,
        substitutes=(*base.substitutes, Substitute("ITM-1", "ITM-2")),
        settings=dataclasses.replace(base.settings, horizon_weeks=0),
    )
    problems = validate_scenario(scenario)
    where = {(p.file, p.row, p.column) for p in problems}
    assert where == {
        ("datapackage.json", None, "planning.horizon_weeks"),
        ("sites.csv", 8, "throughput_t_per_week"),
        ("substitutes.csv", 3, None),
        ("offers.csv", 2, "quantity"),
        ("offers.csv", 3, "item_id"),
        ("offers.csv", 4, "quantity"),
        ("offers.csv", 6, "status"),
        ("offers.csv", 6, "offer_id"),
        ("requirements.csv", 2, "due_week"),
        ("requirements.csv", 3, "due_week"),
        ("requirements.csv", 4, "due_week"),
        ("courses.csv", 2, "start_week"),
        ("training_needs.csv", 2, "due_week"),
    }
    numpy_int = next(p for p in problems if p.row == 4 and p.column == "quantity")
    assert "int64" in numpy_int.message


def test_in_memory_extra_must_be_text(base: Scenario) -> None:
    offer: Offer = dataclasses.replace(base.offers[0], extra={"quantity": "1"})
    problems = validate_scenario(dataclasses.replace(base, offers=(offer, *base.offers[1:])))
    assert len(problems) == 1
    assert "standard column" in problems[0].message


def test_non_finite_numbers_are_rejected(base: Scenario) -> None:
    item = dataclasses.replace(base.items[0], unit_value_eur=math.inf)
    problems = validate_scenario(dataclasses.replace(base, items=(item, *base.items[1:])))
    assert [(p.file, p.row, p.column) for p in problems] == [("items.csv", 2, "unit_value_eur")]
