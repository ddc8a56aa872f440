"""督查通报 bulletins and their praise / criticism mentions

Revision ID: 0006_bulletins
Revises: 0005_notifications
Create Date: 2026-11-22 09:00:00
"""

import sqlalchemy as sa
import sqlalchemy.dialects.postgresql
from alembic import op

import service.db.models

revision = "0006_bulletins"
down_revision = "0005_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulletins",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("issue_no", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("period_start", sa.String(length=10), nullable=False),
        sa.Column("period_end", sa.String(length=10), nullable=False),
        sa.Column("totals", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("requirements", sa.Text(), nullable=False),
        sa.Column("storage_key", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", service.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "issue_no", name="uq_bulletin_year_issue"),
        sa.UniqueConstraint("storage_key"),
    )
    op.create_table(
        "bulletin_mentions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("bulletin_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(["bulletin_id"], ["bulletins.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_bulletin_mentions_bulletin_id", "bulletin_mentions", ["bulletin_id"])
    op.create_index("ix_bulletin_mentions_unit_code", "bulletin_mentions", ["unit_code"])


def downgrade() -> None:
    op.drop_table("bulletin_mentions")
    op.drop_table("bulletins")
