"""API shapes of the audit domain."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class AuditEntryOut(BaseModel):
    """One audit record; `before` and `after` are the stored canonical JSON parsed back to objects."""

    model_config = ConfigDict(from_attributes=True)

    seq: int = Field(description="The record's number: 1, 2, … without gaps.")
    at: str = Field(description="When, in UTC: ISO 8601 with microseconds and Z, exactly as hashed.")
    user_id: str
    organisation_id: str
    action: str = Field(description="What was done, e.g. offer.withdraw.", examples=["offer.withdraw"])
    entity: str = Field(description="The kind of thing changed, e.g. offer.", examples=["offer"])
    entity_id: str
    before: Any = Field(description="The entity before the change (null when it was created).")
    after: Any = Field(description="The entity after the change (null when it was deleted).")
    reason: str | None
    request_id: str | None = Field(description="Ties together the records of one request or command.")
    prev_hash: str = Field(description="The previous record's hash (64 zeros for the first).")
    hash: str = Field(description='sha256 of prev_hash, "\\n" and the canonical JSON of the other fields.')

    @field_validator("before", "after", mode="before")
    @classmethod
    def _parsed(cls, value: Any) -> Any:
        # Stored as canonical JSON text; a value that no longer parses (tampered) is shown as it is.
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            return value


class AuditVerificationOut(BaseModel):
    """The outcome of recomputing the hash chain."""

    model_config = ConfigDict(from_attributes=True)

    ok: bool
    checked: int = Field(description="Records found intact (before the first broken one).")
    first_broken_seq: int | None = Field(description="The first broken record's number, if any.")
    problem: str | None = Field(description="What is wrong with it: missing, altered, or not chained.")
    head_seq: int | None = Field(description="The last intact record: keep it and its hash elsewhere.")
    head_hash: str | None
