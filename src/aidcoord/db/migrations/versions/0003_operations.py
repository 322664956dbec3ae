"""operations: requirement and offer lifecycle, shipments

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 07:59:28.924604
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shipments",
        sa.Column("shipment_id", sa.String(length=64), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.String(length=64), nullable=False),
        sa.Column("requirement_id", sa.String(length=64), nullable=False),
        sa.Column("hub_site_id", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("quantity_received", sa.Integer(), server_default="0", nullable=False),
        sa.Column("quantity_damaged", sa.Integer(), server_default="0", nullable=False),
        sa.Column("quantity_lost", sa.Integer(), server_default="0", nullable=False),
        sa.Column("delayed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('planned', 'dispatched', 'at_hub', 'left_hub', 'delivered', 'received', 'lost')",
            name=op.f("ck_shipments_status_known"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_shipments_quantity_positive")),
        sa.CheckConstraint(
            "quantity_received + quantity_damaged + quantity_lost <= quantity",
            name=op.f("ck_shipments_received_within_shipped"),
        ),
        sa.CheckConstraint(
            "quantity_received >= 0 AND quantity_damaged >= 0 AND quantity_lost >= 0",
            name=op.f("ck_shipments_quantities_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["plan_allocations.allocation_id"],
            name=op.f("fk_shipments_allocation_id_plan_allocations"),
        ),
        sa.ForeignKeyConstraint(
            ["hub_site_id"], ["sites.site_id"], name=op.f("fk_shipments_hub_site_id_sites")
        ),
        sa.ForeignKeyConstraint(["offer_id"], ["offers.offer_id"], name=op.f("fk_shipments_offer_id_offers")),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.plan_id"], name=op.f("fk_shipments_plan_id_plans")),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["requirements.requirement_id"],
            name=op.f("fk_shipments_requirement_id_requirements"),
        ),
        sa.PrimaryKeyConstraint("shipment_id", name=op.f("pk_shipments")),
        sa.UniqueConstraint("allocation_id", name=op.f("uq_shipments_allocation_id")),
    )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipments_hub_site_id"), ["hub_site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_offer_id"), ["offer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_requirement_id"), ["requirement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_status"), ["status"], unique=False)

    op.create_table(
        "shipment_events",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=True),
        sa.Column("week", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("signatory", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.CheckConstraint(
            "kind IN ('dispatched', 'at_hub', 'left_hub', 'delivered', 'received', 'delayed', 'damaged', 'lost')",
            name=op.f("ck_shipment_events_kind_known"),
        ),
        sa.CheckConstraint(
            "quantity IS NULL OR quantity >= 0", name=op.f("ck_shipment_events_quantity_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.shipment_id"], name=op.f("fk_shipment_events_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_shipment_events")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_shipment_events_idempotency_key")),
    )
    with op.batch_alter_table("shipment_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipment_events_shipment_id"), ["shipment_id"], unique=False)

    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("value_eur", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("valuation_method", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("source", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("announced_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("withdrawal_reason", sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            "valuation_method_known",
            "valuation_method IS NULL OR valuation_method IN ('market', 'replacement', 'book')",
        )
        batch_op.create_check_constraint("value_non_negative", "value_eur IS NULL OR value_eur >= 0")

    with op.batch_alter_table("plan_allocations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invalidated", sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table("requirements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=16), server_default="open", nullable=False))
        batch_op.add_column(
            sa.Column("replan_needed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_requirements_status"), ["status"], unique=False)
        batch_op.create_check_constraint("status_known", "status IN ('open', 'cancelled')")


def downgrade() -> None:
    with op.batch_alter_table("requirements", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_requirements_status_known"), type_="check")
        batch_op.drop_index(batch_op.f("ix_requirements_status"))
        batch_op.drop_column("replan_needed")
        batch_op.drop_column("status")

    with op.batch_alter_table("plan_allocations", schema=None) as batch_op:
        batch_op.drop_column("invalidated")

    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_offers_value_non_negative"), type_="check")
        batch_op.drop_constraint(op.f("ck_offers_valuation_method_known"), type_="check")
        batch_op.drop_column("withdrawal_reason")
        batch_op.drop_column("announced_on")
        batch_op.drop_column("source")
        batch_op.drop_column("valuation_method")
        batch_op.drop_column("value_eur")

    with op.batch_alter_table("shipment_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipment_events_shipment_id"))

    op.drop_table("shipment_events")
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipments_status"))
        batch_op.drop_index(batch_op.f("ix_shipments_requirement_id"))
        batch_op.drop_index(batch_op.f("ix_shipments_plan_id"))
        batch_op.drop_index(batch_op.f("ix_shipments_offer_id"))
        batch_op.drop_index(batch_op.f("ix_shipments_hub_site_id"))

    op.drop_table("shipments")
