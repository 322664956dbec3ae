"""API shapes of the access domain."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from aidcoord.access.models import ORGANISATION_KINDS


class OrganisationOut(BaseModel):
    """Who a user works for; a delegation or the recipient carries its nation, a hub operator its hub."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    organisation_id: str
    name: str
    kind: str = Field(json_schema_extra={"enum": list(ORGANISATION_KINDS)})
    nation_id: str | None = None
    site_id: str | None = None
