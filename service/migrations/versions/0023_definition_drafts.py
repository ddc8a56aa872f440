"""The modeler's working copies of processes (issue 12 points 1 to 3)

Revision ID: 0023_definition_drafts
Revises: 0022_definition_note
Create Date: 2026-12-03 22:40:00
"""

import sqlalchemy as sa
from alembic import op

import service.db.models

JSON = service.db.models.JSONType
When = service.db.models.UTCDateTime(timezone=True)

revision = "0023_definition_drafts"
down_revision = "0022_definition_note"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "definition_drafts",
        sa.Column("process_key", sa.String(100), primary_key=True),
        sa.Column("bpmn_xml", sa.Text(), nullable=False),
        sa.Column("forms", JSON, nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", When, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("definition_drafts")
