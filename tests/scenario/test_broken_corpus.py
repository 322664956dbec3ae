"""The corpus of broken packages: each has one defect, reported at the file, row and column expected."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aidcoord.errors import ValidationFailed
from aidcoord.scenario.io import read_package, validate_package

HERE = Path(__file__).parent
BASE = HERE / "base"
BROKEN = HERE / "broken"
CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())

REQUIRED_CASES = {
    "missing_file",
    "missing_column",
    "wrong_type_number",
    "negative_quantity",
    "non_integer_quantity",
    "negative_week",
    "unknown_nation_in_offer",
    "unknown_item_in_offer",
    "unknown_site_in_offer",
    "unknown_item_in_requirement",
    "unknown_site_in_requirement",
    "lane_to_unknown_site",
    "duplicate_id",
    "hub_without_throughput",
    "due_week_outside_horizon",
    "self_substitute",
    "bad_status",
    "bad_kind",
    "invalid_json",
    "start_date_not_monday",
    "not_utf8",
}


def test_base_package_is_valid() -> None:
    assert validate_package(BASE) == []
    scenario = read_package(BASE)
    assert len(scenario.offers) == 4
    assert scenario.offers[1].extra == {"note": "from stock"}
    assert scenario.meta == {"sources": ["hand-written for the validation tests"]}


def test_corpus_covers_the_required_defects() -> None:
    assert len(CASES) >= 18
    assert set(CASES) >= REQUIRED_CASES


@pytest.mark.parametrize("case", CASES)
def test_broken_package_is_rejected_where_expected(case: str) -> None:
    folder = BROKEN / case
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    problems = validate_package(folder)
    found = [
        p
        for p in problems
        if (p.file, p.row, p.column) == (expected["file"], expected["row"], expected["column"])
        and expected["contains"] in p.message
    ]
    assert found, [str(p) for p in problems]
    assert len(problems) == 1, "one defect should give one problem, not a cascade: " + repr(
        [str(p) for p in problems]
    )
    with pytest.raises(ValidationFailed) as caught:
        read_package(folder)
    assert caught.value.problems == tuple(problems)
    assert str(caught.value) == f"scenario package {folder} is invalid: 1 problems"


def _edit(folder: Path, file: str, old: str, new: str) -> None:
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "pkg"
    shutil.copytree(BASE, folder)
    _edit(folder, "offers.csv", "OFF-2,BBB,ITM-2,150", "OFF-2,BBB,ITM-2,-3")
    _edit(folder, "offers.csv", "OFF-4,AAA", "OFF-4,ZZZ")
    _edit(folder, "requirements.csv", "REQ-3,ITM-2,200,2,4.2,9", "REQ-3,ITM-2,200,2,4.2,99")
    _edit(folder, "sites.csv", "HUB-1,Hub One,hub,AAA,50.1,22,400", "HUB-1,Hub One,hub,AAA,50.1,22,")
    _edit(folder, "substitutes.csv", "ITM-1,ITM-2", "ITM-3,ITM-3")
    _edit(folder, "datapackage.json", '"2025-01-06"', '"2025-01-08"')
    (folder / "courses.csv").unlink()
    problems = validate_package(folder)
    where = {(p.file, p.row, p.column) for p in problems}
    assert where == {
        ("datapackage.json", None, "planning.start_date"),
        ("sites.csv", 4, "throughput_t_per_week"),
        ("substitutes.csv", 2, "substitute_item_id"),
        ("requirements.csv", 4, "due_week"),
        ("offers.csv", 3, "quantity"),
        ("offers.csv", 5, "nation_id"),
        ("courses.csv", None, None),
    }
    assert next(p.file for p in problems) == "datapackage.json", "problems come in package order"
    with pytest.raises(ValidationFailed, match="7 problems"):
        read_package(folder)


def test_a_bad_row_does_not_hide_other_rows_or_files(tmp_path: Path) -> None:
    folder = tmp_path / "pkg"
    shutil.copytree(BASE, folder)
    _edit(folder, "offers.csv", "OFF-1,AAA,ITM-1,600,0", "OFF-1,AAA,ITM-1,many,-5")
    _edit(
        folder, "offers.csv", "OFF-3,BBB,ITM-3,400,1,DEP-B,committed", "OFF-3,BBB,ITM-3,400,1,DEP-B,promised"
    )
    _edit(
        folder, "items.csv", "ITM-3,First-aid kit,consumable,medical,kit,1.5", "ITM-3,First-aid kit,c,m,kit,0"
    )
    problems = validate_package(folder)
    assert {(p.file, p.row, p.column) for p in problems} == {
        ("offers.csv", 2, "quantity"),
        ("offers.csv", 2, "available_week"),
        ("offers.csv", 4, "status"),
        ("items.csv", 4, "unit_mass_kg"),
    }, "rows that fail still count as existing: no 'unknown item ITM-3' cascade"


def test_missing_datapackage_json(tmp_path: Path) -> None:
    problems = validate_package(tmp_path)
    assert len(problems) == 1
    assert problems[0].file == "datapackage.json"
    assert "not found" in problems[0].message
