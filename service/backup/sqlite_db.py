"""SQLite: an online copy through the sqlite3 backup API (a consistent snapshot while the service writes)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from service.backup.manifest import SQLITE_NAME
from service.backup.snapshot import Snapshot, read_facts
from service.errors import InvalidInput


def database_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise InvalidInput("只能备份或恢复 SQLite 数据库文件", {"database": url.database})
    return Path(url.database)


def _copy(source: Path, target: Path) -> None:
    # One backup step (pages=-1) copies the whole database inside one read transaction: a consistent
    # snapshot even while the service keeps committing (WAL lets it go on meanwhile).
    with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(target, timeout=30)) as dst:
        src.backup(dst, pages=-1)


def snapshot(url: URL, work_dir: Path) -> Snapshot:
    source = database_path(url)
    if not source.is_file():
        raise InvalidInput(f"数据库文件不存在：{source}")
    copy = work_dir / "duban.sqlite3"
    _copy(source, copy)
    with closing(sqlite3.connect(copy)) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        check = conn.execute("PRAGMA quick_check").fetchone()
    if not check or check[0] != "ok":
        raise InvalidInput("数据库副本自检失败（PRAGMA quick_check）", {"result": check[0] if check else None})
    engine = create_engine(f"sqlite:///{copy}")
    try:
        with engine.connect() as conn:
            counts, revision, attachments = read_facts(conn)
    finally:
        engine.dispose()
    return Snapshot("sqlite", SQLITE_NAME, copy, counts, revision, attachments, sqlite3.sqlite_version, "sqlite3")


def restore(dump: Path, url: URL) -> None:
    """Replace the target database's whole content with the dump's (the target file may be new)."""
    target = database_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    _copy(dump, target)
