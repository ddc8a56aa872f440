"""notifications: in-app list, outbox for email and webhooks

Revision ID: 0005_notifications
Revises: 0004_calendar
Create Date: 2026-11-22 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db.models

revision = "0005_notifications"
down_revision = "0004_calendar"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
