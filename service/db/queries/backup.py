"""SQL for backups and restores: row counts, the schema revision, what a restore checks afterwards.

Works on a bare Connection (a SQLite snapshot file, or a PostgreSQL snapshot transaction), not a UnitOfWork.
"""

from __future__ import annotations

from sqlalchemy import Connection, distinct, func, inspect, select, table, text

from service.db.models import Attachment, HistoryEvent

# Rows that `duban db upgrade` writes by itself (the migration table and the seeded holiday calendar):
# a database holding only these is still "empty" for a restore.
SEEDED_TABLES = frozenset({"alembic_version", "calendar_days", "calendar_years"})


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows per table of the default schema, by table name."""
    names = sorted(inspect(conn).get_table_names())
    return {name: int(conn.execute(select(func.count()).select_from(table(name))).scalar_one()) for name in names}


def holds_data(counts: dict[str, int]) -> bool:
    return any(n for name, n in counts.items() if name not in SEEDED_TABLES)


def schema_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def attachment_records(conn: Connection) -> list[tuple[int, str, str]]:
    """(id, storage key, sha256) of every attachment row."""
    stmt = select(Attachment.id, Attachment.storage_key, Attachment.sha256).order_by(Attachment.id)
    return [(int(i), str(k), str(s)) for i, k, s in conn.execute(stmt)]


def instances_with_history(conn: Connection) -> list[int]:
    stmt = select(distinct(HistoryEvent.instance_id)).order_by(HistoryEvent.instance_id)
    return [int(i) for i in conn.execute(stmt).scalars()]
