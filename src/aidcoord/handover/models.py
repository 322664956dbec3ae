"""Tables of the handover domain: the identity of this database (which instance exported a bundle)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from aidcoord.db.base import Base


class Instance(Base):
    """This database's own identity, made once by the migration; never exported nor imported."""

    __tablename__ = "instance"

    instance_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
