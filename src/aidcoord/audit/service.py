"""Use cases of the audit domain: append a record to the hash chain, verify the chain, list the history.

Every record carries `hash = sha256(prev_hash + "\\n" + canonical JSON of its fields)`, the first one
chaining to 64 zeros. Changing any field of a stored record, or deleting one, therefore breaks the chain
at that record, and `verify` names it. What a chain alone cannot show: records cut off at the end (the
new last record is still consistent), and a history rewritten from some record onwards with every later
hash recomputed. Against both, keep the head (`AuditVerification.head_seq`/`head_hash`, printed by
`aidcoord audit verify`) somewhere outside the database and compare it later.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import json
import math
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, event, func, select, text
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql.elements import ColumnElement

from aidcoord.access.actor import Actor, require_role
from aidcoord.audit.models import AuditRecord
from aidcoord.db.bulk import insert_many
from aidcoord.db.listing import window_problems
from aidcoord.errors import Problem, ValidationFailed, refuse_invalid

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Progress = Callable[[str, float], None]

GENESIS_HASH = "0" * 64
"""The `prev_hash` of the first record."""

ACTIONS_NEEDING_A_REASON = frozenset({"plan.approve", "offer.withdraw"})
"""Actions that are refused without a (non-blank) reason: the reason is part of the record."""

READ_ROLES = ("auditor", "coordinator")

# Any constant will do as long as nothing else in the database uses it: every appender takes this
# transaction-scoped advisory lock on PostgreSQL before reading the head, so two transactions never
# chain to the same record. (SQLite write transactions are serialised by BEGIN IMMEDIATE already.)
ADVISORY_LOCK_KEY = 0x6169_6463_6175_6474  # "aidcaudt"

# Records are verified in batches read by key (seq > last), so memory stays flat for any length.
VERIFY_BATCH = 5000

# Column sizes of the table; longer values would be refused by PostgreSQL and silently kept by SQLite.
_LIMITS = {
    "user_id": 64,
    "organisation_id": 64,
    "action": 64,
    "entity": 64,
    "entity_id": 200,
    "request_id": 64,
}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One stored record, exactly as stored: `before` and `after` are canonical JSON text (or None)."""

    seq: int
    at: str
    user_id: str
    organisation_id: str
    action: str
    entity: str
    entity_id: str
    before: str | None
    after: str | None
    reason: str | None
    request_id: str | None
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class AuditPage:
    """A page of records, newest first, and how many match in all."""

    items: tuple[AuditEntry, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class AuditVerification:
    """The outcome of recomputing the chain.

    `checked` counts the records found intact before the first broken one (all of them when `ok`);
    `first_broken_seq` and `problem` name the first broken record. `head_seq` and `head_hash` are the
    last intact record's, to be kept outside the database (see the module's docstring).
    """

    ok: bool
    checked: int
    first_broken_seq: int | None
    problem: str | None
    head_seq: int | None
    head_hash: str | None


# ---------------------------------------------------------------------------------------------------
# Canonical JSON and the hash


@functools.lru_cache(maxsize=1024)
def _utc_text(value: dt.datetime) -> str:
    # Remembered: a batch's records repeat the same few times (its own, the shipments' creation).
    # Equal datetimes are the same instant, so they have the same UTC text.
    # Naive datetimes are UTC by this codebase's convention (SQLite hands DateTime columns back naive).
    naive = value if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)
    if naive.year < 1000:
        # strftime writes such years unpadded: kept, since stored hashes were computed with it.
        return naive.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # The same text as strftime above, at a fraction of the cost (bulk ingestion writes thousands).
    return naive.isoformat(timespec="microseconds") + "Z"


def _key(key: object) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    raise TypeError(f"canonical JSON keys must be strings or integers, got {type(key).__name__}")


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


_Convert = Callable[[Any], Any]


def _plain(value: Any) -> Any:
    """`value` as plain JSON types (dict, list, str, int, float, bool, None), in a canonical form."""
    kind = type(value)
    if kind in _NATIVE:
        return value
    return (_CONVERTERS.get(kind) or _converter(kind))(value)


