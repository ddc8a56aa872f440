"""After a restore: every history chain verifies, every attachment file matches its row, counts match."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from service.attachments import file_store
from service.backup.manifest import Manifest
from service.db.queries import backup as backup_queries
from service.db.session import UnitOfWork
from service.process import history


@dataclass
class Verification:
    histories: int = 0
    broken_histories: list[int] = field(default_factory=list)  # instance ids
    attachments: int = 0
    bad_attachments: list[int] = field(default_factory=list)  # attachment ids: missing or sha256 differs
    count_mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)  # table: (manifest, restored)
    schema_revision: str | None = None
    revision_matches: bool = True

    @property
    def ok(self) -> bool:
        return not (self.broken_histories or self.bad_attachments or self.count_mismatches) and self.revision_matches


def verify_restored(engine: Engine, data_dir: Path, manifest: Manifest) -> Verification:
    result = Verification()
    with engine.connect() as conn:
        counts = backup_queries.table_counts(conn)
        result.schema_revision = backup_queries.schema_revision(conn)
        attachments = backup_queries.attachment_records(conn)
        instance_ids = backup_queries.instances_with_history(conn)
    result.revision_matches = result.schema_revision == manifest.schema_revision
    for table in sorted(set(counts) | set(manifest.counts)):
        expected, got = manifest.counts.get(table, -1), counts.get(table, -1)
        if expected != got:
            result.count_mismatches[table] = (expected, got)
    with UnitOfWork(sessionmaker(bind=engine)) as uow:
        for instance_id in instance_ids:
            if not history.verify(uow, instance_id).ok:
                result.broken_histories.append(instance_id)
            uow.release_loaded()  # keep memory flat over many instances
    result.histories = len(instance_ids)
    for attachment_id, key, sha256 in attachments:
        if file_store.sha256_of(file_store.path_for(data_dir, key)) != sha256:
            result.bad_attachments.append(attachment_id)
    result.attachments = len(attachments)
    return result
