"""item deadlines: time limit unit, extensions and manual reminders

Revision ID: 0009_deadlines
Revises: 0008_cadres
Create Date: 2026-11-22 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db.models

revision = "0009_deadlines"
down_revision = "0008_cadres"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