_NATIVE = frozenset({str, int, bool, type(None)})
"""Types written as they are, checked inline by the converters of containers: most values of a record
are of these, and a function call per value was most of the cost."""


def _as_is(value: Any) -> Any:
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"canonical JSON has no {value}")
    return value


def _enum_value(value: enum.Enum) -> Any:
    return _plain(value.value)


def _mapping(value: Mapping[Any, Any]) -> dict[str, Any]:
    plain = {_key(k): v if type(v) in _NATIVE else _plain(v) for k, v in value.items()}
    if len(plain) != len(value):
        raise ValueError("canonical JSON keys collide once written as strings")
    return plain


def _decimal(value: Decimal) -> int | str:
    # Exact: an integral Decimal as an integer, any other as its decimal text (never a lossy float).
    if not value.is_finite():
        raise ValueError(f"canonical JSON has no {value}")
    return int(value) if value == value.to_integral_value() else format(value.normalize(), "f")


def _sorted_set(value: set[Any] | frozenset[Any]) -> list[Any]:
    # Sets have no order: sort by each element's own canonical text so mixed types sort too.
    return sorted((_plain(v) for v in value), key=canonical_json)


def _sequence(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [v if type(v) in _NATIVE else _plain(v) for v in value]


def _dataclass_converter(kind: type) -> _Convert:
    # Field by field rather than dataclasses.asdict, which deep-copies every value first.
    names = _field_names(kind)

    def convert(value: Any) -> dict[str, Any]:
        plain = {}
        for name in names:
            field = getattr(value, name)
            plain[name] = field if type(field) in _NATIVE else _plain(field)
        return plain

    return convert


def _converter(kind: type) -> _Convert:
    """How values of exactly `kind` are converted, found once per type (the order of checks matters:
    a bool is an int, a StrEnum a str, a datetime a date) and remembered in `_CONVERTERS`."""
    convert: _Convert
    if issubclass(kind, str | bool | int) or kind is type(None):
        convert = _as_is
    elif issubclass(kind, float):
        convert = _finite
    elif issubclass(kind, enum.Enum):
        convert = _enum_value
    elif dataclasses.is_dataclass(kind) and not issubclass(kind, type):
        convert = _dataclass_converter(kind)
    elif issubclass(kind, Mapping):
        convert = _mapping
    elif issubclass(kind, dt.datetime):
        convert = _utc_text
    elif issubclass(kind, dt.date):
        convert = kind.isoformat
    elif issubclass(kind, Decimal):
        convert = _decimal
    elif issubclass(kind, uuid.UUID):
        convert = str
    elif issubclass(kind, set | frozenset):
        convert = _sorted_set
    elif issubclass(kind, list | tuple):
        convert = _sequence
    else:
        raise TypeError(f"{kind.__name__} cannot be written as canonical JSON")
    _CONVERTERS[kind] = convert
    return convert


_CONVERTERS: dict[type, _Convert] = {}
"""`_converter`'s answers by exact type: one dict lookup per value instead of a chain of isinstance checks
(the audit records of a batch of 1,000 events hold tens of thousands of values)."""


def canonical_json(value: Any) -> str:
    """`value` as canonical JSON: sorted keys, no spaces, UTF-8 text kept, datetimes as UTC `…Z`.

    Dataclasses become objects of their fields, dates ISO 8601, sets sorted lists, tuples lists;
    NaN and infinities are refused (ValueError), as is any other type (TypeError).
    """
    return _ENCODER.encode(_plain(value))


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
"""`canonical_json`'s encoder, made once (json.dumps makes one per call when given options)."""


HASHED_FIELDS = (
    "seq",
    "at",
    "user_id",
    "organisation_id",
    "action",
    "entity",
    "entity_id",
    "before",
    "after",
    "reason",
    "request_id",
)
"""The fields of a record that its hash covers: all but the two hashes."""


def _hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in HASHED_FIELDS}


