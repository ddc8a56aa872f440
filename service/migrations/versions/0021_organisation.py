"""Organisation management: units.active and units.sort_order (issue 12 point 8)

Revision ID: 0021_organisation
Revises: 0018_inspection_feedback
Create Date: 2026-12-03 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_organisation"
down_revision = "0018_inspection_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("sort_order", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.drop_column("sort_order")
        batch.drop_column("active")
