"""Tables of the training domain: courses offered, training needs, specialty substitutes, training plans."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, String, Text
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


class SpecialtySubstitute(Base):
    """Trainees of `substitute_specialty` may fill a training need for `specialty`, one for one."""

    __tablename__ = "specialty_substitutes"
    __table_args__ = (CheckConstraint("specialty <> substitute_specialty", name="not_self"),)

    specialty: Mapped[str] = mapped_column(String(64), primary_key=True)
    substitute_specialty: Mapped[str] = mapped_column(String(64), primary_key=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class TrainingPlan(Base):
    """A solved allocation of trainees to courses with its figures; versions count up."""

    __tablename__ = "training_plans"
    __table_args__ = (CheckConstraint("method IN ('optimiser', 'greedy')", name="method_known"),)

    training_plan_id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(16))
    objective: Mapped[float]
    lp_bound: Mapped[float | None]
    gap: Mapped[float | None]
    weighted_fulfilment: Mapped[float]
    on_time_fill: Mapped[float]
    build_seconds: Mapped[float]
    solve_seconds: Mapped[float]
    solver: Mapped[str] = mapped_column(String(64))
    solver_status: Mapped[str] = mapped_column(String(64))
    baseline: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class TrainingAssignment(Base):
    """`trainees` of a training need on a course."""

    __tablename__ = "training_assignments"
    __table_args__ = (CheckConstraint("trainees > 0", name="trainees_positive"),)

    training_plan_id: Mapped[int] = mapped_column(
        ForeignKey("training_plans.training_plan_id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.course_id"), primary_key=True, index=True)
    need_id: Mapped[str] = mapped_column(ForeignKey("training_needs.need_id"), primary_key=True, index=True)
    trainees: Mapped[int]
    finish_week: Mapped[int]


class TrainingUnmet(Base):
    """A training need the plan does not meet on time, with the reason and one sentence with the numbers."""

    __tablename__ = "training_unmet"
    __table_args__ = (
        CheckConstraint(
            "reason IN ('no_course', 'too_late', 'seats_full', 'outranked')",
            name="reason_known",
        ),
    )

    training_plan_id: Mapped[int] = mapped_column(
        ForeignKey("training_plans.training_plan_id", ondelete="CASCADE"), primary_key=True
    )
    need_id: Mapped[str] = mapped_column(ForeignKey("training_needs.need_id"), primary_key=True, index=True)
    trainees_unmet: Mapped[int]
    trainees_late: Mapped[int]
    reason: Mapped[str] = mapped_column(String(16))
    explanation: Mapped[str] = mapped_column(Text)
