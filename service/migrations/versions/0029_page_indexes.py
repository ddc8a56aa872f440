"""Indexes the pages need (issue 14 point 5): 已办 (tasks a person completed, newest first) and 我发起的
(instances a person started) were found by scanning every completed task and every instance row

Revision ID: 0029_page_indexes
Revises: 0026_history_integrity
Create Date: 2026-12-07 01:00:00
"""

from alembic import op

revision = "0029_page_indexes"
down_revision = "0028_timer_scale"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tasks_completed_by", "human_tasks", ["completed_by", "completed_at"])
    op.create_index("ix_instances_started_by", "process_instances", ["started_by", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_instances_started_by", table_name="process_instances")
    op.drop_index("ix_tasks_completed_by", table_name="human_tasks")
