"""Tampered, truncated and foreign bundles are refused with a precise message, and nothing is written."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from aidcoord.access.actor import SYSTEM
from aidcoord.db import make_engine
from aidcoord.db.migrate import upgrade
from aidcoord.errors import Conflict, ValidationFailed
from aidcoord.handover import bundle
from aidcoord.handover import service as handover
from tests.conftest import BACKENDS, fresh_database_url, state_rows, table_row_counts
from tests.handover.helpers import build_state, export, jsonl, lines, pack, resign, unpack

OFFERS = bundle.table_file("offers")
EVENTS = bundle.table_file("shipment_events")
AUDIT = bundle.table_file("audit_log")


@pytest.fixture(scope="module", params=BACKENDS)
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An empty migrated database of each backend, shared by the corpus: a refused import writes nothing."""
    for url in fresh_database_url(request, request.param, tmp_path_factory.mktemp("target")):
        engine = make_engine(url)
        upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[handover.ExportedBundle]:
    """One exported bundle of a full state (made once, on SQLite)."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('source') / 'source.db'}")
    try:
        upgrade(engine)
        build_state(engine)
        yield export(engine)
    finally:
        engine.dispose()


def _changed_offer(files: dict[str, bytes]) -> dict[str, bytes]:
    rows = lines(files[OFFERS])
    rows[3]["quantity"] = int(str(rows[3]["quantity"])) + 1000
    return {**files, OFFERS: jsonl(rows)}


def _changed_event(files: dict[str, bytes]) -> dict[str, bytes]:
    rows = lines(files[EVENTS])
    rows[0]["week"] = 7
    return {**files, EVENTS: jsonl(rows)}


def _audit_rows(files: dict[str, bytes]) -> list[dict[str, object]]:
    return lines(files[AUDIT])


def _manifest(files: dict[str, bytes], **changes: object) -> dict[str, bytes]:
    doc = json.loads(files[bundle.MANIFEST])
    doc.update(changes)
    return {**files, bundle.MANIFEST: json.dumps(doc).encode()}


def _without(files: dict[str, bytes], name: str) -> dict[str, bytes]:
    return {n: c for n, c in files.items() if n != name}


def _swapped_audit(files: dict[str, bytes]) -> dict[str, bytes]:
    rows = _audit_rows(files)
    rows[1], rows[2] = rows[2], rows[1]
    return resign({**files, AUDIT: jsonl(rows)})


def _truncated_audit(files: dict[str, bytes]) -> dict[str, bytes]:
    return resign({**files, AUDIT: jsonl(_audit_rows(files)[:-1])})


def _altered_audit(files: dict[str, bytes]) -> dict[str, bytes]:
    rows = _audit_rows(files)
    rows[1]["reason"] = "nobody asked"
    return resign({**files, AUDIT: jsonl(rows)})


def _dropped_audit(files: dict[str, bytes]) -> dict[str, bytes]:
    rows = _audit_rows(files)
    return resign({**files, AUDIT: jsonl(rows[:2] + rows[3:])})


def _bad_cell(files: dict[str, bytes]) -> dict[str, bytes]:
    rows = lines(files[OFFERS])
    rows[0]["quantity"] = "many"
    return _manifest(resign({**files, OFFERS: jsonl(rows)}, digests=False))


def _traversal(files: dict[str, bytes]) -> bytes:
    return pack({**files, "../escape.txt": b"x"})


CORPUS = {
    # name: (surgery on the files -> bundle bytes, words the refusal must contain, where)
    "changed row": (lambda f: pack(_changed_offer(f)), "sha256 differs from the manifest", OFFERS),
    "changed row, hashes redone": (
        lambda f: pack(resign(_changed_offer(f), digests=False)),
        "do not match the table digest",
        OFFERS,
    ),
    "changed row, digests redone": (
        lambda f: pack(resign(_changed_offer(f))),
        "does not match the imported tables",
        "scenario/offers.csv",
    ),
    "missing file": (lambda f: pack(_without(f, EVENTS)), "missing from the bundle", EVENTS),
    "missing manifest": (
        lambda f: pack(_without(f, bundle.MANIFEST)),
        "has no manifest.json",
        bundle.MANIFEST,
    ),
    "foreign file": (
        lambda f: pack({**f, "tables/extra.jsonl": b"{}\n"}),
        "not listed",
        "tables/extra.jsonl",
    ),
    "wrong hash": (
        lambda f: pack(
            {
                **f,
                bundle.MANIFEST: f[bundle.MANIFEST].replace(bundle.sha256(f[EVENTS]).encode(), b"0" * 64),
            }
        ),
        "sha256 differs from the manifest",
        EVENTS,
    ),
    "reordered audit chain": (lambda f: pack(_swapped_audit(f)), "out of order", AUDIT),
    "truncated audit chain": (lambda f: pack(_truncated_audit(f)), "truncated", AUDIT),
    "altered audit record": (lambda f: pack(_altered_audit(f)), "record 2 was altered", AUDIT),
    "deleted audit record": (lambda f: pack(_dropped_audit(f)), "record 3 is missing", AUDIT),
    "newer schema": (lambda f: pack(_manifest(f, schema_revision="0099")), "does not know", bundle.MANIFEST),
    "older schema": (lambda f: pack(_manifest(f, schema_revision="0008")), "older than", bundle.MANIFEST),
    "not aidcoord's": (
        lambda f: pack(_manifest(f, format="something-else")),
        "not an aidcoord",
        bundle.MANIFEST,
    ),
    "bad cell": (lambda f: pack(_bad_cell(f)), "'many' is not an integer", OFFERS),
    "path traversal": (_traversal, "leaves the bundle", "../escape.txt"),
    "not a tar": (lambda f: gzip.compress(b"just text"), "not an aidcoord state bundle", "upload"),
    "cut short": (lambda f: pack(f)[:5000], "not an aidcoord state bundle", "upload"),
}


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_a_tampered_bundle_is_refused_and_nothing_written(
    case: str, exported: handover.ExportedBundle, target: Engine
) -> None:
    surgery, words, where = CORPUS[case]
    content = surgery(unpack(exported.content))
    before = table_row_counts(target)
    assert state_rows(target) == 0
    with pytest.raises(ValidationFailed) as refused:
        handover.import_state(target, actor=SYSTEM, content=content, source="upload", lead="NSATU")
    error = refused.value
    assert words in error.message + " ".join(str(p) for p in error.problems), (case, str(error.message))
    assert where in {p.file for p in error.problems}, (case, error.problems)
    assert table_row_counts(target) == before


def test_a_forged_bundle_passes_its_own_checks_but_not_the_fingerprint(
    exported: handover.ExportedBundle, tmp_path: Path
) -> None:
    """A forger who rewrites rows outside the scenario and the chain, and the whole manifest, is caught
    by the fingerprint passed on out of band."""
    forged = pack(resign(_changed_event(unpack(exported.content))))
    target = make_engine(f"sqlite:///{tmp_path / 'target.db'}")
    try:
        upgrade(target)
        with pytest.raises(ValidationFailed, match="not the bundle that was exported"):
            handover.import_state(
                target,
                actor=SYSTEM,
                content=forged,
                source="upload",
                lead="NSATU",
                expect_fingerprint=exported.fingerprint,
            )
        assert table_row_counts(target)["shipment_events"] == 0
        # Without the fingerprint the forgery is a consistent bundle; that is what the fingerprint is for.
        handover.import_state(target, actor=SYSTEM, content=forged, source="upload", lead="NSATU")
    finally:
        target.dispose()


def test_a_database_holding_state_is_refused(
    exported: handover.ExportedBundle, migrated_engine: Engine
) -> None:
    handover.import_state(migrated_engine, actor=SYSTEM, content=exported.content, source="b", lead="NSATU")
    before = table_row_counts(migrated_engine)
    with pytest.raises(Conflict, match="not empty"):
        handover.import_state(
            migrated_engine, actor=SYSTEM, content=exported.content, source="b", lead="NSATU"
        )
    assert table_row_counts(migrated_engine) == before


def test_the_lead_must_be_named(exported: handover.ExportedBundle, migrated_engine: Engine) -> None:
    with pytest.raises(ValidationFailed, match="lead"):
        handover.import_state(migrated_engine, actor=SYSTEM, content=exported.content, source="b", lead="  ")
