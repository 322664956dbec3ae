"""training plans and specialty substitutes

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 11:28:51.315817
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "specialty_substitutes",
        sa.Column("specialty", sa.String(length=64), nullable=False),
        sa.Column("substitute_specialty", sa.String(length=64), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "specialty <> substitute_specialty", name=op.f("ck_specialty_substitutes_not_self")
        ),
        sa.PrimaryKeyConstraint("specialty", "substitute_specialty", name=op.f("pk_specialty_substitutes")),
    )
    op.create_table(
        "training_plans",
        sa.Column("training_plan_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("objective", sa.Double(), nullable=False),
        sa.Column("lp_bound", sa.Double(), nullable=True),
        sa.Column("gap", sa.Double(), nullable=True),
        sa.Column("weighted_fulfilment", sa.Double(), nullable=False),
        sa.Column("on_time_fill", sa.Double(), nullable=False),
        sa.Column("build_seconds", sa.Double(), nullable=False),
        sa.Column("solve_seconds", sa.Double(), nullable=False),
        sa.Column("solver", sa.String(length=64), nullable=False),
        sa.Column("solver_status", sa.String(length=64), nullable=False),
        sa.Column("baseline", sa.JSON(), nullable=False),
        sa.CheckConstraint("method IN ('optimiser', 'greedy')", name=op.f("ck_training_plans_method_known")),
        sa.PrimaryKeyConstraint("training_plan_id", name=op.f("pk_training_plans")),
        sa.UniqueConstraint("version", name=op.f("uq_training_plans_version")),
    )
    op.create_table(
        "training_unmet",
        sa.Column("training_plan_id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.String(length=64), nullable=False),
        sa.Column("trainees_unmet", sa.Integer(), nullable=False),
        sa.Column("trainees_late", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "reason IN ('no_course', 'too_late', 'seats_full', 'outranked')",
            name=op.f("ck_training_unmet_reason_known"),
        ),
        sa.ForeignKeyConstraint(
            ["need_id"], ["training_needs.need_id"], name=op.f("fk_training_unmet_need_id_training_needs")
        ),
        sa.ForeignKeyConstraint(
            ["training_plan_id"],
            ["training_plans.training_plan_id"],
            name=op.f("fk_training_unmet_training_plan_id_training_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("training_plan_id", "need_id", name=op.f("pk_training_unmet")),
    )
    op.create_index(op.f("ix_training_unmet_need_id"), "training_unmet", ["need_id"], unique=False)
    op.create_table(
        "training_assignments",
        sa.Column("training_plan_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.String(length=64), nullable=False),
        sa.Column("need_id", sa.String(length=64), nullable=False),
        sa.Column("trainees", sa.Integer(), nullable=False),
        sa.Column("finish_week", sa.Integer(), nullable=False),
        sa.CheckConstraint("trainees > 0", name=op.f("ck_training_assignments_trainees_positive")),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.course_id"], name=op.f("fk_training_assignments_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["training_needs.need_id"],
            name=op.f("fk_training_assignments_need_id_training_needs"),
        ),
        sa.ForeignKeyConstraint(
            ["training_plan_id"],
            ["training_plans.training_plan_id"],
            name=op.f("fk_training_assignments_training_plan_id_training_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "training_plan_id", "course_id", "need_id", name=op.f("pk_training_assignments")
        ),
    )
    op.create_index(
        op.f("ix_training_assignments_course_id"), "training_assignments", ["course_id"], unique=False
    )
    op.create_index(
        op.f("ix_training_assignments_need_id"), "training_assignments", ["need_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_training_assignments_need_id"), table_name="training_assignments")
    op.drop_index(op.f("ix_training_assignments_course_id"), table_name="training_assignments")
    op.drop_table("training_assignments")
    op.drop_index(op.f("ix_training_unmet_need_id"), table_name="training_unmet")
    op.drop_table("training_unmet")
    op.drop_table("training_plans")
    op.drop_table("specialty_substitutes")
