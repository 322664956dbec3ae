"""Loading a scenario into the database and exporting it again, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import Engine

from aidcoord.access.actor import SYSTEM, Actor
from aidcoord.dataset import service as dataset
from aidcoord.db import session_scope
from aidcoord.errors import Conflict, Forbidden, ValidationFailed
from aidcoord.scenario.generate import generate
from aidcoord.scenario.io import read_package, write_package
from aidcoord.scenario.model import Offer
from tests.conftest import state_rows


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_export_load_export_is_byte_identical(migrated_engine: Engine, tmp_path: Path) -> None:
    scenario = generate("S", 3)
    with session_scope(migrated_engine) as session:
        dataset.load_scenario(session, actor=SYSTEM, scenario=scenario)
    with session_scope(migrated_engine) as session:
        exported = dataset.export_scenario(session, actor=SYSTEM)
    assert exported == scenario
    write_package(exported, tmp_path / "first")

    with session_scope(migrated_engine) as session:
        dataset.load_scenario(session, actor=SYSTEM, scenario=read_package(tmp_path / "first"), replace=True)
    with session_scope(migrated_engine) as session:
        write_package(dataset.export_scenario(session, actor=SYSTEM), tmp_path / "second")
    assert files_of(tmp_path / "first") == files_of(tmp_path / "second")
    csvs = [name for name in files_of(tmp_path / "first") if name.endswith(".csv")]
    assert {"nations.csv", "offers.csv", "requirements.csv", "lanes.csv"} <= set(csvs)


def test_extra_columns_survive_the_database(migrated_engine: Engine) -> None:
    scenario = generate("S", 4)
    first = scenario.offers[0]
    tagged = dataclasses.replace(first, extra={"source_document": "MoD press release, 2025-02-03"})
    scenario = dataclasses.replace(scenario, offers=(tagged, *scenario.offers[1:]))
    with session_scope(migrated_engine) as session:
        dataset.load_scenario(session, actor=SYSTEM, scenario=scenario)
    with session_scope(migrated_engine) as session:
        exported = dataset.export_scenario(session, actor=SYSTEM)
    by_id = {o.offer_id: o for o in exported.offers}
    assert by_id[first.offer_id].extra == {"source_document": "MoD press release, 2025-02-03"}


def test_invalid_scenario_writes_nothing(migrated_engine: Engine) -> None:
    scenario = generate("S", 5)
    bad = Offer(
        "OFF-BAD", "XXX", scenario.items[0].item_id, 5, 0, scenario.offers[0].origin_site_id, "committed"
    )
    scenario = dataclasses.replace(scenario, offers=(*scenario.offers, bad))
    with pytest.raises(ValidationFailed) as raised, session_scope(migrated_engine) as session:
        dataset.load_scenario(session, actor=SYSTEM, scenario=scenario)
    assert any(p.column == "nation_id" and "XXX" in p.message for p in raised.value.problems)
    assert state_rows(migrated_engine) == 0


def test_second_load_needs_replace(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", 1))
    with pytest.raises(Conflict), session_scope(migrated_engine) as session:
        dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", 2))
    with session_scope(migrated_engine) as session:
        dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", 2), replace=True)
    with session_scope(migrated_engine) as session:
        assert dataset.export_scenario(session, actor=SYSTEM) == generate("S", 2)


def test_only_coordinators_load(migrated_engine: Engine) -> None:
    officer = Actor(
        "u1", "DEL-DEU", frozenset({"nation_officer"}), nation_id="DEU", organisation_kind="nation_delegation"
    )
    with pytest.raises(Forbidden), session_scope(migrated_engine) as session:
        dataset.load_scenario(session, actor=officer, scenario=generate("S", 1))
    assert state_rows(migrated_engine) == 0


def test_summary_and_derived_organisations(migrated_engine: Engine) -> None:
    scenario = generate("S", 6)
    with session_scope(migrated_engine) as session:
        counts = dataset.load_scenario(session, actor=SYSTEM, scenario=scenario)
    assert counts.offers == len(scenario.offers)
    hubs = sorted(s.site_id for s in scenario.sites if s.kind == "hub")
    assert counts.organisations == 2 + len(
        {o.nation_id for o in scenario.offers} | {c.nation_id for c in scenario.courses}
    ) + len(hubs) + len({s.nation_id for s in scenario.sites if s.kind == "delivery"})
    with session_scope(migrated_engine) as session:
        summary = dataset.summary(session, actor=SYSTEM)
    assert [h.site_id for h in summary.hubs] == hubs
    assert sum(p.lines for p in summary.requirements) == len(scenario.requirements)
    assert summary.offers_by_status["committed"] == sum(o.status == "committed" for o in scenario.offers)
    value = {i.item_id: i.unit_value_eur for i in scenario.items}
    committed = sum(o.quantity * value[o.item_id] for o in scenario.offers if o.status == "committed")
    assert sum(p.committed_eur for p in summary.pledged) == pytest.approx(committed)
