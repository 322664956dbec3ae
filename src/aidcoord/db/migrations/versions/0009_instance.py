"""the instance's identity (for state bundles)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 13:40:00
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    instance = op.create_table(
        "instance",
        sa.Column("instance_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("instance_id", name=op.f("pk_instance")),
    )
    # Every database gets its own identity when it is made, so a bundle can name where it came from.
    op.bulk_insert(instance, [{"instance_id": str(uuid.uuid4()), "created_at": dt.datetime.now(dt.UTC)}])


def downgrade() -> None:
    op.drop_table("instance")
