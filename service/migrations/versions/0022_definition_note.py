"""A note on each deployed version (版本说明, issue 12 point 5)

Revision ID: 0022_definition_note
Revises: 0021_organisation
Create Date: 2026-12-03 18:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_definition_note"
down_revision = "0021_organisation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("process_definitions") as batch:
        batch.add_column(sa.Column("note", sa.String(500), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("process_definitions") as batch:
        batch.drop_column("note")
