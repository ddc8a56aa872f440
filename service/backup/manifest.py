"""The backup manifest: what the archive holds and the sha256 of every file in it."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

FORMAT = "duban-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
SQLITE_NAME = "database/duban.sqlite3"
PGDUMP_NAME = "database/duban.pgdump"
ATTACHMENT_NAME = re.compile(r"attachments/[0-9a-f]{2}/[0-9a-f]{32}")


class ManifestError(ValueError):
    """The archive is not a duban backup, or its content does not match its manifest."""


def allowed_member(name: str) -> bool:
    """Only these names may appear in an archive (no links, no paths of the sender's choosing)."""
    return name in (MANIFEST_NAME, SQLITE_NAME, PGDUMP_NAME) or ATTACHMENT_NAME.fullmatch(name) is not None


@dataclass
class FileEntry:
    sha256: str
    size: int


@dataclass
class Manifest:
    created_at: str
    database: str  # "sqlite" or "postgresql"
    schema_revision: str | None
    counts: dict[str, int]
    files: dict[str, FileEntry] = field(default_factory=dict)
    server_version: str | None = None
    tool: str | None = None  # e.g. "pg_dump (PostgreSQL) 15.18"
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    @property
    def attachments(self) -> int:
        return sum(1 for name in self.files if name.startswith("attachments/"))

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data: dict[str, Any] = json.loads(raw)
            if data.get("format") != FORMAT:
                raise ManifestError("不是 duban 备份文件（manifest 格式不符）")
            if data.get("format_version") != FORMAT_VERSION:
                version = data.get("format_version")
                raise ManifestError(f"不支持的备份格式版本 {version!r}（本程序支持 {FORMAT_VERSION}）")
            files = {str(k): FileEntry(str(v["sha256"]), int(v["size"])) for k, v in data["files"].items()}
            return cls(
                created_at=str(data["created_at"]),
                database=str(data["database"]),
                schema_revision=data.get("schema_revision"),
                counts={str(k): int(v) for k, v in data["counts"].items()},
                files=files,
                server_version=data.get("server_version"),
                tool=data.get("tool"),
            )
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
            raise ManifestError(f"manifest 无法读取：{exc}") from None

    def check(self, found: dict[str, FileEntry]) -> None:
        """Every listed file present with its size and sha256, and nothing unlisted."""
        problems: list[str] = []
        for name, entry in sorted(self.files.items()):
            got = found.get(name)
            if got is None:
                problems.append(f"缺少 {name}")
            elif got != entry:
                problems.append(f"校验和不符 {name}")
        problems += [f"未在 manifest 中列出 {name}" for name in sorted(set(found) - set(self.files))]
        if not any(name.startswith("database/") for name in self.files):
            problems.append("备份中没有数据库文件")
        if problems:
            shown = "；".join(problems[:10]) + ("…" if len(problems) > 10 else "")
            raise ManifestError(f"备份文件校验失败（{len(problems)} 处）：{shown}")


class HashingReader:
    """Wraps a binary file: counts and hashes what is read through it."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1, /) -> bytes:
        chunk: bytes = self._raw.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk

    def entry(self) -> FileEntry:
        return FileEntry(self.digest.hexdigest(), self.size)
