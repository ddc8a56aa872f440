"""资料归档: one archive package per item or campaign (archives)

Revision ID: 0015_archives
Revises: 0014_annual_plans
Create Date: 2026-12-03 13:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import service.db.models

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = service.db.models.UTCDateTime(timezone=True)

revision = "0015_archives"
down_revision = "0014_annual_plans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archives",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("instance_id", BigId, sa.ForeignKey("process_instances.id"), nullable=False),
        sa.Column("archive_no", sa.String(length=64), nullable=False, unique=True),
        sa.Column("retention", sa.String(length=16), nullable=False),
        sa.Column("storage_key", sa.String(length=100), nullable=False, unique=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("manifest", JSONType, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", When, nullable=False),
    )
    op.create_index("ix_archives_instance_id", "archives", ["instance_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_archives_instance_id", table_name="archives")
    op.drop_table("archives")
