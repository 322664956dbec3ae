"""Tables of the training domain: courses offered and training needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from aidcoord.db.base import Base


class Course(Base):
    """Seats a nation offers for a specialty, from a start week for a number of weeks, at a site."""

    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("seats > 0", name="seats_positive"),
        CheckConstraint("start_week >= 0", name="start_week_non_negative"),
        CheckConstraint("duration_weeks >= 0", name="duration_non_negative"),
    )

    course_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nation_id: Mapped[str] = mapped_column(ForeignKey("nations.nation_id"), index=True)
    specialty: Mapped[str] = mapped_column(String(64), index=True)
    seats: Mapped[int]
    start_week: Mapped[int]
    duration_weeks: Mapped[int]
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.site_id"), index=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class TrainingNeed(Base):
    """Trainees of a specialty the recipient needs trained by a week."""

    __tablename__ = "training_needs"
    __table_args__ = (
        CheckConstraint("trainees > 0", name="trainees_positive"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("due_week >= 0", name="due_week_non_negative"),
    )

    need_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    specialty: Mapped[str] = mapped_column(String(64), index=True)
    trainees: Mapped[int]
    priority: Mapped[int]
    weight: Mapped[float]
    due_week: Mapped[int]
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
