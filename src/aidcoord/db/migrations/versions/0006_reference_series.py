"""reference series: releases of the Kiel Ukraine Support Tracker and their monthly rows

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 11:07:37.858258
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_releases",
        sa.Column("release_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("release", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("release_id", name=op.f("pk_reference_releases")),
    )
    with op.batch_alter_table("reference_releases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reference_releases_source"), ["source"], unique=False)

    op.create_table(
        "kiel_monthly",
        sa.Column("release_id", sa.String(length=64), nullable=False),
        sa.Column("iso", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("country", sa.String(length=200), nullable=False),
        sa.Column("total", sa.Double(), nullable=False),
        sa.Column("financial", sa.Double(), nullable=False),
        sa.Column("humanitarian", sa.Double(), nullable=False),
        sa.Column("military", sa.Double(), nullable=False),
        sa.Column("commitments", sa.Double(), nullable=False),
        sa.Column("to_be_allocated", sa.Double(), nullable=False),
        sa.Column("gdp", sa.Double(), nullable=False),
        sa.Column("pct_gdp", sa.Double(), nullable=False),
        sa.CheckConstraint("gdp >= 0", name=op.f("ck_kiel_monthly_gdp_non_negative")),
        sa.CheckConstraint("month BETWEEN 1 AND 12", name=op.f("ck_kiel_monthly_month_valid")),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["reference_releases.release_id"],
            name=op.f("fk_kiel_monthly_release_id_reference_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("release_id", "iso", "year", "month", name=op.f("pk_kiel_monthly")),
    )


def downgrade() -> None:
    op.drop_table("kiel_monthly")
    with op.batch_alter_table("reference_releases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reference_releases_source"))
    op.drop_table("reference_releases")
