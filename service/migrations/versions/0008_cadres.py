"""督查人员信息库: leaders, cadres, rotation draws

Revision ID: 0008_cadres
Revises: 0007_scoring
Create Date: 2026-11-22 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db.models

revision = "0008_cadres"
down_revision = "0007_scoring"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