def record_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """sha256 over the previous record's hash, a newline and the canonical JSON of this record's fields."""
    return hashlib.sha256((prev_hash + "\n" + _fields_json(fields)).encode("utf-8")).hexdigest()


_SORTED_HASHED = tuple(sorted(HASHED_FIELDS))
_KEY_TEXTS = tuple(json.dumps(name) + ":" for name in _SORTED_HASHED)
_encode_text: Callable[[str], str] = json.encoder.encode_basestring
"""The string encoder `_ENCODER` uses (ensure_ascii=False)."""


def _fields_json(fields: Mapping[str, Any]) -> str:
    """`canonical_json(fields)`, written directly when `fields` are exactly HASHED_FIELDS and each is a
    str, an int or None (as every record's are): hashing a batch's records is on its critical path."""
    if fields.keys() != _HASHED_SET:
        return canonical_json(fields)
    parts = []
    for key, name in zip(_KEY_TEXTS, _SORTED_HASHED, strict=True):
        value = fields[name]
        kind = type(value)
        if kind is str:
            parts.append(key + _encode_text(value))
        elif value is None:
            parts.append(key + "null")
        elif kind is int:
            parts.append(key + int.__repr__(value))
        else:
            return canonical_json(fields)
    return "{" + ",".join(parts) + "}"


_HASHED_SET = frozenset(HASHED_FIELDS)


# ---------------------------------------------------------------------------------------------------
# Appending


def _snapshot(value: Mapping[str, Any] | DataclassInstance | None, name: str) -> str | None:
    if value is None:
        return None
    is_record = isinstance(value, Mapping) or (
        dataclasses.is_dataclass(value) and not isinstance(value, type)
    )
    if not is_record:
        raise TypeError(f"{name} must be a mapping, a dataclass or None, got {type(value).__name__}")
    return canonical_json(value)


def _lock_head(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # Held until this transaction ends, so the next appender reads the head this one writes.
        # READ COMMITTED (the default) gives the SELECT after the lock a fresh snapshot.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})


def _locked_head(session: Session) -> tuple[int, str]:
    """Take the chain's lock (PostgreSQL) and read the head: (seq, hash) of the last record.

    Everyone's appends queue on the lock until the holder commits, so the holder's pending changes
    are written first (outside the queue), and on PostgreSQL the lock and the head's read go in one
    round trip: two statements of one simple query, the second with a snapshot taken after the first
    got the lock.
    """
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        dbapi_connection: Any = session.connection().connection.dbapi_connection
        with dbapi_connection.cursor() as cursor:
            cursor.execute(
                f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY}); "
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
            )
            cursor.nextset()
            last = cursor.fetchone()
    else:
        last = session.execute(
            select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)
        ).first()
    return (int(last[0]), str(last[1])) if last is not None else (0, GENESIS_HASH)


