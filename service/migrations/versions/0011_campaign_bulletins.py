"""督查通报 of an inspection campaign in the same 第N期 series: bulletins.kind and bulletins.instance_id

Revision ID: 0011_campaign_bulletins
Revises: 0010_access
Create Date: 2026-12-03 09:00:00
"""

import sqlalchemy as sa
from alembic import op

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0011_campaign_bulletins"
down_revision = "0010_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bulletins") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="period"))
        batch.add_column(sa.Column("instance_id", BigId, nullable=True))
        batch.create_foreign_key("fk_bulletins_instance", "process_instances", ["instance_id"], ["id"])
        batch.create_index("ix_bulletins_instance_id", ["instance_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("bulletins") as batch:
        batch.drop_index("ix_bulletins_instance_id")
        batch.drop_constraint("fk_bulletins_instance", type_="foreignkey")
        batch.drop_column("instance_id")
        batch.drop_column("kind")
