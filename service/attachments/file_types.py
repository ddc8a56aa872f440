"""Which uploads are accepted: display-name cleaning, the extension list and content sniffing (magic bytes)."""

from __future__ import annotations

import codecs
import unicodedata
import zipfile
from pathlib import Path

from service.errors import InvalidInput

MAX_NAME_CHARS = 120
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header, or an empty archive's end record
_FORBIDDEN_CHARS = set('<>:"|?*')

# extension -> (container kind, content type, a member the zip must have or a prefix one must start with)
_TYPES: dict[str, tuple[str, str, str]] = {
    "pdf": ("pdf", "application/pdf", ""),
    "doc": ("ole2", "application/msword", ""),
    "xls": ("ole2", "application/vnd.ms-excel", ""),
    "ppt": ("ole2", "application/vnd.ms-powerpoint", ""),
    "wps": ("ole2", "application/vnd.ms-works", ""),  # WPS 文字 (Kingsoft), an OLE2 file like .doc
    "et": ("ole2", "application/vnd.ms-excel", ""),  # WPS 表格
    "docx": ("zip", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "word/"),
    "xlsx": ("zip", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xl/"),
    "pptx": ("zip", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "ppt/"),
    "ofd": ("zip", "application/ofd", "OFD.xml"),  # GB/T 33190 版式文档
    "zip": ("zip", "application/zip", ""),
    "jpg": ("jpeg", "image/jpeg", ""),
    "jpeg": ("jpeg", "image/jpeg", ""),
    "png": ("png", "image/png", ""),
    "txt": ("text", "text/plain", ""),
}
ALLOWED_EXTENSIONS = tuple(_TYPES)
_MAGIC = {"pdf": (b"%PDF-",), "ole2": (_OLE2,), "jpeg": (_JPEG,), "png": (_PNG,), "zip": _ZIP}


def clean_filename(raw: str) -> str:
    """The name to show: no directories, no control or format characters (e.g. RTL overrides), short."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(
        "_" if ch in _FORBIDDEN_CHARS else ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )
    name = name.strip().strip(".").strip()
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext[:10]
    stem = stem.strip() or "附件"
    keep = MAX_NAME_CHARS - len(ext) - 1
    return f"{stem[:keep].rstrip()}.{ext}" if ext else stem[:MAX_NAME_CHARS]


def extension(name: str) -> str:
    """The lower-case extension when it is an accepted one; otherwise 422 before any byte is read."""
    _, dot, ext = name.rpartition(".")
    ext = ext.lower()
    if not dot or ext not in _TYPES:
        raise unsupported(f"扩展名 .{ext} 不在允许范围内" if dot else "文件没有扩展名")
    return ext


def unsupported(reason: str) -> InvalidInput:
    return InvalidInput("不支持的文件类型", {"reason": reason, "allowed": list(ALLOWED_EXTENSIONS)})


def content_type(path: Path, ext: str) -> str:
    """The stored content type if the bytes are what the extension says; 422 otherwise."""
    kind, ctype, member = _TYPES[ext]
    if kind == "text":
        return f"{ctype}; charset={_text_charset(path)}"
    with path.open("rb") as fh:
        head = fh.read(16)
    if not head.startswith(_MAGIC[kind]):
        raise unsupported(f"文件内容与扩展名 .{ext} 不符")
    if kind == "zip":
        _check_zip(path, ext, member)
    return ctype


def _check_zip(path: Path, ext: str, member: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise unsupported("压缩包已损坏") from None
    if not member:
        return
    office = ext in ("docx", "xlsx", "pptx")
    ok = ("[Content_Types].xml" in names and any(n.startswith(member) for n in names)) if office else member in names
    if not ok:
        raise unsupported(f"文件内容与扩展名 .{ext} 不符")


def _text_charset(path: Path) -> str:
    """utf-8 or gb18030 when the whole file decodes as one of them and has no NUL byte."""
    decoders = {name: codecs.getincrementaldecoder(name)() for name in ("utf-8", "gb18030")}
    with path.open("rb") as fh:
        while chunk := fh.read(64 * 1024):
            if b"\x00" in chunk:
                raise unsupported("文本文件含有二进制内容")
            for name, decoder in list(decoders.items()):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    del decoders[name]
            if not decoders:
                break
    for name, decoder in decoders.items():
        try:
            decoder.decode(b"", final=True)
            return name
        except UnicodeDecodeError:
            continue
    raise unsupported("文本文件不是 UTF-8 或 GB18030 编码")
