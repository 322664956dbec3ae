"""Use cases of a handover: the state's digest, exporting the whole state as a bundle, importing one.

The **state digest** says whether two databases hold the same state, whatever database each runs on:
per exported table, sha256 over its rows as canonical JSON lines in primary key order (redacted columns
left out), and over all tables the sha256 of `name rows digest` lines in name order. The records of
handovers themselves (`state.import`) are left out of it: they are the move, not the state moved, so
the digest is the same before an export and after the import.

Reads take one consistent snapshot (REPEATABLE READ on PostgreSQL, one read transaction on SQLite).
An import reads and checks the whole bundle before it writes anything, then writes it in one
transaction that is rolled back unless the imported state's digest equals the bundle's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, Table, func, select, text
from sqlalchemy.orm import Session

from aidcoord import __version__
from aidcoord.access.actor import SYSTEM, Actor, require_role
from aidcoord.audit import service as audit
from aidcoord.audit.service import AuditEntry
from aidcoord.dataset import service as dataset
from aidcoord.db import session_scope
from aidcoord.db.all_models import metadata
from aidcoord.db.migrate import alembic_config, head_revision
from aidcoord.errors import Conflict, Problem, ValidationFailed, refuse_invalid
from aidcoord.handover import bundle
from aidcoord.handover.bundle import HANDOVER_ACTION, MANIFEST, Manifest, TableEntry
from aidcoord.handover.models import Instance
from aidcoord.scenario.io import package_files

Progress = Callable[[str, float], None]

READ_ROLES = ("coordinator", "auditor")
INSERT_BATCH = 2000
MAX_LEAD = 200


@dataclass(frozen=True, slots=True)
class TableDigest:
    """One table's part of the state digest."""

    name: str
    rows: int
    digest: str


@dataclass(frozen=True, slots=True)
class StateDigest:
    """The state's digest and its parts (see the module's docstring)."""

    digest: str
    tables: tuple[TableDigest, ...]


@dataclass(frozen=True, slots=True)
class ExportedBundle:
    """An exported bundle: its bytes, its manifest and its fingerprint (the manifest file's sha256)."""

    content: bytes
    manifest: Manifest
    fingerprint: str


@dataclass(frozen=True, slots=True)
class ImportedBundle:
    """What an import did: the bundle's manifest and fingerprint, and the handover's audit record."""

    manifest: Manifest
    fingerprint: str
    handover_seq: int
    users_without_secrets: int


def _noop(_message: str, _fraction: float) -> None:
    return None


# ---------------------------------------------------------------------------------------------------
# Reading and digesting


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Session]:
    """A read-only session on one consistent snapshot of the database."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # Each statement of READ COMMITTED sees the latest commits: one export must see one moment.
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin(), Session(bind=connection) as session:
            yield session


def _rows(session: Session, table: Table) -> list[dict[str, Any]]:
    """Every row of `table` as a dict, in primary key order (sorted here: collations differ)."""
    rows = [dict(row._mapping) for row in session.execute(select(table))]
    rows.sort(key=lambda row: bundle.row_key(table, row))
    return rows


def _is_state(table: Table, row: Mapping[str, Any]) -> bool:
    return not (table.name == "audit_log" and row["action"] == HANDOVER_ACTION)


def table_digest(table: Table, rows: Sequence[Mapping[str, Any]]) -> TableDigest:
    """A table's part of the state digest: sha256 over its state rows' canonical lines, in the given order."""
    digest, count = hashlib.sha256(), 0
    for row in rows:
        if _is_state(table, row):
            digest.update(bundle.row_line(table, row).encode("utf-8") + b"\n")
            count += 1
    return TableDigest(table.name, count, digest.hexdigest())


def combined_digest(tables: Sequence[TableDigest]) -> StateDigest:
    """The state digest of its tables' parts: sha256 over `name rows digest` lines in name order."""
    lines = "".join(f"{t.name} {t.rows} {t.digest}\n" for t in sorted(tables, key=lambda t: t.name))
    return StateDigest(
        hashlib.sha256(lines.encode("utf-8")).hexdigest(), tuple(sorted(tables, key=lambda t: t.name))
    )


def _digest_of_session(session: Session) -> StateDigest:
    return combined_digest([table_digest(t, _rows(session, t)) for t in bundle.exported_tables()])


