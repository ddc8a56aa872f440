"""Instance operations (issue 12 point 6): a task reassigned to a named person

Suspended and withdrawn instances need no new column: `process_instances.status` holds `suspended` and
`withdrawn` besides running / completed / error (a String(16) already).

Revision ID: 0024_instance_operations
Revises: 0023_definition_drafts
Create Date: 2026-12-06 21:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_instance_operations"
down_revision = "0023_definition_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("human_tasks") as batch:
        batch.add_column(sa.Column("assignee", sa.String(64), nullable=True))
        batch.create_index("ix_human_tasks_assignee", ["assignee"])


def downgrade() -> None:
    with op.batch_alter_table("human_tasks") as batch:
        batch.drop_index("ix_human_tasks_assignee")
        batch.drop_column("assignee")
