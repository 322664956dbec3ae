"""The database refuses changes to the trail; changes made behind its back break the chain at that record."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from aidcoord.audit import service as audit
from tests.audit.helpers import append_history, drop_guards, execute, stored, verify

FIELDS = (
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
    "prev_hash",
    "hash",
)


def tampered(field: str, value: Any) -> Any:
    """A different value of `field`, of the same kind (valid JSON for the snapshots, hex for hashes)."""
    if field in ("before", "after"):
        return '{"quantity":1}' if value != '{"quantity":1}' else '{"quantity":2}'
    if field in ("prev_hash", "hash"):
        return value[:-1] + ("1" if value[-1] == "0" else "0")
    if field == "at":
        return value.replace(value[20:26], "999999" if value[20:26] != "999999" else "000000")
    return (value or "") + "!"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET reason = 'rewritten' WHERE seq = 3",
        "UPDATE audit_log SET seq = seq + 100",
        "DELETE FROM audit_log WHERE seq = 6",
        "DELETE FROM audit_log",
    ],
)
def test_plain_sql_update_and_delete_are_refused(migrated_engine: Engine, statement: str) -> None:
    append_history(migrated_engine)
    before = [stored(migrated_engine, seq) for seq in range(1, 7)]
    with pytest.raises(IntegrityError, match=r"append-only: (UPDATE|DELETE) refused"):
        execute(migrated_engine, statement)
    assert [stored(migrated_engine, seq) for seq in range(1, 7)] == before
    assert verify(migrated_engine).ok


def test_truncate_is_refused_on_postgresql(migrated_engine: Engine) -> None:
    if migrated_engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE without WHERE is refused instead")
    append_history(migrated_engine)
    with pytest.raises(IntegrityError, match="append-only: TRUNCATE refused"):
        execute(migrated_engine, "TRUNCATE audit_log")
    assert verify(migrated_engine).checked == 6


def test_the_refusal_comes_from_the_triggers(migrated_engine: Engine) -> None:
    append_history(migrated_engine)
    drop_guards(migrated_engine)
    execute(migrated_engine, "UPDATE audit_log SET reason = 'rewritten' WHERE seq = 3")
    assert stored(migrated_engine, 3)["reason"] == "rewritten"


@pytest.mark.parametrize("field", FIELDS)
def test_altering_any_field_of_a_record_names_that_record(migrated_engine: Engine, field: str) -> None:
    append_history(migrated_engine)
    drop_guards(migrated_engine)
    for k in (1, 3, 4, 6):
        original = stored(migrated_engine, k)[field]
        execute(
            migrated_engine,
            f"UPDATE audit_log SET {field} = :value WHERE seq = :k",
            value=tampered(field, original),
            k=k,
        )
        result = verify(migrated_engine)
        assert not result.ok
        assert result.first_broken_seq == k
        assert result.checked == k - 1
        assert f"record {k} " in (result.problem or "")
        execute(migrated_engine, f"UPDATE audit_log SET {field} = :value WHERE seq = :k", value=original, k=k)
        assert verify(migrated_engine).ok


def test_a_renumbered_record_shows_as_missing(migrated_engine: Engine) -> None:
    append_history(migrated_engine)
    drop_guards(migrated_engine)
    execute(migrated_engine, "UPDATE audit_log SET seq = 60 WHERE seq = 6")
    result = verify(migrated_engine)
    assert (result.ok, result.first_broken_seq) == (False, 6)
    assert result.problem == "records 6 to 59 are missing (the next record is 60)"


@pytest.mark.parametrize("k", [1, 2, 4, 5])
def test_deleting_a_record_names_it_as_missing(migrated_engine: Engine, k: int) -> None:
    append_history(migrated_engine)
    drop_guards(migrated_engine)
    execute(migrated_engine, "DELETE FROM audit_log WHERE seq = :k", k=k)
    result = verify(migrated_engine)
    assert (result.ok, result.first_broken_seq, result.checked) == (False, k, k - 1)
    assert result.problem == f"record {k} is missing (the next record is {k + 1})"


def test_deleting_several_records_names_the_first(migrated_engine: Engine) -> None:
    append_history(migrated_engine)
    drop_guards(migrated_engine)
    execute(migrated_engine, "DELETE FROM audit_log WHERE seq IN (2, 3, 5)")
    result = verify(migrated_engine)
    assert (result.first_broken_seq, result.problem) == (
        2,
        "records 2 to 3 are missing (the next record is 4)",
    )


def test_a_record_rewritten_with_its_hash_recomputed_breaks_the_next_link(migrated_engine: Engine) -> None:
    append_history(migrated_engine)
    drop_guards(migrated_engine)
    row = stored(migrated_engine, 3)
    row["reason"] = "no reason at all"
    forged = audit.record_hash(row["prev_hash"], {k: row[k] for k in audit.HASHED_FIELDS})
    execute(
        migrated_engine,
        "UPDATE audit_log SET reason = :r, hash = :h WHERE seq = 3",
        r=row["reason"],
        h=forged,
    )
    result = verify(migrated_engine)
    assert (result.first_broken_seq, result.problem) == (
        4,
        "record 4 does not chain to record 3's hash (its prev_hash differs)",
    )


def test_cutting_off_the_last_records_shows_only_against_a_kept_head(migrated_engine: Engine) -> None:
    # The documented limit of a chain: the new last record is consistent. The head printed by verify,
    # kept elsewhere, shows it.
    append_history(migrated_engine)
    kept = verify(migrated_engine)
    drop_guards(migrated_engine)
    execute(migrated_engine, "DELETE FROM audit_log WHERE seq = 6")
    result = verify(migrated_engine)
    assert result.ok
    assert (result.head_seq, kept.head_seq) == (5, 6)
    assert result.head_hash != kept.head_hash


def test_breaks_are_found_across_batches(migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit, "VERIFY_BATCH", 2)
    append_history(migrated_engine)
    drop_guards(migrated_engine)
    execute(migrated_engine, "DELETE FROM audit_log WHERE seq = 3")  # first of the second batch
    assert verify(migrated_engine).first_broken_seq == 3
    with migrated_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 5
