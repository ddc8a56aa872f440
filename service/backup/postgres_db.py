"""PostgreSQL: `pg_dump -Fc` from one exported snapshot, `pg_restore --clean --if-exists` to restore.

The client tools must be at least the server's major version: they are taken from $DUBAN_PG_BINDIR, then
/usr/lib/postgresql/<server major>/bin (Debian, Ubuntu), then PATH if that version is new enough.
The password is passed in PGPASSWORD, never on the command line.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, Engine

from service.backup.manifest import PGDUMP_NAME
from service.backup.snapshot import Snapshot, read_facts
from service.errors import DubanError


def libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The SQLAlchemy URL as a libpq connection URI (driver and password removed) and the environment."""
    plain = URL.create(
        "postgresql", username=url.username, host=url.host, port=url.port, database=url.database, query=url.query
    )
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return plain.render_as_string(hide_password=False), env


def server_major(engine: Engine) -> tuple[int, str]:
    with engine.connect() as conn:
        number = int(conn.execute(text("SHOW server_version_num")).scalar_one())
        version = str(conn.execute(text("SHOW server_version")).scalar_one())
    return number // 10000, version


def _major_of(tool: str) -> int:
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"\)\s*(\d+)", out)
    return int(found.group(1)) if found else 0


def tool_path(name: str, major: int) -> str:
    candidates = [Path(d) / name for d in (os.environ.get("DUBAN_PG_BINDIR"), f"/usr/lib/postgresql/{major}/bin") if d]
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return str(candidate)
    on_path = shutil.which(name)
    if on_path and _major_of(on_path) >= major:
        return on_path
    raise DubanError(
        f"找不到 {major} 或更新版本的 {name}（PostgreSQL 客户端工具版本须不低于服务器）；"
        f"安装 postgresql-client-{major}，或设置 DUBAN_PG_BINDIR",
        {"tool": name, "server_major": major},
    )


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DubanError(f"{Path(args[0]).name} 失败（退出码 {done.returncode}）", {"stderr": done.stderr[-4000:]})
    return done.stdout


def snapshot(engine: Engine, work_dir: Path) -> Snapshot:
    major, version = server_major(engine)
    pg_dump = tool_path("pg_dump", major)
    conninfo, env = libpq(engine.url)
    out = work_dir / "duban.pgdump"
    # The counts and attachment rows are read in the very snapshot pg_dump dumps (pg_export_snapshot),
    # so the manifest describes exactly the dump even while the service keeps writing.
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        snapshot_id = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
        counts, revision, attachments = read_facts(conn)
        _run([pg_dump, "-Fc", f"--snapshot={snapshot_id}", "-f", str(out), "--dbname", conninfo], env)
    tool = _run([pg_dump, "--version"], env).strip()
    return Snapshot("postgresql", PGDUMP_NAME, out, counts, revision, attachments, version, tool)


def restore(dump: Path, engine: Engine) -> None:
    """Restore into the configured database in one transaction: it either fully succeeds or changes nothing."""
    major, _ = server_major(engine)
    pg_restore = tool_path("pg_restore", major)
    conninfo, env = libpq(engine.url)
    args = [pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"]
    _run([*args, "--dbname", conninfo, str(dump)], env)
