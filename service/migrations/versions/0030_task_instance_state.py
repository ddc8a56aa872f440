"""An instance's ready tasks by one index (issue 14 point 2): `ready_for_instance` (twice per completion)
found them through the index on instance_id alone and read every task the instance ever had to test its
state — 2,000 rows (with their data) after 1,000 return rounds, ~1.4 ms each on SQLite. The index on
(instance_id, state) replaces it; its first column still serves every query by instance.

Revision ID: 0030_task_instance_state
Revises: 0029_page_indexes
Create Date: 2026-12-07 05:00:00
"""

from alembic import op

revision = "0030_task_instance_state"
down_revision = "0029_page_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tasks_instance_state", "human_tasks", ["instance_id", "state"])
    op.drop_index("ix_human_tasks_instance_id", table_name="human_tasks")


def downgrade() -> None:
    op.create_index("ix_human_tasks_instance_id", "human_tasks", ["instance_id"])
    op.drop_index("ix_tasks_instance_state", table_name="human_tasks")
