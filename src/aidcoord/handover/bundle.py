"""The state bundle's format: which tables travel, how rows are written and read, and the archive.

A bundle is a gzip-compressed tar archive of plain files:

- `manifest.json`: what the bundle holds (format, schema revision, exporting instance and time, the
  tables with their columns and row counts, the audit chain's head, the state digest) and the size and
  sha256 of every other file;
- `tables/<table>.jsonl`: every row of a table as canonical JSON (sorted keys), one a line, in primary
  key order;
- `scenario/…`: the reference data as a Scenario Data Package, for people and spreadsheets (the import
  checks that it is exactly the package the imported tables give).

The sha256 of `manifest.json` is the bundle's fingerprint: the exporting lead passes it to the receiving
one through another channel, so that a bundle altered together with its manifest is refused too.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Float, Integer, String, Table

from aidcoord.audit.service import canonical_json
from aidcoord.db.all_models import metadata
from aidcoord.errors import Problem, ValidationFailed

FORMAT = "aidcoord-state"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TABLES_DIR = "tables/"
SCENARIO_DIR = "scenario/"

EXCLUDED_TABLES: Mapping[str, str] = {
    "credentials": "API tokens and browser sessions are secrets: the new lead issues new ones",
    "instance": "the identity of a database, not part of the state it holds",
    "jobs": "background work of one database (queued runs, progress, cached results), not its state",
}
"""Tables that never travel, and why."""

REDACTED_COLUMNS: Mapping[str, Mapping[str, str]] = {
    "users": {"password_hash": "password hashes are secrets: users set new passwords after a handover"},
}
"""Columns that never travel (imported as NULL), and why."""

HANDOVER_ACTION = "state.import"
"""The audit action recording a handover; such records are the move itself, not state (see digest)."""

# A bundle is read into memory before anything is written; these bound what a hostile file can cost.
MAX_MEMBERS = 200
MAX_MEMBER_BYTES = 1 << 30
MAX_TOTAL_BYTES = 2 << 30


def exported_tables() -> list[Table]:
    """The tables a bundle carries, parents before children (the order rows are inserted in)."""
    return [t for t in metadata.sorted_tables if t.name not in EXCLUDED_TABLES]


def exported_columns(table: Table) -> list[Column[Any]]:
    """The columns of `table` a bundle carries (all but the redacted ones)."""
    redacted = REDACTED_COLUMNS.get(table.name, {})
    return [c for c in table.columns if c.name not in redacted]


def table_file(name: str) -> str:
    """The bundle file of table `name`."""
    return f"{TABLES_DIR}{name}.jsonl"


def sha256(content: bytes) -> str:
    """The hex sha256 of `content`."""
    return hashlib.sha256(content).hexdigest()


# ---------------------------------------------------------------------------------------------------
# Rows


def row_key(table: Table, row: Mapping[str, Any]) -> tuple[Any, ...]:
    """The sort key of a row: its primary key values (ids compare as Python does, on every database)."""
    return tuple(row[c.name] for c in table.primary_key.columns)


def row_line(table: Table, row: Mapping[str, Any]) -> str:
    """One row as canonical JSON of its exported columns (datetimes as UTC `…Z`, dates ISO 8601)."""
    return canonical_json({c.name: row[c.name] for c in exported_columns(table)})


def _decoded(column: Column[Any], value: Any) -> tuple[Any, str | None]:
    """A JSON value read back as the column's Python value, or why it cannot be."""
    kind = column.type
    if value is None:
        return None, None if column.nullable else "is empty but required"
    if isinstance(kind, JSON):
        return value, None
    if isinstance(kind, Boolean):
        return (value, None) if isinstance(value, bool) else (None, "is not true or false")
    if isinstance(kind, Integer):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return (value, None) if ok else (None, "is not an integer")
    if isinstance(kind, Float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return (float(value), None) if ok else (None, "is not a number")
    if isinstance(kind, DateTime | Date):
        if not isinstance(value, str):
            return None, "is not a date"
        try:
            if isinstance(kind, DateTime):
                moment = dt.datetime.fromisoformat(value)
                if moment.tzinfo is None:
                    return None, "is a time without its UTC offset"
                return moment.astimezone(dt.UTC), None
            return dt.date.fromisoformat(value), None
        except ValueError:
            return None, f"is not an ISO 8601 {'time' if isinstance(kind, DateTime) else 'date'}"
    if isinstance(kind, String):
        if not isinstance(value, str):
            return None, "is not text"
        if kind.length is not None and len(value) > kind.length:
            return None, f"is longer than {kind.length} characters"
        return value, None
    return None, f"has a column type {type(kind).__name__} this bundle format cannot carry"


def parse_table(table: Table, file: str, content: bytes, problems: list[Problem]) -> list[dict[str, Any]]:
    """The rows of a table file, each checked against the table's columns; problems name file and line."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        problems.append(Problem(f"is not UTF-8 text (byte {error.start})", file=file))
        return []
    columns = exported_columns(table)
    names = {c.name for c in columns}
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(Problem(f"is not JSON: {error.msg}", file=file, row=number))
            continue
        if not isinstance(record, dict):
            problems.append(Problem("is not a JSON object", file=file, row=number))
            continue
        unknown, missing = sorted(set(record) - names), sorted(names - set(record))
        for name in unknown:
            problems.append(Problem(f"{table.name} has no column {name}", file=file, row=number, column=name))
        for name in missing:
            problems.append(Problem("is missing", file=file, row=number, column=name))
        if unknown or missing:
            continue
        row: dict[str, Any] = {}
        for column in columns:
            value, wrong = _decoded(column, record[column.name])
            if wrong is not None:
                problems.append(
                    Problem(f"{record[column.name]!r} {wrong}", file=file, row=number, column=column.name)
                )
            row[column.name] = value
        rows.append(row)
        if len(problems) > 1000:  # the first thousand say enough about a broken file
            break
    return rows


# ---------------------------------------------------------------------------------------------------
# The archive


def write_archive(files: Mapping[str, bytes], *, exported_at: dt.datetime) -> bytes:
    """A gzip-compressed tar of `files` (manifest first, then by name), owned by nobody, read-only."""
    buffer = io.BytesIO()
    stamp = exported_at.timestamp()
    # mtime fixed to the export's time, so the archive's bytes depend only on its content and that time.
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", mtime=int(stamp)) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for name in sorted(files, key=lambda n: (n != MANIFEST, n)):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(files[name]), stamp, 0o444
            archive.addfile(info, io.BytesIO(files[name]))
    return buffer.getvalue()


def _member_problem(member: tarfile.TarInfo, seen: set[str]) -> str | None:
    name = member.name
    if not member.isfile():
        return "is not a plain file (links and folders are refused)"
    if name.startswith("/") or "\\" in name or any(part in {"", ".", ".."} for part in name.split("/")):
        return "has a path that leaves the bundle"
    if name in seen:
        return "appears twice"
    if member.size > MAX_MEMBER_BYTES:
        return f"is larger than {MAX_MEMBER_BYTES:,} bytes"
    return None


def read_archive(content: bytes, source: str) -> dict[str, bytes]:
    """Every file of a bundle by name, read into memory within the size limits; never extracted to disk."""
    files: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as archive:
            for member in archive:
                wrong = _member_problem(member, set(files))
                if wrong is not None:
                    raise ValidationFailed(
                        f"{source} is refused: {member.name} {wrong}", [Problem(wrong, file=member.name)]
                    )
                total += member.size
                if len(files) >= MAX_MEMBERS or total > MAX_TOTAL_BYTES:
                    raise ValidationFailed(
                        f"{source} is refused: more than {MAX_MEMBERS} files or {MAX_TOTAL_BYTES:,} bytes",
                        [Problem("the bundle is too large", file=source)],
                    )
                extracted = archive.extractfile(member)
                files[member.name] = extracted.read() if extracted is not None else b""
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, OSError, UnicodeError) as error:
        raise ValidationFailed(
            f"{source} is not an aidcoord state bundle (a gzip-compressed tar): {error}",
            [Problem("is not a gzip-compressed tar archive", file=source)],
        ) from None
    return files


# ---------------------------------------------------------------------------------------------------
# The manifest


@dataclass(frozen=True, slots=True)
class TableEntry:
    """A table in the manifest: its file, columns and rows, and its digest (see service.digest)."""

    name: str
    file: str
    columns: tuple[str, ...]
    rows: int
    digest: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a bundle says about itself."""

    aidcoord_version: str
    schema_revision: str
    exported_at: str
    exported_by: str
    instance_id: str
    scenario: str | None
    tables: tuple[TableEntry, ...]
    audit_head_seq: int | None
    audit_head_hash: str | None
    state_digest: str
    files: Mapping[str, tuple[int, str]]

    def to_json(self) -> bytes:
        """The manifest file's bytes: indented JSON with sorted keys and a final newline."""
        doc = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "aidcoord_version": self.aidcoord_version,
            "schema_revision": self.schema_revision,
            "exported_at": self.exported_at,
            "exported_by": self.exported_by,
            "instance_id": self.instance_id,
            "scenario": self.scenario,
            "tables": {
                t.name: {"file": t.file, "columns": list(t.columns), "rows": t.rows, "digest": t.digest}
                for t in self.tables
            },
            "excluded": {
                **dict(EXCLUDED_TABLES),
                **{f"{t}.{c}": why for t, cols in REDACTED_COLUMNS.items() for c, why in cols.items()},
            },
            "audit_head": (
                None
                if self.audit_head_seq is None
                else {"seq": self.audit_head_seq, "hash": self.audit_head_hash}
            ),
            "state_digest": self.state_digest,
            "files": {name: {"bytes": size, "sha256": digest} for name, (size, digest) in self.files.items()},
        }
        return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _field(doc: Mapping[str, Any], name: str, kind: type | tuple[type, ...], problems: list[Problem]) -> Any:
    value = doc.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        problems.append(Problem("is missing or of the wrong type", file=MANIFEST, column=name))
        return None
    return value


