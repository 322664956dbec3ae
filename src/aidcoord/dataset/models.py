"""The loaded scenario's own facts: its name, the planning settings and datapackage.json's other keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from aidcoord.db.base import Base


class Dataset(Base):
    """One row: what was loaded, week 0's Monday, horizon T, lateness decay δ and cost weight λ."""

    __tablename__ = "dataset"
    __table_args__ = (
        CheckConstraint("dataset_id = 1", name="single_row"),
        CheckConstraint("horizon_weeks > 0", name="horizon_positive"),
    )

    dataset_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    start_date: Mapped[dt.date]
    horizon_weeks: Mapped[int]
    lateness_decay_per_week: Mapped[float]
    transport_cost_weight: Mapped[float]
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
