"""Appending to the chain, canonical JSON, listing and rights (service functions, both backends)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from aidcoord.access.actor import SYSTEM
from aidcoord.audit import service as audit
from aidcoord.audit.models import AuditRecord
from aidcoord.db import session_scope
from aidcoord.errors import Forbidden, ValidationFailed
from tests.audit.helpers import AUDITOR, OFFICER, VIEWER, OfferSnapshot, append_history, stored, verify

# ---------------------------------------------------------------------------------------------------
# canonical JSON (pure)

ZONES = [dt.timezone(dt.timedelta(hours=h, minutes=m)) for h, m in ((1, 0), (-5, 0), (5, 30), (-9, -30))]


def test_canonical_json_sorts_keys_and_has_no_spaces() -> None:
    assert audit.canonical_json({"b": [1, 2.5], "a": {"z": None, "y": True}}) == (
        '{"a":{"y":true,"z":null},"b":[1,2.5]}'
    )


def test_canonical_json_converts_dataclasses_dates_sets_tuples_and_decimals() -> None:
    snapshot = OfferSnapshot("OFF-1", 40, "announced", dt.date(2025, 3, 3), ("b", "a"))
    assert audit.canonical_json(snapshot) == (
        '{"announced_on":"2025-03-03","offer_id":"OFF-1","quantity":40,"status":"announced","tags":["b","a"]}'
    )
    assert (
        audit.canonical_json({"s": frozenset({"b", "a", "c"}), "t": ("x", 1)})
        == '{"s":["a","b","c"],"t":["x",1]}'
    )
    assert audit.canonical_json([Decimal("2.50"), Decimal("3"), Decimal("1E+2")]) == '["2.5",3,100]'
    assert audit.canonical_json({1: "one"}) == '{"1":"one"}'


def test_canonical_json_writes_every_datetime_in_utc_with_microseconds() -> None:
    cet = dt.timezone(dt.timedelta(hours=1))
    assert audit.canonical_json(dt.datetime(2025, 3, 4, 13, 0, tzinfo=cet)) == '"2025-03-04T12:00:00.000000Z"'
    # Naive datetimes are UTC (SQLite hands timezone-aware columns back naive).
    assert audit.canonical_json(dt.datetime(2025, 3, 4, 12, 0, 0, 7)) == '"2025-03-04T12:00:00.000007Z"'


def test_canonical_json_keeps_non_ascii_text() -> None:
    assert (
        audit.canonical_json({"reason": "Ausfuhr gestoppt — später"})
        == '{"reason":"Ausfuhr gestoppt — später"}'
    )


@pytest.mark.parametrize("value", [float("nan"), float("inf"), Decimal("NaN"), {"x": [float("-inf")]}])
def test_canonical_json_refuses_non_finite_numbers(value: Any) -> None:
    with pytest.raises(ValueError, match="canonical JSON has no"):
        audit.canonical_json(value)


@pytest.mark.parametrize("value", [object(), {(1, 2): "tuple key"}, b"bytes"])
def test_canonical_json_refuses_what_it_cannot_write(value: Any) -> None:
    with pytest.raises(TypeError):
        audit.canonical_json(value)


_FIELD_VALUES = st.one_of(
    st.none(), st.text(), st.integers(), st.booleans(), st.floats(allow_nan=False, allow_infinity=False)
)


@given(
    fields=st.fixed_dictionaries(dict.fromkeys(audit.HASHED_FIELDS, _FIELD_VALUES)),
    prev=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
)
def test_a_record_hash_is_sha256_of_the_previous_hash_and_the_sorted_compact_json(
    fields: dict[str, Any], prev: str
) -> None:
    # Written out with the json module here, independently of the service's own (faster) writing.
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert audit.record_hash(prev, fields) == hashlib.sha256(f"{prev}\n{payload}".encode()).hexdigest()


@given(
    moment=st.datetimes(
        min_value=dt.datetime(1, 1, 1), timezones=st.none() | st.just(dt.UTC) | st.sampled_from(ZONES)
    )
)
def test_every_datetime_is_written_as_its_utc_strftime(moment: dt.datetime) -> None:
    utc = moment if moment.tzinfo is None else moment.astimezone(dt.UTC)
    text = json.dumps(utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    # Twice: the second time from the remembered answers.
    assert audit.canonical_json(moment) == text
    assert audit.canonical_json([moment, moment]) == f"[{text},{text}]"


# ---------------------------------------------------------------------------------------------------
# the chain


def test_records_chain_from_the_genesis_hash_and_verify(migrated_engine: Engine) -> None:
    assert append_history(migrated_engine) == [1, 2, 3, 4, 5, 6]
    previous = "0" * 64
    for seq in range(1, 7):
        row = stored(migrated_engine, seq)
        fields = {k: row[k] for k in row if k not in ("prev_hash", "hash")}
        # Computed here independently of the service: sha256(prev + "\n" + sorted, compact JSON).
        payload = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert row["prev_hash"] == previous
        assert row["hash"] == hashlib.sha256(f"{previous}\n{payload}".encode()).hexdigest()
        previous = row["hash"]
    result = verify(migrated_engine)
    assert result == audit.AuditVerification(
        ok=True, checked=6, first_broken_seq=None, problem=None, head_seq=6, head_hash=previous
    )


def test_a_record_holds_who_when_what_and_the_snapshots_as_canonical_json(migrated_engine: Engine) -> None:
    append_history(migrated_engine)
    first = stored(migrated_engine, 1)
    assert (first["user_id"], first["organisation_id"], first["request_id"]) == (
        "del-n001",
        "DEL-N001",
        "req-0001",
    )
    assert (first["action"], first["entity"], first["entity_id"]) == ("offer.announce", "offer", "OFF-1")
    assert first["before"] is None
    assert json.loads(first["after"]) == {
        "offer_id": "OFF-1",
        "quantity": 40,
        "status": "announced",
        "announced_on": "2025-03-03",
        "tags": ["urgent"],
    }
    at = dt.datetime.strptime(first["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    assert abs(dt.datetime.now(dt.UTC) - at) < dt.timedelta(hours=1)
    third = stored(migrated_engine, 3)
    assert third["reason"] == "weekly board"
    assert third["request_id"] is None  # SYSTEM acts without a request id
    assert third["after"] == '{"approved_at":"2025-03-04T12:00:00.000000Z","status":"approved"}'
    assert stored(migrated_engine, 5)["reason"] == "budget cut — Ausfuhr gestoppt"


def test_the_record_is_part_of_the_callers_transaction(migrated_engine: Engine) -> None:
    class Refused(Exception):
        pass

    def change_then_fail() -> None:
        with session_scope(migrated_engine) as session:
            assert (
                audit.record(session, actor=SYSTEM, action="offer.commit", entity="offer", entity_id="X") == 1
            )
            assert session.scalar(select(func.count()).select_from(AuditRecord)) == 1
            raise Refused

    with pytest.raises(Refused):
        change_then_fail()
    with session_scope(migrated_engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditRecord)) == 0
        # Rolled back with the change it described: the next record is 1 again and the chain intact.
        assert audit.record(session, actor=SYSTEM, action="offer.commit", entity="offer", entity_id="X") == 1
    assert verify(migrated_engine).ok


@pytest.mark.parametrize("action", ["plan.approve", "offer.withdraw"])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_approvals_and_withdrawals_need_a_reason(session: Session, action: str, reason: str | None) -> None:
    with pytest.raises(ValidationFailed) as raised:
        audit.record(session, actor=SYSTEM, action=action, entity="x", entity_id="1", reason=reason)
    assert [p.column for p in raised.value.problems] == ["reason"]
    assert session.scalar(select(func.count()).select_from(AuditRecord)) == 0


def test_record_refuses_a_snapshot_that_is_not_a_record(session: Session) -> None:
    with pytest.raises(TypeError, match="before must be a mapping"):
        audit.record(session, actor=SYSTEM, action="a.b", entity="a", entity_id="1", before=[1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-empty entity_id"):
        audit.record(session, actor=SYSTEM, action="a.b", entity="a", entity_id="")
    with pytest.raises(ValueError, match="at most 200"):
        audit.record(session, actor=SYSTEM, action="a.b", entity="a", entity_id="x" * 201)


def test_an_empty_trail_is_intact(session: Session) -> None:
    assert audit.verify(session, actor=SYSTEM) == audit.AuditVerification(True, 0, None, None, None, None)


def test_verify_streams_in_batches_and_reports_progress(
    migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    append_history(migrated_engine)
    monkeypatch.setattr(audit, "VERIFY_BATCH", 4)
    seen: list[tuple[str, float]] = []
    with session_scope(migrated_engine, write=False) as session:
        result = audit.verify(session, actor=AUDITOR, progress=lambda m, f: seen.append((m, f)))
    assert result.ok
    assert result.checked == 6
    assert seen == [("4 of 6 records", 4 / 6), ("6 of 6 records", 1.0)]


# ---------------------------------------------------------------------------------------------------
# listing and rights


def test_list_is_newest_first_with_filters_and_a_total(migrated_engine: Engine) -> None:
    append_history(migrated_engine)
    with session_scope(migrated_engine, write=False) as session:
        page = audit.list_entries(session, actor=AUDITOR)
        assert [e.seq for e in page.items] == [6, 5, 4, 3, 2, 1]
        assert (page.total, page.limit, page.offset) == (6, 50, 0)
        offer = audit.list_entries(
            session, actor=AUDITOR, entity="offer", entity_id="OFF-1", limit=2, offset=1
        )
        assert [e.seq for e in offer.items] == [4, 2]
        assert offer.total == 4
        by_system = audit.list_entries(session, actor=SYSTEM, user_id="system")
        assert [(e.seq, e.action) for e in by_system.items] == [(6, "user.delete"), (3, "plan.approve")]
        withdrawals = audit.list_entries(session, actor=SYSTEM, action="offer.withdraw")
        assert [(e.seq, e.reason) for e in withdrawals.items] == [(5, "budget cut — Ausfuhr gestoppt")]
        assert audit.list_entries(session, actor=SYSTEM, entity="nothing").total == 0


def test_list_checks_the_window(session: Session) -> None:
    with pytest.raises(ValidationFailed) as raised:
        audit.list_entries(session, actor=SYSTEM, limit=0, offset=-1)
    assert [p.column for p in raised.value.problems] == ["limit", "offset"]


def test_only_auditors_and_coordinators_read_the_trail(session: Session) -> None:
    for actor in (VIEWER, OFFICER):
        with pytest.raises(Forbidden):
            audit.list_entries(session, actor=actor)
        with pytest.raises(Forbidden):
            audit.verify(session, actor=actor)
    assert audit.list_entries(session, actor=AUDITOR).total == 0
