"""What the handover tests share: a state with something in every kind of table, and bundle surgery."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable

from sqlalchemy import Engine

from aidcoord.access import service as access
from aidcoord.access.actor import SYSTEM
from aidcoord.analysis.whatif import WithdrawNation
from aidcoord.dataset.service import load_scenario
from aidcoord.db import session_scope
from aidcoord.handover import bundle
from aidcoord.handover import service as handover
from aidcoord.plans import service as plans
from aidcoord.reference import service as reference
from aidcoord.reference.kiel import packaged_kiel_dir
from aidcoord.scenario.generate import generate
from aidcoord.shipments import service as shipments
from aidcoord.training import service as training
from aidcoord.whatif import service as whatif
from tests.actors import hub_operator

PASSWORD = "a long enough password"
USER = "cell.coord"


def build_state(engine: Engine) -> None:
    """Scenario S, an approved plan with shipments and events, training, a saved what-if, users, Kiel."""
    with session_scope(engine) as session:
        load_scenario(session, actor=SYSTEM, scenario=generate("S", 1))
        plans.create_plan(session, actor=SYSTEM, method="greedy")
        plans.approve_plan(session, actor=SYSTEM, version=1, reason="first plan")
        shipments.create_from_approved_plan(session, actor=SYSTEM)
    with session_scope(engine) as session:
        first = shipments.list_shipments(session, actor=SYSTEM, limit=2).items
        for shipment in first:
            shipments.record_event(
                session,
                actor=SYSTEM,
                shipment_id=shipment.shipment_id,
                kind="dispatched",
                week=1,
                note='=HYPERLINK("http://x") <script>',
                idempotency_key=f"key-{shipment.shipment_id}",
            )
        shipments.record_event(
            session,
            actor=hub_operator(first[0].hub_site_id),
            shipment_id=first[0].shipment_id,
            kind="at_hub",
            week=2,
        )
        training.create_training_plan(session, actor=SYSTEM, method="greedy")
        whatif.save(session, actor=SYSTEM, name="no first nation", changes=[WithdrawNation("N001", 3)])
        access.add_user(
            session,
            actor=SYSTEM,
            user_id=USER,
            organisation_id="CELL",
            roles=["coordinator"],
            password=PASSWORD,
        )
        access.create_token(session, actor=SYSTEM, user_id=USER)
        reference.import_kiel(session, actor=SYSTEM, directory=packaged_kiel_dir())
    # A second plan, so that plan ids and allocation ids carry on past the first plan's.
    with session_scope(engine) as session:
        plans.create_plan(session, actor=SYSTEM, method="greedy")


def export(engine: Engine) -> handover.ExportedBundle:
    """The engine's state as a bundle."""
    return handover.export_state(engine, actor=SYSTEM)


def unpack(content: bytes) -> dict[str, bytes]:
    """A bundle's files by name."""
    return bundle.read_archive(content, "test bundle")


def pack(files: dict[str, bytes]) -> bytes:
    """Files as a gzip-compressed tar, in the given order, without any checks."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def lines(content: bytes) -> list[dict[str, object]]:
    """A table file's rows."""
    return [json.loads(line) for line in content.decode().splitlines()]


def jsonl(rows: list[dict[str, object]]) -> bytes:
    """Rows as a table file (canonical JSON lines)."""
    return "".join(
        json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n" for r in rows
    ).encode()


def resign(files: dict[str, bytes], *, digests: bool = True) -> dict[str, bytes]:
    """A forger's bundle: the manifest's file hashes and sizes (and row counts and digests) made to fit.

    Only the fingerprint (the manifest's own sha256, passed on out of band) and the audit chain can
    tell such a bundle from the exported one.
    """
    manifest = json.loads(files[bundle.MANIFEST])
    if digests:
        parts = []
        for table in bundle.exported_tables():
            name = bundle.table_file(table.name)
            problems: list[object] = []
            rows = bundle.parse_table(table, name, files[name], problems)  # type: ignore[arg-type]
            assert not problems, problems
            part = handover.table_digest(table, rows)
            manifest["tables"][table.name]["rows"] = len(rows)
            manifest["tables"][table.name]["digest"] = part.digest
            parts.append(part)
        manifest["state_digest"] = handover.combined_digest(parts).digest
    manifest["files"] = {
        name: {"bytes": len(content), "sha256": bundle.sha256(content)}
        for name, content in files.items()
        if name != bundle.MANIFEST
    }
    return {**files, bundle.MANIFEST: json.dumps(manifest, indent=2, sort_keys=True).encode()}


Surgery = Callable[[dict[str, bytes]], bytes]