def _table_entries(doc: Any, problems: list[Problem]) -> tuple[TableEntry, ...]:
    if not isinstance(doc, dict):
        return ()
    entries: list[TableEntry] = []
    for name, entry in sorted(doc.items()):
        where = f"tables.{name}"
        ok = (
            isinstance(entry, dict)
            and isinstance(entry.get("file"), str)
            and isinstance(entry.get("columns"), list)
            and all(isinstance(c, str) for c in entry["columns"])
            and isinstance(entry.get("rows"), int)
            and not isinstance(entry.get("rows"), bool)
            and isinstance(entry.get("digest"), str)
        )
        if not ok:
            problems.append(Problem("is not {file, columns, rows, digest}", file=MANIFEST, column=where))
            continue
        entries.append(
            TableEntry(name, entry["file"], tuple(entry["columns"]), entry["rows"], entry["digest"])
        )
    return tuple(entries)


def _file_entries(doc: Any, problems: list[Problem]) -> dict[str, tuple[int, str]]:
    files: dict[str, tuple[int, str]] = {}
    if not isinstance(doc, dict):
        return files
    for name, entry in doc.items():
        size = entry.get("bytes") if isinstance(entry, dict) else None
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if not isinstance(size, int) or isinstance(size, bool) or not isinstance(digest, str):
            problems.append(Problem("is not {bytes, sha256}", file=MANIFEST, column=f"files.{name}"))
            continue
        files[name] = (size, digest)
    return files


