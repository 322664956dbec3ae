"""API shapes of the access domain."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aidcoord.access.models import ORGANISATION_KINDS
from aidcoord.api.inputs import InputModel


class OrganisationOut(BaseModel):
    """Who a user works for; a delegation or the recipient carries its nation, a hub operator its hub."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    organisation_id: str
    name: str
    kind: str = Field(json_schema_extra={"enum": list(ORGANISATION_KINDS)})
    nation_id: str | None = None
    site_id: str | None = None


class LoginIn(InputModel):
    """A user's name and password."""

    model_config = ConfigDict(extra="forbid")

    user_id: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class MeOut(BaseModel):
    """Who the caller is and what it may see."""

    user_id: str
    organisation_id: str
    organisation_kind: str | None
    roles: list[str]
    nation_id: str | None
    hub_site_id: str | None


class SessionOut(BaseModel):
    """A browser session just opened: the cookie is set; send `csrf_token` as X-CSRF-Token on changes."""

    user: MeOut
    csrf_token: str
    expires_at: dt.datetime


class TokenIn(InputModel):
    """An API token for the caller."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="api", min_length=1, max_length=200)
    expires_in_days: int = Field(default=30, ge=1, le=366)


class TokenOut(BaseModel):
    """A token just made: `token` is shown this once."""

    credential_id: str
    name: str
    token: str
    expires_at: dt.datetime


class CredentialOut(BaseModel):
    """A token or session, without its secret."""

    model_config = ConfigDict(from_attributes=True)

    credential_id: str
    kind: Literal["token", "session"]
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
