"""Where a `next` parameter may send a browser: only a path on this site, taken as it is or not at all.

Browsers drop tabs and newlines from URLs and read `\\` as `/`, so `/\\t/evil.example/` or `/\\evil.example/`
lands on another host; CR/LF would also split the Location header. Nothing is repaired: a doubtful
value is refused and the default is used instead.
"""

from __future__ import annotations

import unicodedata

from flask import url_for


def is_local_path(value: str) -> bool:
    """A single leading `/`, then no backslash and no control character anywhere."""
    if not value.startswith("/") or value.startswith(("//", "/\\")):
        return False
    return "\\" not in value and not any(unicodedata.category(ch) == "Cc" for ch in value)


def safe_next(value: str | None, default: str | None = None) -> str:
    """`value` when it is a same-site path, else `default` (the inbox when not given)."""
    if value and is_local_path(value):
        return value
    return default if default is not None else url_for("web.inbox")
