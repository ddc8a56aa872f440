"""Every Chinese string the pages show has an English entry, so switching language never shows a mix."""

from __future__ import annotations

import re

from service import i18n
from service.config import ROOT
from service.http import errors
from service.process import history_words, item_view
from service.web import filters, views_inbox

WEB = ROOT / "service" / "web"


def _used_strings() -> set[str]:
    found: set[str] = set()
    for template in (WEB / "templates").rglob("*.html"):
        found.update(re.findall(r"_\('([^']+)'", template.read_text(encoding="utf-8")))
    for module in WEB.glob("*.py"):
        found.update(re.findall(r'gettext\("([^"]+)"', module.read_text(encoding="utf-8")))
    found.update(label for _, label in item_view.FACT_KEYS)
    found.update(history_words.EVENT_WORDS.values())
    found.update(filters.STATUS_WORDS.values())
    found.update(filters.LIGHT_WORDS.values())
    found.update(views_inbox.TAB_TITLES.values())
    found.update(errors.TITLES.values())
    return found


def test_every_page_string_has_an_english_translation() -> None:
    english = i18n.catalog("en")
    missing = sorted(s for s in _used_strings() if s not in english)
    assert not missing, f"add to service/translations/en.json: {missing}"


def test_translation_keeps_placeholders_and_falls_back_to_chinese() -> None:
    english = i18n.catalog("en")
    for source, target in english.items():
        assert set(re.findall(r"{\w+}", source)) == set(re.findall(r"{\w+}", target)), source
    assert i18n.translate("剩 {n} 个工作日", "en", n=3) == "3 working days left"
    assert i18n.translate("一个没有翻译的句子", "en") == "一个没有翻译的句子"
    assert i18n.translate("待办", "zh") == "待办"
