"""考核 scoring rule sets

Revision ID: 0007_scoring
Revises: 0006_bulletins
Create Date: 2026-11-22 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db.models

revision = "0007_scoring"
down_revision = "0006_bulletins"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
