"""plans

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 07:36:40.994932
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("objective", sa.Double(), nullable=False),
        sa.Column("lp_bound", sa.Double(), nullable=True),
        sa.Column("gap", sa.Double(), nullable=True),
        sa.Column("weighted_fulfilment", sa.Double(), nullable=False),
        sa.Column("on_time_fill", sa.Double(), nullable=False),
        sa.Column("build_seconds", sa.Double(), nullable=False),
        sa.Column("solve_seconds", sa.Double(), nullable=False),
        sa.Column("solver", sa.String(length=64), nullable=False),
        sa.Column("solver_status", sa.String(length=64), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("baseline", sa.JSON(), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("approval_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("method IN ('optimiser', 'greedy')", name=op.f("ck_plans_method_known")),
        sa.CheckConstraint(
            "status IN ('draft', 'approved', 'superseded')", name=op.f("ck_plans_status_known")
        ),
        sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_plans")),
        sa.UniqueConstraint("version", name=op.f("uq_plans_version")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plans_status"), ["status"], unique=False)

    op.create_table(
        "plan_allocations",
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.String(length=64), nullable=False),
        sa.Column("requirement_id", sa.String(length=64), nullable=False),
        sa.Column("hub_site_id", sa.String(length=64), nullable=False),
        sa.Column("depart_week", sa.Integer(), nullable=False),
        sa.Column("hub_week", sa.Integer(), nullable=False),
        sa.Column("arrive_week", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "depart_week <= hub_week AND hub_week <= arrive_week",
            name=op.f("ck_plan_allocations_weeks_ordered"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_plan_allocations_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["hub_site_id"], ["sites.site_id"], name=op.f("fk_plan_allocations_hub_site_id_sites")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.offer_id"], name=op.f("fk_plan_allocations_offer_id_offers")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.plan_id"], name=op.f("fk_plan_allocations_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["requirements.requirement_id"],
            name=op.f("fk_plan_allocations_requirement_id_requirements"),
        ),
        sa.PrimaryKeyConstraint("allocation_id", name=op.f("pk_plan_allocations")),
    )
    with op.batch_alter_table("plan_allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_allocations_offer_id"), ["offer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_allocations_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_plan_allocations_requirement_id"), ["requirement_id"], unique=False
        )

    op.create_table(
        "plan_unmet",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.String(length=64), nullable=False),
        sa.Column("quantity_unmet", sa.Integer(), nullable=False),
        sa.Column("quantity_late", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "reason IN ('no_supply', 'supply_short', 'too_late', 'hub_capacity', 'outranked')",
            name=op.f("ck_plan_unmet_reason_known"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.plan_id"], name=op.f("fk_plan_unmet_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["requirements.requirement_id"],
            name=op.f("fk_plan_unmet_requirement_id_requirements"),
        ),
        sa.PrimaryKeyConstraint("plan_id", "requirement_id", name=op.f("pk_plan_unmet")),
    )
    with op.batch_alter_table("plan_unmet", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_unmet_requirement_id"), ["requirement_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_unmet", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_unmet_requirement_id"))

    op.drop_table("plan_unmet")
    with op.batch_alter_table("plan_allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_allocations_requirement_id"))
        batch_op.drop_index(batch_op.f("ix_plan_allocations_plan_id"))
        batch_op.drop_index(batch_op.f("ix_plan_allocations_offer_id"))

    op.drop_table("plan_allocations")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_status"))

    op.drop_table("plans")
