"""Jobs that migrate running instances between definition versions (issue 12 point 7)

Revision ID: 0025_migration_jobs
Revises: 0024_instance_operations
Create Date: 2026-12-06 21:10:00
"""

import sqlalchemy as sa
from alembic import op

import service.db.models

JSON = service.db.models.JSONType
When = service.db.models.UTCDateTime(timezone=True)
BigId = service.db.models.BigId

revision = "0025_migration_jobs"
down_revision = "0024_instance_operations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "migration_jobs",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("process_key", sa.String(100), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=False),
        sa.Column("to_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("started_at", When, nullable=True),
        sa.Column("finished_at", When, nullable=True),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("heartbeat_at", When, nullable=True),
    )
    op.create_index("ix_migration_jobs_status", "migration_jobs", ["status", "heartbeat_at"])
    op.create_index("ix_migration_jobs_process_key", "migration_jobs", ["process_key"])
    op.create_table(
        "migration_job_items",
        sa.Column("job_id", BigId, sa.ForeignKey("migration_jobs.id"), primary_key=True),
        sa.Column("instance_id", BigId, sa.ForeignKey("process_instances.id"), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", JSON, nullable=False),
        sa.Column("finished_at", When, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("migration_job_items")
    op.drop_index("ix_migration_jobs_status", "migration_jobs")
    op.drop_index("ix_migration_jobs_process_key", "migration_jobs")
    op.drop_table("migration_jobs")
