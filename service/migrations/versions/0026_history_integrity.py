"""History you can prove (issue 13 point 3): the chain head anchored on the instance row, and an append-only
daily digest (a Merkle root over every chain's head) with its leaves

Revision ID: 0026_history_integrity
Revises: 0025_migration_jobs
Create Date: 2026-12-06 22:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db.models

When = service.db.models.UTCDateTime(timezone=True)
BigId = service.db.models.BigId

revision = "0026_history_integrity"
down_revision = "0025_migration_jobs"
branch_labels = None
depends_on = None

TABLES = ("history_digests", "history_digest_leaves")
REFUSAL = "history digests are append-only"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION history_digest_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{REFUSAL}';
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    # Plain ALTER TABLE on both databases (SQLite adds and drops columns in place; no table copy, which
    # the foreign keys onto process_instances would refuse).
    op.add_column("process_instances", sa.Column("history_head", sa.String(64), nullable=True))
    op.add_column("process_instances", sa.Column("history_count", sa.Integer(), nullable=False, server_default="0"))
    # Anchor the chains that exist: the newest event's hash and its sequence number.
    op.execute(
        "UPDATE process_instances SET "
        "history_head = (SELECT h.hash FROM history_events h WHERE h.instance_id = process_instances.id "
        "ORDER BY h.seq DESC LIMIT 1), "
        "history_count = COALESCE((SELECT MAX(h.seq) FROM history_events h "
        "WHERE h.instance_id = process_instances.id), 0)"
    )
    op.create_table(
        "history_digests",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("leaves", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "history_digest_leaves",
        sa.Column("day", sa.Date(), sa.ForeignKey("history_digests.day"), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("instance_id", BigId, nullable=False),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_history_digest_leaves_instance", "history_digest_leaves", ["instance_id", "day"])
    for table in TABLES:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(PG_FUNCTION)
            op.execute(
                f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION history_digest_append_only()"
            )
        else:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
                )


def downgrade() -> None:
    for table in TABLES:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
        else:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS history_digest_append_only()")
    op.drop_index("ix_history_digest_leaves_instance", "history_digest_leaves")
    op.drop_table("history_digest_leaves")
    op.drop_table("history_digests")
    for column in ("history_count", "history_head"):
        op.execute(f"ALTER TABLE process_instances DROP COLUMN {column}")