def _values(
    actor: Actor,
    action: str,
    entity: str,
    entity_id: str,
    before: Mapping[str, Any] | DataclassInstance | None,
    after: Mapping[str, Any] | DataclassInstance | None,
    reason: str | None,
) -> dict[str, Any]:
    """A record's fields but its seq, time and hashes, checked; `before` and `after` as canonical JSON."""
    values: dict[str, Any] = {
        "user_id": actor.user_id,
        "organisation_id": actor.organisation_id,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "request_id": actor.request_id,
    }
    for name, value in values.items():
        if name != "request_id" and not value:
            raise ValueError(f"an audit record needs a non-empty {name}")
        if value is not None and len(value) > _LIMITS[name]:
            raise ValueError(f"an audit record's {name} has at most {_LIMITS[name]} characters: {value!r}")
    if action in ACTIONS_NEEDING_A_REASON and not (reason or "").strip():
        refuse_invalid(
            f"{action} of {entity} {entity_id!r}", [Problem("a reason is required", column="reason")]
        )
    values["before"] = _snapshot(before, "before")
    values["after"] = _snapshot(after, "after")
    values["reason"] = reason
    return values


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: str,
    before: Mapping[str, Any] | DataclassInstance | None = None,
    after: Mapping[str, Any] | DataclassInstance | None = None,
    reason: str | None = None,
) -> int:
    """Append one record to the chain in the caller's transaction (flushed, not committed); its seq.

    `before` and `after` are mappings or dataclasses (None for a creation or a deletion) and are stored
    as canonical JSON. The actor's user, organisation and request id are recorded. Actions in
    ACTIONS_NEEDING_A_REASON are refused (422) without a reason. On PostgreSQL appenders queue on an
    advisory lock held to the end of their transaction, so call this after the change's own row locks
    (a transaction that locks rows after appending could deadlock with one waiting to append; PostgreSQL
    would then abort one of them).
    """
    values = _values(actor, action, entity, entity_id, before, after, reason)
    _lock_head(session)
    head = session.execute(
        select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)
    )
    last = head.first()
    prev_seq, prev_hash = (int(last.seq), str(last.hash)) if last is not None else (0, GENESIS_HASH)
    values["seq"] = prev_seq + 1
    values["at"] = _utc_text(dt.datetime.now(dt.UTC))
    hashed = {name: values[name] for name in HASHED_FIELDS}
    row = AuditRecord(**values, prev_hash=prev_hash, hash=record_hash(prev_hash, hashed))
    session.add(row)
    session.flush()
    return row.seq


@dataclass(frozen=True, slots=True)
class Change:
    """One change for `record_many`: what `record` takes besides the session and the actor."""

    action: str
    entity: str
    entity_id: str
    before: Mapping[str, Any] | DataclassInstance | None = None
    after: Mapping[str, Any] | DataclassInstance | None = None
    reason: str | None = None


# Stand-ins for the two fields only known under the lock; the canonical JSON of a record's fields is
# cut around them (their quotes cannot occur unescaped inside any string value).
_AT_CUT = ',"at":"@at@",'
_SEQ_CUT = ',"seq":0,"user_id":'

# One simple query (so two statements): the lock, then, with a snapshot taken after it was granted,
# the record numbered, timed and hashed after the head, exactly as `record_hash` would.
_APPEND_ON_SERVER = f"""SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY});
INSERT INTO audit_log (seq, at, user_id, organisation_id, action, entity, entity_id, before, after,
                       reason, request_id, prev_hash, hash)
SELECT head.seq + 1, head.at, %(user_id)s, %(organisation_id)s, %(action)s, %(entity)s, %(entity_id)s,
       %(before)s, %(after)s, %(reason)s, %(request_id)s, head.hash,
       encode(sha256(convert_to(head.hash || chr(10) || %(part1)s || ',"at":"' || head.at || '",'
                                || %(part2)s || ',"seq":' || (head.seq + 1)::text || ',"user_id":'
                                || %(part3)s, 'UTF8')), 'hex')
FROM (
    SELECT coalesce(last.seq, 0) AS seq, coalesce(last.hash, '{GENESIS_HASH}') AS hash,
           to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS last ON true
) AS head
RETURNING seq"""

# The same, and the COMMIT in the same message: for the last thing a transaction does.
_APPEND_ON_SERVER_AND_COMMIT = _APPEND_ON_SERVER + ";\nCOMMIT"


