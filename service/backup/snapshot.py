"""What a database snapshot yields: the dump file and the facts read from the same snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection

from service.db.queries import backup as backup_queries


@dataclass
class Snapshot:
    database: str  # "sqlite" or "postgresql"
    member: str  # the dump's name inside the archive
    path: Path
    counts: dict[str, int]
    schema_revision: str | None
    attachments: list[tuple[int, str, str]]  # (id, storage key, sha256) rows of the snapshot
    server_version: str | None = None
    tool: str | None = None


def read_facts(conn: Connection) -> tuple[dict[str, int], str | None, list[tuple[int, str, str]]]:
    """Counts, schema revision and attachment rows, all read on one connection (one snapshot)."""
    counts = backup_queries.table_counts(conn)
    return counts, backup_queries.schema_revision(conn), backup_queries.attachment_records(conn)
