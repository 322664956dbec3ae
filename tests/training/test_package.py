"""specialty_substitutes.csv in the Scenario Data Package: round trip through files and the database,
and problems reported at file, row and column."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlalchemy.orm import Session

from aidcoord.access.actor import SYSTEM
from aidcoord.dataset import service as dataset
from aidcoord.scenario.generate import generate
from aidcoord.scenario.io import canonical, read_package, validate_package, validate_scenario, write_package
from aidcoord.scenario.model import SpecialtySubstitute
from aidcoord.scenario.nsatu import build_nsatu


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_package_round_trip_with_specialty_substitutes(tmp_path: Path) -> None:
    scenario = generate("S", 4)
    assert scenario.specialty_substitutes
    write_package(scenario, tmp_path / "a")
    assert (tmp_path / "a" / "specialty_substitutes.csv").is_file()
    loaded = read_package(tmp_path / "a")
    assert loaded == canonical(scenario)
    write_package(loaded, tmp_path / "b")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_without_substitutes_the_file_is_left_out(tmp_path: Path) -> None:
    scenario = dataclasses.replace(generate("S", 4), specialty_substitutes=())
    write_package(scenario, tmp_path / "p")
    assert not (tmp_path / "p" / "specialty_substitutes.csv").exists()
    assert read_package(tmp_path / "p").specialty_substitutes == ()


def test_nsatu_links_equipment_to_specialties() -> None:
    nsatu = build_nsatu()
    assert {(s.specialty, s.substitute_specialty) for s in nsatu.specialty_substitutes} == {
        ("air-defence-maintainer", "air-defence-operator"),
        ("drone-operator", "artillery-crew"),
    }
    specialties = {r.extra["specialty"] for r in nsatu.requirements}
    assert {"air-defence-operator", "artillery-crew", "armour-crew", "drone-operator", ""} <= specialties
    assert {c.specialty for c in nsatu.courses} >= {
        "air-defence-operator",
        "air-defence-maintainer",
        "artillery-crew",
        "armour-crew",
        "drone-operator",
        "demining",
        "combat-medic",
        "logistics",
    }


def test_problems_name_file_row_and_column(tmp_path: Path) -> None:
    scenario = dataclasses.replace(
        generate("S", 4),
        specialty_substitutes=(SpecialtySubstitute("medic", "medic"), SpecialtySubstitute("", "x")),
    )
    where = {(p.file, p.row, p.column) for p in validate_scenario(scenario)}
    assert where == {
        ("specialty_substitutes.csv", 2, "substitute_specialty"),
        ("specialty_substitutes.csv", 3, "specialty"),
    }
    write_package(dataclasses.replace(scenario, specialty_substitutes=()), tmp_path / "p")
    (tmp_path / "p" / "specialty_substitutes.csv").write_text(
        "specialty,substitute_specialty\nmedic,medic\n", encoding="utf-8"
    )
    doc = (tmp_path / "p" / "datapackage.json").read_text(encoding="utf-8")
    doc = doc.replace(
        '"resources": [',
        '"resources": [\n    {"name": "specialty_substitutes", "path": "specialty_substitutes.csv"},',
    )
    (tmp_path / "p" / "datapackage.json").write_text(doc, encoding="utf-8")
    [problem] = validate_package(tmp_path / "p")
    assert (problem.file, problem.row, problem.column) == (
        "specialty_substitutes.csv",
        2,
        "substitute_specialty",
    )


def test_database_export_is_byte_identical(session: Session, tmp_path: Path) -> None:
    write_package(build_nsatu(), tmp_path / "a")
    dataset.load_scenario(session, actor=SYSTEM, scenario=read_package(tmp_path / "a"))
    write_package(dataset.export_scenario(session, actor=SYSTEM), tmp_path / "b")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
