"""`duban backup`: the database snapshot, then the attachment files its rows refer to, into one archive."""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from service.attachments import file_store
from service.backup import postgres_db, sqlite_db
from service.backup.archive import ArchiveWriter
from service.backup.manifest import Manifest
from service.backup.snapshot import Snapshot
from service.config import Settings
from service.db.session import make_engine
from service.errors import Conflict


@dataclass
class BackupResult:
    path: Path
    manifest: Manifest
    seconds: float
    warnings: list[str] = field(default_factory=list)


def default_name(now: datetime) -> str:
    return f"duban-backup-{now:%Y%m%d-%H%M%S}.tar.gz"


def _snapshot(settings: Settings, work_dir: Path) -> Snapshot:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return sqlite_db.snapshot(url, work_dir)
    engine = make_engine(settings.database_url)
    try:
        return postgres_db.snapshot(engine, work_dir)
    finally:
        engine.dispose()


def _add_attachments(writer: ArchiveWriter, snap: Snapshot, data_dir: Path) -> list[str]:
    """The files of the snapshot's attachment rows (a file is stored before its row commits, so each is there).
    Uploads newer than the snapshot are left out: their rows are not in this backup."""
    warnings = []
    for attachment_id, key, sha256 in snap.attachments:
        path = file_store.path_for(data_dir, key)
        if not path.is_file():
            warnings.append(f"附件 {attachment_id} 的文件缺失：{path}")
            continue
        entry = writer.add_file(f"attachments/{key[:2]}/{key}", path)
        if entry.sha256 != sha256:
            warnings.append(f"附件 {attachment_id} 的文件与登记的 sha256 不符（已按现状备份）")
    return warnings


def create_backup(settings: Settings, output: Path | None = None, now: datetime | None = None) -> BackupResult:
    started = time.monotonic()
    now = now or datetime.now(UTC)
    target = output or Path.cwd()
    if target.is_dir():
        target = target / default_name(now.astimezone())
    if target.exists():
        raise Conflict(f"备份文件已存在：{target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    work_dir = Path(tempfile.mkdtemp(prefix=".duban-backup-", dir=target.parent))
    try:
        snap = _snapshot(settings, work_dir)
        writer = ArchiveWriter(target)
        try:
            writer.add_file(snap.member, snap.path)
            snap.path.unlink()  # free the space before the attachments are copied
            warnings = _add_attachments(writer, snap, settings.data_dir)
            manifest = Manifest(
                created_at=now.isoformat(timespec="seconds"),
                database=snap.database,
                schema_revision=snap.schema_revision,
                counts=snap.counts,
                server_version=snap.server_version,
                tool=snap.tool,
            )
            writer.finish(manifest)
        except BaseException:
            writer.abort()
            raise
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    return BackupResult(target, manifest, time.monotonic() - started, warnings)