def _append_on_server(session: Session, values: dict[str, Any], *, commit: bool = False) -> int:
    """Append one record on PostgreSQL in a single round trip; its seq.

    The lock is held until the COMMIT, so the time from its grant to the COMMIT is everyone's wait.
    With `commit` (the record is the transaction's last write, appended as it commits) the COMMIT goes
    in the same message, so the server holds the lock only for the insert and the commit's own write:
    never while this client waits for its turn on the CPU, the GIL or the network, which under load
    was most of the time it held it. The driver then sees the transaction ended, and the session's
    own COMMIT sends nothing. The server fills in only the seq, the time and the hashes; the canonical
    JSON around them is made here, by `canonical_json`.
    """
    session.flush()
    text_ = canonical_json({**{name: values.get(name) for name in HASHED_FIELDS}, "at": "@at@", "seq": 0})
    part1, rest = text_.split(_AT_CUT, 1)
    part2, part3 = rest.rsplit(_SEQ_CUT, 1)
    dbapi_connection: Any = session.connection().connection.dbapi_connection
    params = {
        **{name: values[name] for name in _STORED_INPUTS},
        "part1": part1,
        "part2": part2,
        "part3": part3,
    }
    # Client-side binding: the extended protocol takes one statement only.
    import psycopg  # here: PostgreSQL's driver is not loaded for SQLite (see ARCHITECTURE, Rules)

    with psycopg.ClientCursor(dbapi_connection) as cursor:
        cursor.execute(_APPEND_ON_SERVER_AND_COMMIT if commit else _APPEND_ON_SERVER, params)
        cursor.nextset()
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


_STORED_INPUTS = tuple(name for name in HASHED_FIELDS if name not in ("seq", "at"))
"""What the client sends of a record appended on the server: the hashed fields but the two it fills in."""


def _append(session: Session, rows: list[dict[str, Any]], *, committing: bool = False) -> list[int]:
    """Number, chain and insert checked records (see `_values`) after the current head; their seqs.

    `committing`: the session is committing and nothing follows (see `_append_on_server`).
    """
    if len(rows) == 1 and session.get_bind().dialect.name == "postgresql":
        return [_append_on_server(session, rows[0], commit=committing)]
    seq, prev_hash = _locked_head(session)
    for values in rows:
        seq += 1
        values["seq"] = seq
        values["at"] = _utc_text(dt.datetime.now(dt.UTC))
        values["prev_hash"] = prev_hash
        prev_hash = values["hash"] = record_hash(prev_hash, {name: values[name] for name in HASHED_FIELDS})
    insert_many(session, _AUDIT_TABLE, rows)
    return [int(values["seq"]) for values in rows]


_AUDIT_TABLE: Table = AuditRecord.__table__  # type: ignore[assignment]  # a Table, typed as FromClause

_PENDING = "aidcoord.audit.pending"
"""Key in `Session.info` of the records `record_many(at_commit=True)` holds until the commit."""


def record_many(
    session: Session, *, actor: Actor, changes: Sequence[Change], at_commit: bool = False
) -> list[int]:
    """Append one record per change, in order, as many `record` calls would; their seqs.

    For bulk work (a batch of shipment events): the records and the chain are the same as `record`'s,
    written after one head read and in one multi-row INSERT instead of three statements per record.

    With `at_commit`, the records are checked now (errors are raised here) but join the chain when the
    transaction commits, just before COMMIT, and the seqs are not known yet (an empty list comes back).
    For hot paths: on PostgreSQL appenders queue on the chain's lock until they commit, so appending at
    the last moment keeps whatever runs between the change and the COMMIT (the rest of the request,
    rendering the answer, thread hand-offs) out of everyone's queue. Such records are not visible to
    this transaction's own queries, a rollback drops them, and they must not be made in a savepoint.
    """
    rows = [_values(actor, c.action, c.entity, c.entity_id, c.before, c.after, c.reason) for c in changes]
    if not rows:
        return []
    if at_commit:
        session.info.setdefault(_PENDING, []).extend(rows)
        return []
    return _append(session, rows)


@event.listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        _append(session, pending, committing=not session.in_nested_transaction())


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


# ---------------------------------------------------------------------------------------------------
# Verifying


def _columns() -> tuple[Any, ...]:
    return tuple(getattr(AuditRecord, f.name) for f in dataclasses.fields(AuditEntry))


def _entry(row: Sequence[Any]) -> AuditEntry:
    return AuditEntry(*row)


