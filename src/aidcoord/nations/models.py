"""Tables of the nations domain."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from aidcoord.db.base import Base


class Nation(Base):
    """A participant state (ISO 3166-1 alpha-3 id), donor and/or recipient."""

    __tablename__ = "nations"
    __table_args__ = (
        CheckConstraint("gdp_usd_bn IS NULL OR gdp_usd_bn >= 0", name="gdp_non_negative"),
        CheckConstraint(
            "defence_pct_gdp IS NULL OR (defence_pct_gdp >= 0 AND defence_pct_gdp <= 100)",
            name="defence_pct_range",
        ),
    )

    nation_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    gdp_usd_bn: Mapped[float | None]
    defence_pct_gdp: Mapped[float | None]
    nato_member: Mapped[bool]
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
