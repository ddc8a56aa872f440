"""item deadlines: time limit unit (working days / months); flows kept out of the ledger (延期申请)

Revision ID: 0009_deadlines
Revises: 0008_cadres
Create Date: 2026-11-22 09:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


revision = "0009_deadlines"
down_revision = "0008_cadres"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_items") as batch:
        batch.add_column(sa.Column("time_limit_unit", sa.String(length=16), nullable=False, server_default="workdays"))
    with op.batch_alter_table("process_definitions") as batch:
        batch.add_column(sa.Column("properties", JSONType, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("process_definitions") as batch:
        batch.drop_column("properties")
    with op.batch_alter_table("ledger_items") as batch:
        batch.drop_column("time_limit_unit")
