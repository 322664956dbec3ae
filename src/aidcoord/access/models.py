"""Tables of the access domain: organisations (users and roles come with access control)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String
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
