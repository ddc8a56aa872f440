"""Position-restricted tasks: human_tasks.position (a unit's 负责人 confirms its final report, 004 S6a)

Revision ID: 0017_task_position
Revises: 0016_accountability
Create Date: 2026-12-04 11:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_task_position"
down_revision = "0016_accountability"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("human_tasks") as batch:
        batch.add_column(sa.Column("position", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("human_tasks") as batch:
        batch.drop_column("position")
