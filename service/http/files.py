"""File responses: a download is saved, never shown, and never cached.

Every file the service sends (attachments, the ledger and score sheets, bulletins and notices) goes through
`file_response`; the pages link to the API's downloads, so this is the one place the headers are decided.
"""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import quote

from flask import Response, send_file

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def content_disposition(filename: str, fallback: str) -> str:
    """RFC 6266 / RFC 5987: a plain ASCII name as it is; any other name in filename* (UTF-8), with the ASCII
    `fallback` in filename for old clients."""
    if filename.isascii() and '"' not in filename and "\\" not in filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(
    body: bytes | Path, *, mimetype: str, filename: str, fallback: str, etag: str | None = None
) -> Response:
    """`body` (bytes, or a file to stream) as a download: attachment, not sniffed, run in no page context
    (a sandbox, no subresources), private and never stored by a cache."""
    source = io.BytesIO(body) if isinstance(body, bytes) else body
    response = send_file(source, mimetype=mimetype, conditional=False, etag=etag or False, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(filename, fallback)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response
