"""API shapes of the training domain: courses, training needs, training plans, report and what-if."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aidcoord.api.inputs import InputModel, never_null

Reason = Literal["no_course", "too_late", "seats_full", "outranked"]


class CourseIn(InputModel):
    """Seats a nation offers for a specialty, from a start week for a number of weeks, at a site."""

    model_config = ConfigDict(extra="forbid")

    course_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="Left out: one is made (CRS-xxxxxxxx)."
    )
    nation_id: str = Field(min_length=1, max_length=16, description="The offering nation.")
    specialty: str = Field(min_length=1, max_length=64)
    seats: int = Field(gt=0)
    start_week: int = Field(ge=0, description="Within the planning horizon.")
    duration_weeks: int = Field(ge=1)
    site_id: str = Field(min_length=1, max_length=64)
    extra: dict[str, str] = Field(default_factory=dict)


class CoursePatch(InputModel):
    """A change to a course: only the fields given change (its id and nation are fixed)."""

    model_config = ConfigDict(extra="forbid")

    specialty: str | None = Field(default=None, min_length=1, max_length=64)
    seats: int | None = Field(default=None, gt=0)
    start_week: int | None = Field(default=None, ge=0)
    duration_weeks: int | None = Field(default=None, ge=1)
    site_id: str | None = Field(default=None, min_length=1, max_length=64)

    _required = never_null("specialty", "seats", "start_week", "duration_weeks", "site_id")


class CourseOut(BaseModel):
    """A course, with its finish week (start + duration: its trainees are trained from then on)."""

    model_config = ConfigDict(from_attributes=True)

    course_id: str
    nation_id: str
    specialty: str
    seats: int
    start_week: int
    duration_weeks: int
    finish_week: int
    site_id: str
    extra: dict[str, str]


class NeedIn(InputModel):
    """Trainees of a specialty the recipient needs trained by a week."""

    model_config = ConfigDict(extra="forbid")

    need_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="Left out: one is made (TRN-xxxxxxxx)."
    )
    specialty: str = Field(min_length=1, max_length=64)
    trainees: int = Field(gt=0)
    priority: int = Field(ge=1, description="1 is the most urgent class.")
    weight: float = Field(gt=0, description="Value of one trainee trained on time.")
    due_week: int = Field(ge=0, description="Within the planning horizon.")
    extra: dict[str, str] = Field(default_factory=dict)


class NeedOut(BaseModel):
    """A training need."""

    model_config = ConfigDict(from_attributes=True)

    need_id: str
    specialty: str
    trainees: int
    priority: int
    weight: float
    due_week: int
    extra: dict[str, str]


class CoursePage(BaseModel):
    """A page of courses."""

    items: list[CourseOut]
    total: int
    limit: int
    offset: int


class NeedPage(BaseModel):
    """A page of training needs."""

    items: list[NeedOut]
    total: int
    limit: int
    offset: int


class TrainingPlanCreate(InputModel):
    """How to plan training: the optimiser or the greedy baseline, and the solver's time limit."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["optimiser", "greedy"] = "optimiser"
    time_limit_s: float = Field(default=60.0, gt=0, le=3600)


class TrainingFiguresOut(BaseModel):
    """The figures reported for a training plan."""

    model_config = ConfigDict(from_attributes=True)

    objective: float
    lp_bound: float | None
    gap: float | None
    weighted_fulfilment: float
    on_time_fill: float


class TrainingPlanSummaryOut(BaseModel):
    """A stored training plan without its rows."""

    model_config = ConfigDict(from_attributes=True)

    version: int
    method: Literal["optimiser", "greedy"]
    created_at: dt.datetime
    created_by: str
    figures: TrainingFiguresOut
    baseline: TrainingFiguresOut | None = Field(
        description="The greedy baseline's figures on the same state."
    )
    build_seconds: float
    solve_seconds: float
    solver: str
    solver_status: str
    assignments: int = Field(description="How many assignments the caller may see.")
    unmet: int = Field(description="How many training needs it does not meet on time.")


class AssignmentOut(BaseModel):
    """Trainees of a training need on a course."""

    model_config = ConfigDict(from_attributes=True)

    course_id: str
    need_id: str
    trainees: int
    finish_week: int


