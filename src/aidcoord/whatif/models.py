"""Tables of the what-if domain: saved, named what-if scenarios."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aidcoord.db.base import Base


class SavedWhatIf(Base):
    """A named set of what-if changes (as JSON, in the API's shape) that anyone allowed can run again."""

    __tablename__ = "whatif_scenarios"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
