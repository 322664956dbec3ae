"""A handover is lossless: SQLite → PostgreSQL → SQLite keeps the state digest, the chain verifies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from aidcoord.access import service as access
from aidcoord.access.actor import SYSTEM
from aidcoord.audit import service as audit
from aidcoord.db import make_engine, session_scope
from aidcoord.db.all_models import metadata
from aidcoord.db.migrate import upgrade
from aidcoord.errors import Forbidden, Unauthorized
from aidcoord.handover import bundle
from aidcoord.handover import service as handover
from aidcoord.handover.models import Instance
from aidcoord.plans import service as plans
from aidcoord.shipments import service as shipments
from tests.actors import AUDITOR, nation_officer
from tests.conftest import fresh_database_url, table_row_counts
from tests.handover.helpers import PASSWORD, USER, build_state, export, unpack


@pytest.fixture
def engines(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Engine]]:
    """Migrated, empty databases: a SQLite source, a PostgreSQL middle and a SQLite end."""
    made: dict[str, Engine] = {}
    urls = []
    for name, backend in (("source", "sqlite"), ("middle", "postgresql"), ("end", "sqlite")):
        folder = tmp_path / name
        folder.mkdir()
        generator = fresh_database_url(request, backend, folder)
        urls.append(generator)
        made[name] = make_engine(next(generator))
        upgrade(made[name])
    try:
        yield made
    finally:
        for engine in made.values():
            engine.dispose()
        for generator in urls:
            generator.close()


def _instance(engine: Engine) -> str:
    with session_scope(engine, write=False) as session:
        return str(session.scalar(select(Instance.instance_id)))


@pytest.mark.slow
@pytest.mark.postgres
def test_sqlite_to_postgresql_and_back_keeps_the_state(engines: dict[str, Engine]) -> None:
    source, middle, end = engines["source"], engines["middle"], engines["end"]
    build_state(source)
    before = handover.state_digest(source, actor=SYSTEM)
    first = export(source)
    assert first.manifest.state_digest == before.digest
    assert first.manifest.instance_id == _instance(source)

    imported = handover.import_state(
        middle,
        actor=SYSTEM,
        content=first.content,
        source="b1",
        lead="NSATU",
        expect_fingerprint=first.fingerprint,
    )
    assert handover.state_digest(middle, actor=SYSTEM) == before
    second = export(middle)
    handover.import_state(end, actor=SYSTEM, content=second.content, source="b2", lead="Back home")
    assert handover.state_digest(end, actor=SYSTEM) == before

    # Every table but the excluded ones holds the same rows; secrets stayed behind.
    counts = {name: table_row_counts(engine) for name, engine in engines.items()}
    for table in bundle.exported_tables():
        extra = 2 if table.name == "audit_log" else 0  # the two handover records
        assert counts["end"][table.name] == counts["source"][table.name] + extra, table.name
    assert counts["source"]["credentials"] > 0
    assert counts["middle"]["credentials"] == counts["end"]["credentials"] == 0

    for engine, lead, seq in ((middle, "NSATU", imported.handover_seq), (end, "Back home", None)):
        with session_scope(engine, write=False) as session:
            assert audit.verify(session, actor=AUDITOR).ok
            records = audit.list_entries(session, actor=AUDITOR, action=bundle.HANDOVER_ACTION).items
        newest = records[0]
        assert seq is None or newest.seq == seq
        after = json.loads(newest.after or "{}")
        assert after["lead_organisation"] == lead
        assert after["to_instance"] == _instance(engine)
    first_handover = json.loads(records[-1].after or "{}")
    assert first_handover["from_instance"] == _instance(source)
    assert first_handover["bundle_fingerprint"] == first.fingerprint


@pytest.mark.slow
@pytest.mark.postgres
def test_an_imported_database_carries_on(engines: dict[str, Engine]) -> None:
    """New ids follow the imported ones (PostgreSQL's sequences moved on); users get new passwords."""
    source, middle = engines["source"], engines["middle"]
    build_state(source)
    handover.import_state(middle, actor=SYSTEM, content=export(source).content, source="b", lead="NSATU")
    with session_scope(middle) as session:
        versions = [p.version for p in plans.list_plans(session, actor=SYSTEM)]
        made = plans.create_plan(session, actor=SYSTEM, method="greedy")
        assert made.version == max(versions) + 1
        page = shipments.list_shipments(session, actor=SYSTEM, limit=1000)
        planned = next(s for s in page.items if s.status == "planned")
        recorded = shipments.record_event(
            session, actor=SYSTEM, shipment_id=planned.shipment_id, kind="dispatched"
        )
        assert recorded.event.event_id > 3
        # A replay by an idempotency key made before the handover still finds its event.
        dispatched = next(s for s in page.items if s.status != "planned")
        again = shipments.record_event(
            session,
            actor=SYSTEM,
            shipment_id=dispatched.shipment_id,
            kind="dispatched",
            week=1,
            note='=HYPERLINK("http://x") <script>',
            idempotency_key=f"key-{dispatched.shipment_id}",
        )
        assert again.replayed
    with session_scope(middle) as session:
        user = next(u for u in access.list_users(session, actor=SYSTEM) if u.user_id == USER)
        assert user.tokens == 0
    with session_scope(middle) as session, pytest.raises(Unauthorized):
        access.login(session, user_id=USER, password=PASSWORD)
    with session_scope(middle) as session:
        access.set_password(session, actor=SYSTEM, user_id=USER, password="another long password")
    with session_scope(middle) as session:
        assert access.login(session, user_id=USER, password="another long password").user_id == USER
    with session_scope(middle, write=False) as session:
        assert audit.verify(session, actor=AUDITOR).ok


def test_only_coordinators_and_auditors_read_the_whole_state(migrated_engine: Engine) -> None:
    officer = nation_officer("N001")
    with pytest.raises(Forbidden):
        handover.export_state(migrated_engine, actor=officer)
    with pytest.raises(Forbidden):
        handover.state_digest(migrated_engine, actor=officer)
    assert handover.export_state(migrated_engine, actor=AUDITOR).manifest.exported_by == AUDITOR.user_id
    with pytest.raises(Forbidden):
        handover.import_state(migrated_engine, actor=AUDITOR, content=b"", source="x", lead="y")


def test_an_empty_state_round_trips(migrated_engine: Engine, tmp_path: Path) -> None:
    exported = export(migrated_engine)
    files = unpack(exported.content)
    assert not any(name.startswith(bundle.SCENARIO_DIR) for name in files)
    assert exported.manifest.audit_head_seq is None
    target = make_engine(f"sqlite:///{tmp_path / 'target.db'}")
    try:
        upgrade(target)
        handover.import_state(target, actor=SYSTEM, content=exported.content, source="b", lead="L")
        assert handover.state_digest(target, actor=SYSTEM).digest == exported.manifest.state_digest
    finally:
        target.dispose()


def test_the_digest_changes_with_any_change_and_ignores_secrets(migrated_engine: Engine) -> None:
    build_state(migrated_engine)
    before = handover.state_digest(migrated_engine, actor=SYSTEM)
    with session_scope(migrated_engine) as session:
        access.create_token(session, actor=SYSTEM, user_id=USER)  # a secret, and an audit record
    after = handover.state_digest(migrated_engine, actor=SYSTEM)
    changed = {t.name for t, u in zip(before.tables, after.tables, strict=True) if t != u}
    assert changed == {"audit_log"}
    assert before.digest != after.digest


def test_every_table_travels_or_stays_behind_for_a_stated_reason() -> None:
    """A new table must be added here on purpose: a table of secrets must not travel by default."""
    travelling = {t.name for t in bundle.exported_tables()}
    assert travelling == {
        "audit_log", "courses", "dataset", "items", "kiel_monthly", "lanes", "nations", "offers",
        "organisations", "plan_allocations", "plan_unmet", "plans", "reference_releases", "requirements",
        "shipment_events", "shipments", "sites", "specialty_substitutes", "substitutes",
        "training_assignments", "training_needs", "training_plans", "training_unmet", "user_roles", "users",
        "whatif_scenarios",
    }  # fmt: skip
    assert travelling | set(bundle.EXCLUDED_TABLES) == {t.name for t in metadata.sorted_tables}
    assert all(reason for reason in bundle.EXCLUDED_TABLES.values())
