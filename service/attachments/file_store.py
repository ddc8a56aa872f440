"""Attachment bytes on disk: received in chunks while counted and hashed, kept under a random key.

Layout: <data_dir>/attachments/<key[:2]>/<key>; uploads in progress live in <data_dir>/attachments/incoming/.
A user's file name never becomes part of a path.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from service.errors import InvalidInput

CHUNK = 64 * 1024
_KEY = re.compile(r"[0-9a-f]{32}")


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class Received:
    path: Path
    size: int
    sha256: str


def root(data_dir: Path) -> Path:
    return data_dir / "attachments"


def new_key() -> str:
    return secrets.token_hex(16)


def path_for(data_dir: Path, storage_key: str) -> Path:
    if not _KEY.fullmatch(storage_key):  # keys are generated here; anything else is a bug or tampering
        raise ValueError(f"bad storage key {storage_key!r}")
    return root(data_dir) / storage_key[:2] / storage_key


def limit_text(limit: int) -> str:
    mb = limit / (1024 * 1024)
    return f"{mb:.0f} MB" if mb >= 1 and mb.is_integer() else f"{mb:.2f} MB"


def receive(stream: Readable, data_dir: Path, limit: int) -> Received:
    """Copy the stream into a temporary file; 422 (and nothing left behind) when empty or over `limit` bytes."""
    incoming = root(data_dir) / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=incoming, suffix=".part")
    path = Path(name)
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise InvalidInput(f"文件超过大小上限（{limit_text(limit)}）", {"max_bytes": limit})
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise InvalidInput("文件为空", {"size": 0})
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Received(path, size, digest.hexdigest())


def keep(received: Received, data_dir: Path, storage_key: str) -> Path:
    """Move a received file to its final place (same file system: an atomic rename)."""
    final = path_for(data_dir, storage_key)
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(received.path, final)
    return final


def sha256_of(path: Path) -> str | None:
    """The file's sha256, or None when it is missing or unreadable."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()
