"""The archive package itself, pure: a .zip of named files plus manifest.json (every file's name, size and
sha256, and who archived what under which 归档号 and 保管期限), and the check that a package still matches
its manifest."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

MANIFEST = "manifest.json"
FIXED_TIME = (2000, 1, 1, 0, 0, 0)  # zip entry times: the manifest carries the real ones


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.flag_bits |= 0x800  # UTF-8 file names (Chinese)
    return info


def unique_names(files: Sequence[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The same files with names made unique inside the package (附件/a.pdf, 附件/a (2).pdf)."""
    seen: dict[str, int] = {}
    out = []
    for name, body in files:
        n = seen.get(name, 0) + 1
        seen[name] = n
        if n > 1:
            stem, dot, ext = name.rpartition(".")
            name = f"{stem} ({n}).{ext}" if dot and "/" not in ext else f"{name} ({n})"
        out.append((name, body))
    return out


def build(files: Sequence[tuple[str, bytes]], about: Mapping[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """(zip bytes, manifest): the files in order, then manifest.json = `about` + the list of files."""
    named = unique_names(files)
    listed = [{"name": n, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()} for n, b in named]
    manifest = {**about, "files": listed}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in named:
            archive.writestr(_entry(name), body)
        archive.writestr(_entry(MANIFEST), json.dumps(manifest, ensure_ascii=False, indent=2, default=str))
    return out.getvalue(), manifest


def problems(body: bytes, manifest: Mapping[str, Any]) -> list[str]:
    """What no longer matches the manifest: a file missing, extra, or with other bytes; [] when intact."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile:
        return ["档案包不是有效的 ZIP 文件"]
    found: list[str] = []
    with archive:
        names = {i.filename for i in archive.infolist()} - {MANIFEST}
        raw = manifest.get("files")
        listed: list[Any] = raw if isinstance(raw, list) else []
        for entry in listed:
            name = str(entry.get("name"))
            if name not in names:
                found.append(f"缺少文件：{name}")
                continue
            names.discard(name)
            if hashlib.sha256(archive.read(name)).hexdigest() != entry.get("sha256"):
                found.append(f"文件内容与清单不符：{name}")
        found.extend(f"清单外的文件：{n}" for n in sorted(names))
    return found
