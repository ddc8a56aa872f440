"""年度督查计划: plan_items of an adopted plan; campaign_applications (an approved 附件1 used by a campaign)

Revision ID: 0014_annual_plans
Revises: 0013_ledger_priority
Create Date: 2026-12-03 12:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db.models

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = service.db.models.UTCDateTime(timezone=True)

revision = "0014_annual_plans"
down_revision = "0013_ledger_priority"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_items",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("plan_id", BigId, sa.ForeignKey("process_instances.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("lead_unit", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", BigId, sa.ForeignKey("process_instances.id"), nullable=True, unique=True),
        sa.Column("created_at", When, nullable=False),
        sa.UniqueConstraint("plan_id", "position", name="uq_plan_item_position"),
    )
    op.create_index("ix_plan_items_plan_id", "plan_items", ["plan_id"])
    op.create_index("ix_plan_items_year", "plan_items", ["year"])
    op.create_table(
        "campaign_applications",
        sa.Column("application_id", BigId, sa.ForeignKey("process_instances.id"), primary_key=True),
        sa.Column("campaign_id", BigId, sa.ForeignKey("process_instances.id"), nullable=False, unique=True),
    )


def downgrade() -> None:
    op.drop_table("campaign_applications")
    op.drop_index("ix_plan_items_year", table_name="plan_items")
    op.drop_index("ix_plan_items_plan_id", table_name="plan_items")
    op.drop_table("plan_items")
