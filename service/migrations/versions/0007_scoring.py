"""考核 scoring rule sets

Revision ID: 0007_scoring
Revises: 0006_bulletins
Create Date: 2026-11-22 09:00:00

The default rules are written by the service on first read (service.scoring.rules), not here.
"""

import sqlalchemy as sa
import sqlalchemy.dialects.postgresql
from alembic import op

import service.db.models

revision = "0007_scoring"
down_revision = "0006_bulletins"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "score_rule_sets",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", service.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version"),
    )


def downgrade() -> None:
    op.drop_table("score_rule_sets")
