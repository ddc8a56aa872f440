"""督查问责: accountability_referrals (a unit referred for 推诿、拒办、弄虚作假 or 失职 on an item)

Revision ID: 0016_accountability
Revises: 0015_archives
Create Date: 2026-12-03 14:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db.models

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = service.db.models.UTCDateTime(timezone=True)

revision = "0016_accountability"
down_revision = "0015_archives"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accountability_referrals",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("instance_id", BigId, sa.ForeignKey("process_instances.id"), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", When, nullable=False),
    )
    op.create_index("ix_accountability_referrals_instance_id", "accountability_referrals", ["instance_id"])
    op.create_index("ix_accountability_referrals_unit_code", "accountability_referrals", ["unit_code"])
    op.create_index("ix_accountability_referrals_recorded_at", "accountability_referrals", ["recorded_at"])


def downgrade() -> None:
    op.drop_table("accountability_referrals")