def state_digest(engine: Engine, *, actor: Actor) -> StateDigest:
    """The digest of the whole state (coordinators and auditors): equal states, equal digests."""
    require_role(actor, *READ_ROLES)
    with _snapshot(engine) as session:
        return _digest_of_session(session)


def instance_id(session: Session) -> str:
    """This database's identity (made by its migration)."""
    found = session.scalar(select(Instance.instance_id).order_by(Instance.created_at).limit(1))
    if found is None:  # a database from before the migration made it has none until now
        found = "unknown"
    return found


# ---------------------------------------------------------------------------------------------------
# Export


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def export_state(engine: Engine, *, actor: Actor, progress: Progress | None = None) -> ExportedBundle:
    """The whole state as a bundle (coordinators and auditors), from one consistent snapshot.

    Tables in EXCLUDED_TABLES and columns in REDACTED_COLUMNS (secrets) stay behind. Exporting changes
    nothing, so it appends no audit record: the import records the handover.
    """
    require_role(actor, *READ_ROLES)
    report = progress or _noop
    now = _utc_now()
    files: dict[str, bytes] = {}
    entries: list[TableEntry] = []
    digests: list[TableDigest] = []
    audit_head: tuple[int, str] | None = None
    tables = bundle.exported_tables()
    with _snapshot(engine) as session:
        for i, table in enumerate(tables):
            report(f"reading {table.name}", i / (len(tables) + 1))
            rows = _rows(session, table)
            content = "".join(bundle.row_line(table, row) + "\n" for row in rows).encode("utf-8")
            name = bundle.table_file(table.name)
            files[name] = content
            part = table_digest(table, rows)
            digests.append(part)
            columns = tuple(c.name for c in bundle.exported_columns(table))
            entries.append(TableEntry(table.name, name, columns, len(rows), part.digest))
            if table.name == "audit_log" and rows:
                audit_head = (int(rows[-1]["seq"]), str(rows[-1]["hash"]))
        scenario_name: str | None = None
        if not dataset.is_empty(session):
            scenario = dataset.export_scenario(session, actor=SYSTEM)
            scenario_name = scenario.name
            for name, content in package_files(scenario).items():
                files[bundle.SCENARIO_DIR + name] = content
        source_instance = instance_id(session)
    report("writing the bundle", len(tables) / (len(tables) + 1))
    manifest = Manifest(
        aidcoord_version=__version__,
        schema_revision=head_revision() or "",
        exported_at=audit.canonical_json(now).strip('"'),
        exported_by=actor.user_id,
        instance_id=source_instance,
        scenario=scenario_name,
        tables=tuple(entries),
        audit_head_seq=audit_head[0] if audit_head else None,
        audit_head_hash=audit_head[1] if audit_head else None,
        state_digest=combined_digest(digests).digest,
        files={name: (len(content), bundle.sha256(content)) for name, content in sorted(files.items())},
    )
    manifest_bytes = manifest.to_json()
    content = bundle.write_archive({MANIFEST: manifest_bytes, **files}, exported_at=now)
    report("done", 1.0)
    return ExportedBundle(content=content, manifest=manifest, fingerprint=bundle.sha256(manifest_bytes))


# ---------------------------------------------------------------------------------------------------
# Import: check everything, then write once


def _revision_problem(revision: str) -> str | None:
    """Why a bundle of schema `revision` cannot be imported here, or None when it can."""
    head = head_revision()
    if revision == head:
        return None
    scripts = ScriptDirectory.from_config(alembic_config())
    known = {script.revision for script in scripts.walk_revisions()}
    if revision not in known:
        return (
            f"the bundle is from schema {revision}, which this aidcoord ({__version__}, schema {head}) does "
            "not know: it is newer (or not aidcoord's); upgrade aidcoord on this side first"
        )
    return (
        f"the bundle is from schema {revision}, older than this database's {head}: upgrade the exporting "
        "instance (`aidcoord db upgrade`) and export again"
    )


