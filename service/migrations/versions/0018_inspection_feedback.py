"""督查反馈意见 per inspected unit: inspection_feedback (炎陵 §三(一)3)

Revision ID: 0018_inspection_feedback
Revises: 0017_task_position
Create Date: 2026-12-04 12:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db.models

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = service.db.models.UTCDateTime(timezone=True)

revision = "0018_inspection_feedback"
down_revision = "0017_task_position"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspection_feedback",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("campaign_id", BigId, sa.ForeignKey("process_instances.id"), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("group_name", sa.String(length=200), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("given_by", sa.String(length=64), nullable=False),
        sa.Column("given_at", When, nullable=False),
    )
    op.create_index("ix_inspection_feedback_campaign_unit", "inspection_feedback", ["campaign_id", "unit_code"])


def downgrade() -> None:
    op.drop_index("ix_inspection_feedback_campaign_unit", table_name="inspection_feedback")
    op.drop_table("inspection_feedback")
