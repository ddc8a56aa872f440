"""The archive file: a .tar.gz of the database file, the attachments and manifest.json (written last).

Writing goes to `<name>.partial` and is renamed when complete, so a half-written backup never has the final
name. Reading accepts only the names a backup contains and hashes every file while extracting it.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import time
import zlib
from pathlib import Path

from service.backup.manifest import MANIFEST_NAME, FileEntry, HashingReader, Manifest, ManifestError, allowed_member

_MAX_MANIFEST = 64 * 1024 * 1024


class ArchiveWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self.files: dict[str, FileEntry] = {}
        self._tar = tarfile.open(self.partial, "w:gz", compresslevel=6)  # noqa: SIM115 - closed by finish/abort

    def _info(self, name: str, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, int(time.time())
        return info

    def add_file(self, name: str, source: Path) -> FileEntry:
        with source.open("rb") as fh:
            reader = HashingReader(fh)
            self._tar.addfile(self._info(name, os.fstat(fh.fileno()).st_size), reader)
        self.files[name] = reader.entry()
        return self.files[name]

    def finish(self, manifest: Manifest) -> None:
        manifest.files = dict(self.files)
        body = manifest.to_json()
        self._tar.addfile(self._info(MANIFEST_NAME, len(body)), io.BytesIO(body))
        self._tar.close()
        with self.partial.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        self._tar.close()
        self.partial.unlink(missing_ok=True)


def extract(archive: Path, dest: Path) -> Manifest:
    """Unpack into `dest` and check every file against the manifest; ManifestError on any mismatch."""
    found: dict[str, FileEntry] = {}
    raw_manifest: bytes | None = None
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if member.isdir():
                    continue
                if not member.isfile() or not allowed_member(member.name):
                    raise ManifestError(f"备份中有不应出现的条目：{member.name!r}")
                if member.name in found or (member.name == MANIFEST_NAME and raw_manifest is not None):
                    raise ManifestError(f"备份中的条目重复：{member.name}")
                source = tar.extractfile(member)
                assert source is not None  # a regular file
                if member.name == MANIFEST_NAME:
                    raw_manifest = source.read(_MAX_MANIFEST)
                    continue
                target = dest / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                reader = HashingReader(source)
                with target.open("wb") as out:
                    shutil.copyfileobj(reader, out, 1024 * 1024)  # type: ignore[misc]
                found[member.name] = reader.entry()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise ManifestError(f"备份文件不存在：{archive}") from None
        raise ManifestError(f"备份文件已损坏，无法读取：{exc}") from None
    if raw_manifest is None:
        raise ManifestError("备份中没有 manifest.json")
    manifest = Manifest.from_json(raw_manifest)
    manifest.check(found)
    return manifest