def _checked_rows(
    manifest: Manifest, files: Mapping[str, bytes], report: Progress
) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows, parsed and checked against the manifest's counts and digests."""
    problems: list[Problem] = []
    rows_by_table: dict[str, list[dict[str, Any]]] = {}
    listed = {t.name: t for t in manifest.tables}
    digests: list[TableDigest] = []
    tables = bundle.exported_tables()
    for i, table in enumerate(tables):
        report(f"checking {table.name}", 0.1 + 0.4 * i / len(tables))
        entry = listed[table.name]
        rows = bundle.parse_table(table, entry.file, files[entry.file], problems)
        if len(rows) != entry.rows:
            problems.append(
                Problem(f"has {len(rows):,} rows, the manifest says {entry.rows:,}", file=entry.file)
            )
        part = table_digest(table, rows)
        if part.digest != entry.digest:
            problems.append(
                Problem("its rows do not match the table digest in the manifest", file=entry.file)
            )
        digests.append(part)
        rows_by_table[table.name] = rows
    if problems:
        raise ValidationFailed(f"the bundle's tables are invalid: {len(problems)} problems", problems)
    if combined_digest(digests).digest != manifest.state_digest:
        refuse_invalid(
            "the bundle",
            [
                Problem(
                    "the tables do not give the state digest it records", file=MANIFEST, column="state_digest"
                )
            ],
        )
    return rows_by_table


def _check_chain(manifest: Manifest, records: Sequence[Mapping[str, Any]]) -> None:
    """The bundle's audit chain must verify, in the file's order, and end at the manifest's head."""
    file = bundle.table_file("audit_log")
    for line, (earlier, later) in enumerate(itertools.pairwise(records), start=2):
        if later["seq"] < earlier["seq"]:
            raise ValidationFailed(
                f"the bundle's audit chain is out of order: record {later['seq']} comes after record "
                f"{earlier['seq']}",
                [Problem(f"record {later['seq']} comes after record {earlier['seq']}", file=file, row=line)],
            )
    outcome = audit.verify_entries(AuditEntry(**record) for record in records)
    if not outcome.ok:
        raise ValidationFailed(
            f"the bundle's audit chain is broken: {outcome.problem}",
            [Problem(outcome.problem or "broken", file=file, row=(outcome.checked + 1))],
        )
    if (outcome.head_seq, outcome.head_hash) != (manifest.audit_head_seq, manifest.audit_head_hash):
        ends = f"record {outcome.head_seq}" if outcome.head_seq else "no record"
        says = f"record {manifest.audit_head_seq}" if manifest.audit_head_seq else "no record"
        raise ValidationFailed(
            f"the bundle's audit chain ends at {ends} but its manifest's head is {says}: records are "
            "missing at its end (truncated) or the head was changed",
            [Problem(f"ends at {ends}, not at {says}", file=file)],
        )


def read_bundle(
    content: bytes, *, source: str, expect_fingerprint: str | None = None, progress: Progress | None = None
) -> tuple[Manifest, str, dict[str, bytes], dict[str, list[dict[str, Any]]]]:
    """Read and check a bundle completely, writing nothing: manifest, fingerprint, files and rows.

    Refused (ValidationFailed naming file, row and field) when it is not an aidcoord state bundle, when
    its fingerprint is not the one expected, when it is from another schema, when a file is missing,
    unlisted, or differs from the manifest, when a row does not fit its table, or when the audit chain
    is broken, reordered or cut short.
    """
    report = progress or _noop
    report("reading the bundle", 0.0)
    files = bundle.read_archive(content, source)
    if MANIFEST not in files:
        raise ValidationFailed(
            f"{source} is not an aidcoord state bundle: it has no {MANIFEST}",
            [Problem("is missing", file=MANIFEST)],
        )
    fingerprint = bundle.sha256(files[MANIFEST])
    if expect_fingerprint is not None and fingerprint != expect_fingerprint.strip().lower():
        raise ValidationFailed(
            f"the bundle's fingerprint is {fingerprint}, not the {expect_fingerprint} expected: it is not "
            "the bundle that was exported",
            [Problem("its sha256 differs from the fingerprint given", file=MANIFEST)],
        )
    manifest = bundle.parse_manifest(files[MANIFEST])
    wrong_revision = _revision_problem(manifest.schema_revision)
    if wrong_revision is not None:
        raise ValidationFailed(
            wrong_revision, [Problem(wrong_revision, file=MANIFEST, column="schema_revision")]
        )
    problems = bundle.file_problems(manifest, files) + bundle.table_problems(
        manifest, bundle.exported_tables()
    )
    if problems:
        raise ValidationFailed(f"the bundle is refused: {len(problems)} problems", problems)
    rows = _checked_rows(manifest, files, report)
    report("checking the audit chain", 0.5)
    _check_chain(manifest, rows["audit_log"])
    return manifest, fingerprint, files, rows


