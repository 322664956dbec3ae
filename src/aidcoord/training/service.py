"""Use cases of the training domain: courses and training needs."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role
from aidcoord.db.rows import delete_rows, insert_rows, select_rows
from aidcoord.scenario.model import Course, TrainingNeed
from aidcoord.training.models import Course as CourseRow
from aidcoord.training.models import TrainingNeed as TrainingNeedRow


def add_courses(session: Session, *, actor: Actor, courses: Iterable[Course]) -> int:
    """Add courses (coordinators only in bulk); return how many."""
    require_role(actor, "coordinator")
    return insert_rows(session, CourseRow, courses)


def add_needs(session: Session, *, actor: Actor, needs: Iterable[TrainingNeed]) -> int:
    """Add training needs (coordinators and the recipient's officers); return how many."""
    require_role(actor, "coordinator", "recipient_officer")
    return insert_rows(session, TrainingNeedRow, needs)


def list_courses(session: Session, *, actor: Actor) -> list[Course]:
    """All courses, by id."""
    del actor
    return select_rows(session, CourseRow, Course, ["course_id"])


def list_needs(session: Session, *, actor: Actor) -> list[TrainingNeed]:
    """All training needs, by id."""
    del actor
    return select_rows(session, TrainingNeedRow, TrainingNeed, ["need_id"])


def clear(session: Session, *, actor: Actor) -> None:
    """Delete all courses and training needs (coordinators only; when a scenario is replaced)."""
    require_role(actor, "coordinator")
    delete_rows(session, CourseRow)
    delete_rows(session, TrainingNeedRow)
