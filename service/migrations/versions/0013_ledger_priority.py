"""重点 / 一般 督查 (004 §三.2) in the ledger: ledger_items.priority

Revision ID: 0013_ledger_priority
Revises: 0012_campaign_items
Create Date: 2026-12-03 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_ledger_priority"
down_revision = "0012_campaign_items"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_items") as batch:
        batch.add_column(sa.Column("priority", sa.String(length=8), nullable=False, server_default="一般"))


def downgrade() -> None:
    with op.batch_alter_table("ledger_items") as batch:
        batch.drop_column("priority")
