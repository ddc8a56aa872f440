"""rectification items of a campaign as their own 督办事项 instances: campaign_items links them

Revision ID: 0012_campaign_items
Revises: 0011_campaign_bulletins
Create Date: 2026-12-03 10:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import service.db.models

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = service.db.models.UTCDateTime(timezone=True)

revision = "0012_campaign_items"
down_revision = "0011_campaign_bulletins"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_items",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("campaign_id", BigId, sa.ForeignKey("process_instances.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("problem", JSONType, nullable=False),
        sa.Column("item_id", BigId, sa.ForeignKey("process_instances.id"), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.UniqueConstraint("campaign_id", "position", name="uq_campaign_item_position"),
    )
    op.create_index("ix_campaign_items_campaign_id", "campaign_items", ["campaign_id"])
    op.create_index("ix_campaign_items_item_id", "campaign_items", ["item_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_campaign_items_item_id", table_name="campaign_items")
    op.drop_index("ix_campaign_items_campaign_id", table_name="campaign_items")
    op.drop_table("campaign_items")