def parse_manifest(content: bytes) -> Manifest:
    """Read `manifest.json`; a file that is not an aidcoord state manifest is refused naming the field."""
    try:
        doc = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed(
            "the bundle's manifest.json is not JSON", [Problem("is not JSON", file=MANIFEST)]
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValidationFailed(
            f"this is not an aidcoord state bundle: its manifest's format is not {FORMAT!r}",
            [Problem(f"is not {FORMAT!r}", file=MANIFEST, column="format")],
        )
    if doc.get("format_version") != FORMAT_VERSION:
        raise ValidationFailed(
            f"the bundle's format version {doc.get('format_version')!r} is not the {FORMAT_VERSION} this "
            "aidcoord reads",
            [Problem(f"is not {FORMAT_VERSION}", file=MANIFEST, column="format_version")],
        )
    problems: list[Problem] = []
    text_fields = ("aidcoord_version", "schema_revision", "exported_at", "exported_by", "instance_id")
    values = {name: _field(doc, name, str, problems) for name in text_fields}
    scenario = doc.get("scenario")
    if scenario is not None and not isinstance(scenario, str):
        problems.append(Problem("is not text", file=MANIFEST, column="scenario"))
    head = doc.get("audit_head")
    head_seq = head.get("seq") if isinstance(head, dict) else None
    head_hash = head.get("hash") if isinstance(head, dict) else None
    if head is not None and not (isinstance(head_seq, int) and isinstance(head_hash, str)):
        problems.append(Problem("is not {seq, hash}", file=MANIFEST, column="audit_head"))
    tables = _table_entries(_field(doc, "tables", dict, problems), problems)
    files = _file_entries(_field(doc, "files", dict, problems), problems)
    digest = _field(doc, "state_digest", str, problems)
    if problems:
        raise ValidationFailed(f"the bundle's manifest is invalid: {len(problems)} problems", problems)
    return Manifest(
        aidcoord_version=values["aidcoord_version"],
        schema_revision=values["schema_revision"],
        exported_at=values["exported_at"],
        exported_by=values["exported_by"],
        instance_id=values["instance_id"],
        scenario=scenario,
        tables=tables,
        audit_head_seq=head_seq,
        audit_head_hash=head_hash,
        state_digest=digest,
        files=files,
    )


def file_problems(manifest: Manifest, files: Mapping[str, bytes]) -> list[Problem]:
    """Files missing, unlisted, or whose size or sha256 differ from the manifest's."""
    problems: list[Problem] = []
    for name, (size, digest) in sorted(manifest.files.items()):
        if name not in files:
            problems.append(Problem("is listed in the manifest but missing from the bundle", file=name))
        elif len(files[name]) != size:
            problems.append(Problem(f"has {len(files[name]):,} bytes, the manifest says {size:,}", file=name))
        elif sha256(files[name]) != digest:
            problems.append(Problem("was changed: its sha256 differs from the manifest's", file=name))
    for name in sorted(set(files) - set(manifest.files) - {MANIFEST}):
        problems.append(Problem("is not listed in the manifest (a foreign file)", file=name))
    return problems


def table_problems(manifest: Manifest, expected: Sequence[Table]) -> list[Problem]:
    """Tables the manifest lacks or adds, or whose columns differ from this schema's."""
    problems: list[Problem] = []
    listed = {t.name: t for t in manifest.tables}
    for table in expected:
        entry = listed.pop(table.name, None)
        where = f"tables.{table.name}"
        if entry is None:
            problems.append(Problem("is missing", file=MANIFEST, column=where))
            continue
        columns = tuple(c.name for c in exported_columns(table))
        if entry.columns != columns:
            problems.append(
                Problem(
                    f"has columns {list(entry.columns)}, not {list(columns)}", file=MANIFEST, column=where
                )
            )
        if entry.file != table_file(table.name):
            problems.append(
                Problem(
                    f"names file {entry.file!r}, not {table_file(table.name)!r}", file=MANIFEST, column=where
                )
            )
    for name in sorted(listed):
        problems.append(Problem("is not a table of this schema", file=MANIFEST, column=f"tables.{name}"))
    return problems


def scenario_files(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The bundle's Scenario Data Package files by their name within the package."""
    return {
        name[len(SCENARIO_DIR) :]: content for name, content in files.items() if name.startswith(SCENARIO_DIR)
    }
