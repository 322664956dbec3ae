"""reference data and scenario tables

Revision ID: 0001
Revises:
Create Date: 2026-11-23 07:24:37.908924
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dataset",
        sa.Column("dataset_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("horizon_weeks", sa.Integer(), nullable=False),
        sa.Column("lateness_decay_per_week", sa.Double(), nullable=False),
        sa.Column("transport_cost_weight", sa.Double(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.CheckConstraint("dataset_id = 1", name=op.f("ck_dataset_single_row")),
        sa.CheckConstraint("horizon_weeks > 0", name=op.f("ck_dataset_horizon_positive")),
        sa.PrimaryKeyConstraint("dataset_id", name=op.f("pk_dataset")),
    )
    op.create_table(
        "items",
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("capability", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("unit_mass_kg", sa.Double(), nullable=False),
        sa.Column("unit_value_eur", sa.Double(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.CheckConstraint("unit_mass_kg > 0", name=op.f("ck_items_mass_positive")),
        sa.CheckConstraint("unit_value_eur >= 0", name=op.f("ck_items_value_non_negative")),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_items")),
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_items_capability"), ["capability"], unique=False)

    op.create_table(
        "nations",
        sa.Column("nation_id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("gdp_usd_bn", sa.Double(), nullable=True),
        sa.Column("defence_pct_gdp", sa.Double(), nullable=True),
        sa.Column("nato_member", sa.Boolean(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "defence_pct_gdp IS NULL OR (defence_pct_gdp >= 0 AND defence_pct_gdp <= 100)",
            name=op.f("ck_nations_defence_pct_range"),
        ),
        sa.CheckConstraint("gdp_usd_bn IS NULL OR gdp_usd_bn >= 0", name=op.f("ck_nations_gdp_non_negative")),
        sa.PrimaryKeyConstraint("nation_id", name=op.f("pk_nations")),
    )
    op.create_table(
        "training_needs",
        sa.Column("need_id", sa.String(length=64), nullable=False),
        sa.Column("specialty", sa.String(length=64), nullable=False),
        sa.Column("trainees", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Double(), nullable=False),
        sa.Column("due_week", sa.Integer(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.CheckConstraint("due_week >= 0", name=op.f("ck_training_needs_due_week_non_negative")),
        sa.CheckConstraint("trainees > 0", name=op.f("ck_training_needs_trainees_positive")),
        sa.CheckConstraint("weight > 0", name=op.f("ck_training_needs_weight_positive")),
        sa.PrimaryKeyConstraint("need_id", name=op.f("pk_training_needs")),
    )
    with op.batch_alter_table("training_needs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_needs_specialty"), ["specialty"], unique=False)

    op.create_table(
        "sites",
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("nation_id", sa.String(length=16), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("throughput_t_per_week", sa.Double(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'hub' AND throughput_t_per_week > 0) OR (kind <> 'hub' AND throughput_t_per_week IS NULL)",
            name=op.f("ck_sites_hub_throughput"),
        ),
        sa.CheckConstraint("kind IN ('depot', 'hub', 'delivery', 'hq')", name=op.f("ck_sites_kind_known")),
        sa.ForeignKeyConstraint(
            ["nation_id"], ["nations.nation_id"], name=op.f("fk_sites_nation_id_nations")
        ),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_sites")),
    )
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sites_nation_id"), ["nation_id"], unique=False)

    op.create_table(
        "substitutes",
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("substitute_item_id", sa.String(length=64), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.CheckConstraint("item_id <> substitute_item_id", name=op.f("ck_substitutes_not_itself")),
        sa.ForeignKeyConstraint(["item_id"], ["items.item_id"], name=op.f("fk_substitutes_item_id_items")),
        sa.ForeignKeyConstraint(
            ["substitute_item_id"], ["items.item_id"], name=op.f("fk_substitutes_substitute_item_id_items")
        ),
        sa.PrimaryKeyConstraint("item_id", "substitute_item_id", name=op.f("pk_substitutes")),
    )
    with op.batch_alter_table("substitutes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_substitutes_substitute_item_id"), ["substitute_item_id"], unique=False
        )

    op.create_table(
        "courses",
        sa.Column("course_id", sa.String(length=64), nullable=False),
        sa.Column("nation_id", sa.String(length=16), nullable=False),
        sa.Column("specialty", sa.String(length=64), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("start_week", sa.Integer(), nullable=False),
        sa.Column("duration_weeks", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.CheckConstraint("duration_weeks >= 0", name=op.f("ck_courses_duration_non_negative")),
        sa.CheckConstraint("seats > 0", name=op.f("ck_courses_seats_positive")),
        sa.CheckConstraint("start_week >= 0", name=op.f("ck_courses_start_week_non_negative")),
        sa.ForeignKeyConstraint(
            ["nation_id"], ["nations.nation_id"], name=op.f("fk_courses_nation_id_nations")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.site_id"], name=op.f("fk_courses_site_id_sites")),
        sa.PrimaryKeyConstraint("course_id", name=op.f("pk_courses")),
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_courses_nation_id"), ["nation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_courses_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_courses_specialty"), ["specialty"], unique=False)

    op.create_table(
        "lanes",
        sa.Column("from_site_id", sa.String(length=64), nullable=False),
        sa.Column("to_site_id", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=32), nullable=False),
        sa.Column("lead_time_weeks", sa.Integer(), nullable=False),
        sa.Column("cost_eur_per_t", sa.Double(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.CheckConstraint("cost_eur_per_t >= 0", name=op.f("ck_lanes_cost_non_negative")),
        sa.CheckConstraint("lead_time_weeks >= 0", name=op.f("ck_lanes_lead_time_non_negative")),
        sa.ForeignKeyConstraint(
            ["from_site_id"], ["sites.site_id"], name=op.f("fk_lanes_from_site_id_sites")
        ),
        sa.ForeignKeyConstraint(["to_site_id"], ["sites.site_id"], name=op.f("fk_lanes_to_site_id_sites")),
        sa.PrimaryKeyConstraint("from_site_id", "to_site_id", name=op.f("pk_lanes")),
    )
    with op.batch_alter_table("lanes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lanes_to_site_id"), ["to_site_id"], unique=False)

    op.create_table(
        "offers",
        sa.Column("offer_id", sa.String(length=64), nullable=False),
        sa.Column("nation_id", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("available_week", sa.Integer(), nullable=False),
        sa.Column("origin_site_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "status IN ('announced', 'committed', 'withdrawn')", name=op.f("ck_offers_status_known")
        ),
        sa.CheckConstraint("available_week >= 0", name=op.f("ck_offers_available_week_non_negative")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_offers_quantity_positive")),
        sa.ForeignKeyConstraint(["item_id"], ["items.item_id"], name=op.f("fk_offers_item_id_items")),
        sa.ForeignKeyConstraint(
            ["nation_id"], ["nations.nation_id"], name=op.f("fk_offers_nation_id_nations")
        ),
        sa.ForeignKeyConstraint(
            ["origin_site_id"], ["sites.site_id"], name=op.f("fk_offers_origin_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("offer_id", name=op.f("pk_offers")),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offers_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_nation_id"), ["nation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_origin_site_id"), ["origin_site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_status"), ["status"], unique=False)

    op.create_table(
        "organisations",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("nation_id", sa.String(length=16), nullable=True),
        sa.Column("site_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "kind IN ('coordination_cell', 'nation_delegation', 'hub_operator', 'recipient', 'auditor')",
            name=op.f("ck_organisations_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["nation_id"], ["nations.nation_id"], name=op.f("fk_organisations_nation_id_nations")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.site_id"], name=op.f("fk_organisations_site_id_sites")),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_organisations")),
    )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisations_nation_id"), ["nation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_organisations_site_id"), ["site_id"], unique=False)

    op.create_table(
        "requirements",
        sa.Column("requirement_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Double(), nullable=False),
        sa.Column("due_week", sa.Integer(), nullable=False),
        sa.Column("delivery_site_id", sa.String(length=64), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.CheckConstraint("due_week >= 0", name=op.f("ck_requirements_due_week_non_negative")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_requirements_quantity_positive")),
        sa.CheckConstraint("weight > 0", name=op.f("ck_requirements_weight_positive")),
        sa.ForeignKeyConstraint(
            ["delivery_site_id"], ["sites.site_id"], name=op.f("fk_requirements_delivery_site_id_sites")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["items.item_id"], name=op.f("fk_requirements_item_id_items")),
        sa.PrimaryKeyConstraint("requirement_id", name=op.f("pk_requirements")),
    )
    with op.batch_alter_table("requirements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_requirements_delivery_site_id"), ["delivery_site_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_requirements_item_id"), ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("requirements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_requirements_item_id"))
        batch_op.drop_index(batch_op.f("ix_requirements_delivery_site_id"))

    op.drop_table("requirements")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisations_site_id"))
        batch_op.drop_index(batch_op.f("ix_organisations_nation_id"))

    op.drop_table("organisations")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offers_status"))
        batch_op.drop_index(batch_op.f("ix_offers_origin_site_id"))
        batch_op.drop_index(batch_op.f("ix_offers_nation_id"))
        batch_op.drop_index(batch_op.f("ix_offers_item_id"))

    op.drop_table("offers")
    with op.batch_alter_table("lanes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lanes_to_site_id"))

    op.drop_table("lanes")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_courses_specialty"))
        batch_op.drop_index(batch_op.f("ix_courses_site_id"))
        batch_op.drop_index(batch_op.f("ix_courses_nation_id"))

    op.drop_table("courses")
    with op.batch_alter_table("substitutes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_substitutes_substitute_item_id"))

    op.drop_table("substitutes")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sites_nation_id"))

    op.drop_table("sites")
    with op.batch_alter_table("training_needs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_needs_specialty"))

    op.drop_table("training_needs")
    op.drop_table("nations")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_items_capability"))

    op.drop_table("items")
    op.drop_table("dataset")