class TrainingUnmetOut(BaseModel):
    """A training need not met on time, and why."""

    model_config = ConfigDict(from_attributes=True)

    need_id: str
    trainees_unmet: int = Field(description="Trainees never trained.")
    trainees_late: int = Field(description="Trainees trained after the due week.")
    reason: Reason
    explanation: str


class TrainingPlanDetailOut(BaseModel):
    """A training plan with the assignments the caller may see and every unmet need."""

    model_config = ConfigDict(from_attributes=True)

    summary: TrainingPlanSummaryOut
    assignments: list[AssignmentOut]
    unmet: list[TrainingUnmetOut]


class SpecialtyFillOut(BaseModel):
    """Per specialty: trainees needed, on time, late, and the on-time fill rate."""

    model_config = ConfigDict(from_attributes=True)

    specialty: str
    needed: int
    on_time: int
    late: int
    fill: float


class NationSeatsOut(BaseModel):
    """Per offering nation: courses, seats offered and used, trainees on time, seat use."""

    model_config = ConfigDict(from_attributes=True)

    nation_id: str
    courses: int
    seats_offered: int
    seats_used: int
    on_time: int
    use: float


class TraineesAtRiskOut(BaseModel):
    """A need whose trainees miss, or may miss, its due week."""

    model_config = ConfigDict(from_attributes=True)

    need_id: str
    specialty: str
    priority: int
    due_week: int
    trainees: int
    on_time: int
    at_risk: int = Field(description="On time, but on a course finishing in the due week (no slack).")
    late: int
    not_trained: int


class CrewShortfallOut(BaseModel):
    """A requirement whose equipment arrives before enough crews of its specialty are trained."""

    model_config = ConfigDict(from_attributes=True)

    requirement_id: str
    capability: str
    specialty: str
    arrive_week: int
    units: int
    crews_needed: int
    crews_available: int


class TrainingReportOut(BaseModel):
    """Fill per specialty and offering nation, trainees at risk, unmet needs, equipment without crews."""

    model_config = ConfigDict(from_attributes=True)

    summary: TrainingPlanSummaryOut
    by_specialty: list[SpecialtyFillOut]
    by_nation: list[NationSeatsOut]
    at_risk: list[TraineesAtRiskOut]
    unmet: list[TrainingUnmetOut]
    equipment_plan_version: int | None
    without_crews: list[CrewShortfallOut]


class TrainingWhatIfIn(InputModel):
    """Which nations withdraw their courses."""

    model_config = ConfigDict(extra="forbid")

    withdraw_nations: list[str] = Field(min_length=1, max_length=100)


class SpecialtyChangeOut(BaseModel):
    """Trainees of a specialty on time before and after."""

    model_config = ConfigDict(from_attributes=True)

    specialty: str
    trainees: int
    on_time_before: int
    on_time_after: int


class SeatOfferOut(BaseModel):
    """A course with free seats that could close (part of) a gap."""

    model_config = ConfigDict(from_attributes=True)

    course_id: str
    nation_id: str
    specialty: str
    seats_free: int
    finish_week: int


class NewlyShortOut(BaseModel):
    """A need with fewer trainees on time than in the baseline, and the courses that could close it."""

    model_config = ConfigDict(from_attributes=True)

    need_id: str
    specialty: str
    trainees: int
    on_time_before: int
    on_time_after: int
    closers: list[SeatOfferOut]


class ResultFiguresOut(BaseModel):
    """Figures of a training plan made for a what-if (not stored)."""

    model_config = ConfigDict(from_attributes=True)

    objective: float
    lp_bound: float | None
    gap: float | None
    weighted_fulfilment: float
    on_time_fill: float


class TrainingComparisonOut(BaseModel):
    """A training what-if against the current state: figures, fill per specialty, needs newly short."""

    model_config = ConfigDict(from_attributes=True)

    withdrawn: list[str]
    before: ResultFiguresOut
    after: ResultFiguresOut
    by_specialty: list[SpecialtyChangeOut]
    newly_short: list[NewlyShortOut]
