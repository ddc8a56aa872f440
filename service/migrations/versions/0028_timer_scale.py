"""Timers at scale (issue 14 point 4): a timer worker claims a batch of due instances with a lease on the
instance row (who, until when), so that two workers never fire the same instance and a crashed worker's
claims run out by themselves

Revision ID: 0028_timer_scale
Revises: 0026_history_integrity
Create Date: 2026-12-07 01:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db.models

When = service.db.models.UTCDateTime(timezone=True)

revision = "0028_timer_scale"
down_revision = "0027_ledger_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases (nullable columns: no table copy on SQLite, no rewrite on PostgreSQL).
    op.add_column("process_instances", sa.Column("timer_claimed_by", sa.String(100), nullable=True))
    op.add_column("process_instances", sa.Column("timer_claim_until", When, nullable=True))


def downgrade() -> None:
    for column in ("timer_claim_until", "timer_claimed_by"):
        op.execute(f"ALTER TABLE process_instances DROP COLUMN {column}")
