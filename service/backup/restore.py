"""`duban restore ARCHIVE`: check the archive, refuse to overwrite data unless forced, restore, verify.

Stop `duban serve` and every `duban worker` first: a restore replaces the database under them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine, make_url

from service.backup import postgres_db, sqlite_db
from service.backup.archive import extract
from service.backup.manifest import PGDUMP_NAME, SQLITE_NAME, Manifest, ManifestError
from service.backup.verify import Verification, verify_restored
from service.config import Settings
from service.db.queries import backup as backup_queries
from service.db.session import make_engine
from service.errors import Conflict, InvalidInput


@dataclass
class RestoreResult:
    manifest: Manifest
    verification: Verification
    set_aside: Path | None  # the attachments directory found before the restore, kept under a new name
    seconds: float

    @property
    def ok(self) -> bool:
        return self.verification.ok


def _current_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return backup_queries.table_counts(conn)


def _swap_attachments(staged: Path, data_dir: Path) -> Path | None:
    """Put the archive's attachments in place; an existing directory with files is renamed, never deleted."""
    live = data_dir / "attachments"
    set_aside = None
    if live.exists():
        if any(p.is_file() for p in live.rglob("*")):
            set_aside = data_dir / f"attachments.before-restore-{datetime.now():%Y%m%d-%H%M%S-%f}"
            os.replace(live, set_aside)
        else:
            shutil.rmtree(live)
    if staged.exists():
        os.replace(staged, live)
    else:
        live.mkdir(parents=True)
    return set_aside


def restore_backup(settings: Settings, archive: Path, force: bool = False) -> RestoreResult:
    started = time.monotonic()
    url = make_url(settings.database_url)
    kind = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".duban-restore-", dir=data_dir))  # same file system: renames
    try:
        try:
            manifest = extract(archive, staging)
        except ManifestError as exc:
            raise InvalidInput(f"{exc}；未做任何改动", {"archive": str(archive)}) from None
        if manifest.database != kind:
            raise InvalidInput(f"备份来自 {manifest.database} 数据库，不能恢复到 {kind} 数据库")
        engine = make_engine(settings.database_url)
        try:
            if backup_queries.holds_data(_current_counts(engine)) and not force:
                raise Conflict("目标数据库已有数据，恢复会覆盖它；确认后加 --force 重新执行（未做任何改动）")
            if kind == "sqlite":
                engine.dispose()  # no pooled connection of ours stays open on the old content
                sqlite_db.restore(staging / SQLITE_NAME, url)
            else:
                postgres_db.restore(staging / PGDUMP_NAME, engine)
            set_aside = _swap_attachments(staging / "attachments", data_dir)
            engine.dispose()
            verification = verify_restored(engine, data_dir, manifest)
        finally:
            engine.dispose()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreResult(manifest, verification, set_aside, time.monotonic() - started)
