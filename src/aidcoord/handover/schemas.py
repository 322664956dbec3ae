"""API shapes of the handover domain."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TableDigestOut(BaseModel):
    """One table's part of the state digest."""

    name: str
    rows: int = Field(description="Rows counted (handover records of the audit chain are left out).")
    digest: str = Field(description="sha256 over the table's rows as canonical JSON lines, by primary key.")


class StateDigestOut(BaseModel):
    """The state digest: equal on two databases exactly when they hold the same state."""

    state_digest: str
    tables: list[TableDigestOut]
    left_out: list[str] = Field(description="Tables that are not state (secrets, the instance's identity).")
