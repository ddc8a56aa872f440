"""ledger: covering indexes for unit visibility, unit filters and per-unit statistics

Revision ID: 0003_ledger_indexes
Revises: 0002_ledger_drafts_attachments
Create Date: 2026-11-22 14:00:00.000000

Measured with bench/ledger.py at 100,000 rows: a unit's rows are "lead_unit = x OR co_units LIKE
'%,x,%'", which no single-column index answers, so counts scanned the whole table; the per-unit
statistics scanned and sorted it. Both now read a narrow index only.
"""

from alembic import op

revision = "0003_ledger_indexes"
down_revision = "0002_ledger_drafts_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_items", schema=None) as batch_op:
        # GROUP BY lead_unit with status/deadline/closed_at sums; unit-scoped counts (co_units at the end)
        batch_op.create_index(
            "ix_ledger_unit_stats", ["lead_unit", "status", "deadline_at", "closed_at", "co_units"], unique=False
        )
        # status + unit filter counts
        batch_op.create_index("ix_ledger_status_units", ["status", "lead_unit", "co_units"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ledger_items", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_status_units")
        batch_op.drop_index("ix_ledger_unit_stats")