def _occupied(session: Session) -> dict[str, int]:
    """Tables (other than the instance's identity) that hold rows, with their counts."""
    counts = {
        table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
        for table in metadata.sorted_tables
        if table.name != "instance"
    }
    return {name: n for name, n in counts.items() if n}


def _reset_sequences(session: Session, tables: Sequence[Table]) -> None:
    """On PostgreSQL, move each serial key's sequence past the ids just inserted with explicit values."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite's rowid keys continue after the largest id by themselves
    for table in tables:
        for column in table.primary_key.columns:
            sequence = session.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": f'"{table.name}"', "column": column.name},
            )
            if sequence is None:
                continue
            top = session.scalar(select(func.max(column)))
            session.execute(
                text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
                {"sequence": sequence, "value": top or 1, "called": top is not None},
            )


def _scenario_problems(session: Session, files: Mapping[str, bytes]) -> list[Problem]:
    """The bundle's scenario package must be exactly what the imported tables give."""
    given = bundle.scenario_files(files)
    made = {} if dataset.is_empty(session) else package_files(dataset.export_scenario(session, actor=SYSTEM))
    return [
        Problem("does not match the imported tables", file=bundle.SCENARIO_DIR + name)
        for name in sorted(set(given) | set(made))
        if given.get(name) != made.get(name)
    ]


def import_state(
    engine: Engine,
    *,
    actor: Actor,
    content: bytes,
    source: str,
    lead: str,
    expect_fingerprint: str | None = None,
    progress: Progress | None = None,
) -> ImportedBundle:
    """Import a bundle into an empty database in one transaction, and record the handover to `lead`.

    Everything is checked before anything is written (see `read_bundle`); a database that holds any
    state is refused (409). The import is rolled back unless the imported state's digest equals the
    bundle's and its scenario package matches the imported tables. The handover is appended to the
    imported audit chain (`state.import`) with the new lead organisation, the source instance and the
    bundle's fingerprint. Coordinators only (the command line's operator).
    """
    require_role(actor, "coordinator")
    lead = lead.strip()
    if not lead or len(lead) > MAX_LEAD:
        refuse_invalid(
            "the handover",
            [Problem(f"name the new lead organisation (1-{MAX_LEAD} characters)", column="lead")],
        )
    report = progress or _noop
    manifest, fingerprint, files, rows = read_bundle(
        content, source=source, expect_fingerprint=expect_fingerprint, progress=report
    )
    tables = bundle.exported_tables()
    with session_scope(engine) as session:
        occupied = _occupied(session)
        if occupied:
            held = ", ".join(f"{n:,} in {name}" for name, n in sorted(occupied.items()))
            raise Conflict(
                f"the database is not empty ({held}): import a bundle into a new database made with "
                "`aidcoord db upgrade`"
            )
        for i, table in enumerate(tables):
            report(f"writing {table.name}", 0.55 + 0.35 * i / len(tables))
            table_rows = rows[table.name]
            for start in range(0, len(table_rows), INSERT_BATCH):
                session.execute(table.insert(), table_rows[start : start + INSERT_BATCH])
        session.flush()
        _reset_sequences(session, tables)
        report("checking the imported state", 0.92)
        problems = _scenario_problems(session, files)
        imported = _digest_of_session(session)
        if imported.digest != manifest.state_digest:
            listed = {t.name: t.digest for t in manifest.tables}
            problems += [
                Problem("was not imported exactly (its digest differs)", file=bundle.table_file(t.name))
                for t in imported.tables
                if listed.get(t.name) != t.digest
            ]
        refuse_invalid("the import", problems)
        users = len(rows["users"])
        seq = audit.record(
            session,
            actor=actor,
            action=HANDOVER_ACTION,
            entity="state",
            entity_id=fingerprint,
            after={
                "lead_organisation": lead,
                "from_instance": manifest.instance_id,
                "to_instance": instance_id(session),
                "exported_at": manifest.exported_at,
                "exported_by": manifest.exported_by,
                "bundle_fingerprint": fingerprint,
                "state_digest": manifest.state_digest,
                "audit_head": {"seq": manifest.audit_head_seq, "hash": manifest.audit_head_hash},
                "rows": {t.name: t.rows for t in manifest.tables},
            },
            reason=f"handover of coordination to {lead}",
        )
    report("done", 1.0)
    return ImportedBundle(
        manifest=manifest, fingerprint=fingerprint, handover_seq=seq, users_without_secrets=users
    )
