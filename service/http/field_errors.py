"""The one adapter from a refused input (InvalidInput and its kin, `details.errors`) to the messages a
page shows next to each field. The API sends the same `details.errors` as JSON (service.http.errors)."""

from __future__ import annotations

from typing import Any

from service.errors import DubanError
from service.i18n import gettext


def field_errors(exc: DubanError) -> dict[str, list[str]]:
    """Field name → its messages, in the reader's language; fields whose value is not a list of
    messages (a nested structure) are passed over."""
    raw: Any = exc.details.get("errors", {}) if isinstance(exc.details, dict) else {}
    if not isinstance(raw, dict):
        return {}
    return {str(k): [gettext(str(m)) for m in v] for k, v in raw.items() if isinstance(v, list)}


def joined_errors(exc: DubanError) -> dict[str, str]:
    """Field name → its messages in one line."""
    return {k: "；".join(v) for k, v in field_errors(exc).items()}


def first_errors(exc: DubanError) -> dict[str, str]:
    """Field name → its first message (forms that show one message a field)."""
    return {k: v[0] for k, v in field_errors(exc).items() if v}
