"""Tables of the access domain: organisations, users with their roles, and their credentials."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column

from aidcoord.db.base import Base

ORGANISATION_KINDS = ("coordination_cell", "nation_delegation", "hub_operator", "recipient", "auditor")


class Organisation(Base):
    """Who a user works for: a nation's delegation, a hub operator, the recipient, the cell, an auditor."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('coordination_cell', 'nation_delegation', 'hub_operator', 'recipient', 'auditor')",
            name="kind_known",
        ),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    nation_id: Mapped[str | None] = mapped_column(ForeignKey("nations.nation_id"), index=True)
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.site_id"), index=True)


ROLE_CHECK = (
    "role IN ('coordinator', 'nation_officer', 'hub_operator', 'recipient_officer', 'auditor', 'viewer')"
)


class User(Base):
    """A person who signs in, working for one organisation; disabled users keep their history."""

    __tablename__ = "users"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.organisation_id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class UserRole(Base):
    """One role a user holds."""

    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(ROLE_CHECK, name="role_known"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.user_id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class Credential(Base):
    """An opaque bearer secret of a user, stored only as its SHA-256: an API token or a browser session.

    A session also carries the hash of its CSRF token. Revocation and expiry are checked on every use.
    """

    __tablename__ = "credentials"
    __table_args__ = (CheckConstraint("kind IN ('token', 'session')", name="kind_known"),)

    credential_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.user_id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(64))
    csrf_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
