"""The one i18n mechanism for text users read: source strings are Chinese, other languages are catalogs.

`translations/<lang>.json` (plus `translations/<lang>.d/*.json`, one per feature area) maps a Chinese
source string to its translation; a missing entry falls back to Chinese (tests/unit/test_i18n.py
checks that every string used by the templates has an English entry).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"
CATALOGS = Path(__file__).resolve().parent / "translations"


@functools.cache
def catalog(lang: str) -> dict[str, str]:
    if lang == DEFAULT_LANGUAGE or lang not in LANGUAGES:
        return {}
    # One catalog per language, plus one file per feature area under <lang>.d/ (merged in name order).
    files = [CATALOGS / f"{lang}.json", *sorted((CATALOGS / f"{lang}.d").glob("*.json"))]
    merged: dict[str, str] = {}
    for path in files:
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def translate(text: str, lang: str, **values: Any) -> str:
    out = catalog(lang).get(text, text)
    return out.format(**values) if values else out


def current_language() -> str:
    """The signed-in browser's choice (session), else Chinese. Outside a request: Chinese."""
    from flask import has_request_context, session

    if not has_request_context():
        return DEFAULT_LANGUAGE
    lang = session.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def gettext(text: str, **values: Any) -> str:
    return translate(text, current_language(), **values)
