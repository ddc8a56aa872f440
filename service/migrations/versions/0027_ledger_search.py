"""台账 at 100,000 items (issue 14 point 3): substring search indexes and background export jobs

SQLite: `ledger_search`, an FTS5 `trigram` table with external content (ledger_items) kept in step by
triggers, for queries of 3 characters and more; `ledger_chars`, an FTS5 table holding every character of
the searchable text as one token (written by the projection, service.db.queries.ledger.char_tokens), for
queries of 1 and 2 characters. PostgreSQL: a stored generated tsvector column of the characters with a
GIN index (works in any locale, for every query length) and, when the pg_trgm extension can be created and the database's ctype
makes trigrams of CJK text, GIN trigram indexes on title, content and business number. See docs/decisions/0023.

Revision ID: 0027_ledger_search
Revises: 0026_history_integrity
Create Date: 2026-12-07 01:10:00
"""

import logging

import sqlalchemy as sa
from alembic import op

import service.db.models
from service.db.queries.ledger import PG_CHARS_COLUMN, PG_CHARS_TSVECTOR, char_tokens

When = service.db.models.UTCDateTime(timezone=True)
BigId = service.db.models.BigId
JSON = service.db.models.JSONType

revision = "0027_ledger_search"
down_revision = "0026_history_integrity"
branch_labels = None
depends_on = None
log = logging.getLogger("alembic.runtime.migration")

SQLITE_TRIGGERS = (
    """CREATE TRIGGER ledger_search_ai AFTER INSERT ON ledger_items BEGIN
         INSERT INTO ledger_search(rowid, title, content, business_number)
         VALUES (new.instance_id, new.title, new.content, new.business_number);
       END""",
    """CREATE TRIGGER ledger_search_ad AFTER DELETE ON ledger_items BEGIN
         INSERT INTO ledger_search(ledger_search, rowid, title, content, business_number)
         VALUES ('delete', old.instance_id, old.title, old.content, old.business_number);
       END""",
    """CREATE TRIGGER ledger_search_au AFTER UPDATE OF title, content, business_number ON ledger_items BEGIN
         INSERT INTO ledger_search(ledger_search, rowid, title, content, business_number)
         VALUES ('delete', old.instance_id, old.title, old.content, old.business_number);
         INSERT INTO ledger_search(rowid, title, content, business_number)
         VALUES (new.instance_id, new.title, new.content, new.business_number);
       END""",
)


def _sqlite() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE ledger_search USING fts5(title, content, business_number, "
        "content='ledger_items', content_rowid='instance_id', tokenize='trigram')"
    )
    for trigger in SQLITE_TRIGGERS:
        op.execute(trigger)
    op.execute("INSERT INTO ledger_search(ledger_search) VALUES ('rebuild')")
    op.execute("CREATE VIRTUAL TABLE ledger_chars USING fts5(chars, tokenize='unicode61')")
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT instance_id, title, content, business_number FROM ledger_items"))
    batch = []
    for row in rows:
        batch.append({"id": row[0], "chars": char_tokens(row[1], row[2], row[3])})
        if len(batch) >= 1000:
            bind.execute(sa.text("INSERT INTO ledger_chars(rowid, chars) VALUES (:id, :chars)"), batch)
            batch = []
    if batch:
        bind.execute(sa.text("INSERT INTO ledger_chars(rowid, chars) VALUES (:id, :chars)"), batch)


def _postgresql() -> None:
    # Stored, not only indexed: a phrase query rechecks each candidate row, and recomputing the expression
    # there cost ~50 µs a row (seconds for a character most rows contain).
    op.execute(
        f"ALTER TABLE ledger_items ADD COLUMN {PG_CHARS_COLUMN} tsvector GENERATED ALWAYS AS ({PG_CHARS_TSVECTOR}) STORED"
    )
    op.execute(f"CREATE INDEX ix_ledger_chars ON ledger_items USING gin ({PG_CHARS_COLUMN})")
    bind = op.get_bind()
    available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first()
    if available is None:
        log.warning("pg_trgm is not available: the ledger search uses the character index only")
        return
    try:
        with bind.begin_nested():
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        log.warning("CREATE EXTENSION pg_trgm refused (no privilege?): the ledger search uses the character index")
        return
    cjk = bind.execute(sa.text("SELECT cardinality(show_trgm('老旧小区')) > 0")).scalar()
    if not cjk:
        log.warning("pg_trgm makes no trigrams of CJK text in this database's ctype: no trigram indexes")
        return
    op.execute("CREATE INDEX ix_ledger_title_trgm ON ledger_items USING gin (title gin_trgm_ops)")
    op.execute("CREATE INDEX ix_ledger_content_trgm ON ledger_items USING gin (content gin_trgm_ops)")
    op.execute("CREATE INDEX ix_ledger_number_trgm ON ledger_items USING gin (business_number gin_trgm_ops)")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite()
    elif dialect == "postgresql":
        _postgresql()
    op.create_table(
        "ledger_export_jobs",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("filters", JSON, nullable=False),
        sa.Column("sort", sa.String(32), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("started_at", When, nullable=True),
        sa.Column("finished_at", When, nullable=True),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("heartbeat_at", When, nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_ledger_export_jobs_status", "ledger_export_jobs", ["status", "heartbeat_at"])
    op.create_index("ix_ledger_export_jobs_created_by", "ledger_export_jobs", ["created_by", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_ledger_export_jobs_created_by", "ledger_export_jobs")
    op.drop_index("ix_ledger_export_jobs_status", "ledger_export_jobs")
    op.drop_table("ledger_export_jobs")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("ledger_search_ai", "ledger_search_ad", "ledger_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS ledger_search")
        op.execute("DROP TABLE IF EXISTS ledger_chars")
    elif dialect == "postgresql":
        for name in ("ix_ledger_title_trgm", "ix_ledger_content_trgm", "ix_ledger_number_trgm", "ix_ledger_chars"):
            op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute(f"ALTER TABLE ledger_items DROP COLUMN IF EXISTS {PG_CHARS_COLUMN}")
