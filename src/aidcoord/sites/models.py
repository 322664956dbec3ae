"""Tables of the sites domain: sites and the lanes between them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from aidcoord.db.base import Base


class Site(Base):
    """A depot, hub (with weekly throughput in tonnes), delivery point or headquarters."""

    __tablename__ = "sites"
    __table_args__ = (
        CheckConstraint("kind IN ('depot', 'hub', 'delivery', 'hq')", name="kind_known"),
        CheckConstraint(
            "(kind = 'hub' AND throughput_t_per_week > 0)"
            " OR (kind <> 'hub' AND throughput_t_per_week IS NULL)",
            name="hub_throughput",
        ),
    )

    site_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    nation_id: Mapped[str] = mapped_column(ForeignKey("nations.nation_id"), index=True)
    lat: Mapped[float]
    lon: Mapped[float]
    throughput_t_per_week: Mapped[float | None]
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Lane(Base):
    """A transport link from one site to another: lead time in whole weeks, cost in EUR per tonne."""

    __tablename__ = "lanes"
    __table_args__ = (
        CheckConstraint("lead_time_weeks >= 0", name="lead_time_non_negative"),
        CheckConstraint("cost_eur_per_t >= 0", name="cost_non_negative"),
    )

    from_site_id: Mapped[str] = mapped_column(ForeignKey("sites.site_id"), primary_key=True)
    to_site_id: Mapped[str] = mapped_column(ForeignKey("sites.site_id"), primary_key=True, index=True)
    mode: Mapped[str] = mapped_column(String(32))
    lead_time_weeks: Mapped[int]
    cost_eur_per_t: Mapped[float]
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