def _broken(entry: AuditEntry, expected_seq: int, prev_hash: str) -> tuple[int, str] | None:
    """Where and how `entry` breaks the chain, expected to be record `expected_seq` after `prev_hash`."""
    if entry.seq > expected_seq:
        missing = (
            f"record {expected_seq} is missing"
            if entry.seq == expected_seq + 1
            else f"records {expected_seq} to {entry.seq - 1} are missing"
        )
        return expected_seq, f"{missing} (the next record is {entry.seq})"
    if entry.seq < expected_seq:
        return entry.seq, f"record {entry.seq} is out of sequence (expected record {expected_seq})"
    if entry.prev_hash != prev_hash:
        before = "the genesis hash" if expected_seq == 1 else f"record {expected_seq - 1}'s hash"
        return entry.seq, f"record {entry.seq} does not chain to {before} (its prev_hash differs)"
    if record_hash(entry.prev_hash, _hashed_fields(entry)) != entry.hash:
        return entry.seq, f"record {entry.seq} was altered (its hash does not match its contents)"
    return None


def verify_entries(entries: Iterable[AuditEntry]) -> AuditVerification:
    """Recompute a chain given in order, starting at record 1 (the stored one, or a bundle's copy).

    A record is broken when a number is missing before it, when it is out of sequence, when its
    prev_hash is not the hash of the record before it, or when its hash does not match its fields.
    """
    checked, last_seq, prev_hash = 0, 0, GENESIS_HASH
    for entry in entries:
        broken = _broken(entry, last_seq + 1, prev_hash)
        if broken is not None:
            return AuditVerification(
                ok=False,
                checked=checked,
                first_broken_seq=broken[0],
                problem=broken[1],
                head_seq=last_seq or None,
                head_hash=prev_hash if last_seq else None,
            )
        checked, last_seq, prev_hash = checked + 1, entry.seq, entry.hash
    return AuditVerification(
        ok=True,
        checked=checked,
        first_broken_seq=None,
        problem=None,
        head_seq=last_seq or None,
        head_hash=prev_hash if last_seq else None,
    )


def _stored_entries(session: Session, progress: Progress | None) -> Iterator[AuditEntry]:
    """The stored records in seq order, read in batches by key so that memory stays flat."""
    total = int(session.scalar(select(func.count()).select_from(AuditRecord)) or 0)
    read, last_seq = 0, 0
    while True:
        batch = session.execute(
            select(*_columns())
            .where(AuditRecord.seq > last_seq)
            .order_by(AuditRecord.seq)
            .limit(VERIFY_BATCH)
        ).all()
        if not batch:
            return
        for row in batch:
            yield _entry(row)
        read, last_seq = read + len(batch), int(batch[-1].seq)
        if progress is not None:
            progress(f"{read:,} of {total:,} records", min(1.0, read / total) if total else 1.0)


def verify(session: Session, *, actor: Actor, progress: Progress | None = None) -> AuditVerification:
    """Recompute the stored chain in seq order; name the first broken record (auditors, coordinators)."""
    require_role(actor, *READ_ROLES)
    return verify_entries(_stored_entries(session, progress))


# ---------------------------------------------------------------------------------------------------
# Listing


def list_entries(
    session: Session,
    *,
    actor: Actor,
    entity: str | None = None,
    entity_id: str | None = None,
    user_id: str | None = None,
    action: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> AuditPage:
    """A page of the records matching the filters, newest first (auditors, coordinators)."""
    require_role(actor, *READ_ROLES)
    problems = window_problems(limit, offset)
    if problems:
        raise ValidationFailed("; ".join(p.message for p in problems), problems)
    where: list[ColumnElement[bool]] = [
        column == value
        for column, value in (
            (AuditRecord.entity, entity),
            (AuditRecord.entity_id, entity_id),
            (AuditRecord.user_id, user_id),
            (AuditRecord.action, action),
        )
        if value is not None
    ]
    total = session.scalar(select(func.count()).select_from(AuditRecord).where(*where))
    rows = session.execute(
        select(*_columns()).where(*where).order_by(AuditRecord.seq.desc()).limit(limit).offset(offset)
    )
    return AuditPage(items=tuple(_entry(r) for r in rows), total=int(total or 0), limit=limit, offset=offset)
