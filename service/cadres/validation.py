"""Checking a submitted 附件2/附件3 record: every field error at once, in Chinese, nothing half-saved."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from service.cadres.vocabulary import GENDERS, GRADES, LABELS, RANKS, month_text, months_until, parse_month
from service.errors import InvalidInput

MOBILE = re.compile(r"^1\d{10}$")
MIN_WORK_AGE = 16  # 劳动法: no employment under 16
MIN_PARTY_AGE = 18  # 党章: 年满十八岁
MAX_ROWS = 30

# name → (max length, required); the 表's own fields are required, the rest optional
PERSON_TEXT = {"name": (50, True), "ethnicity": (20, True), "native_place": (100, True), "position": (200, True)}
LEADER_TEXT = {**PERSON_TEXT, "duties": (2000, True)}
CADRE_TEXT = {
    **PERSON_TEXT,
    "birthplace": (100, True),
    "health_status": (50, True),
    "specialty": (500, False),
    "fulltime_education": (100, True),
    "fulltime_school": (200, False),
    "inservice_education": (100, False),
    "inservice_school": (200, False),
    "resume": (5000, True),
}


class _Errors(dict[str, list[str]]):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


def _text(
    raw: Mapping[str, Any], name: str, most: int, required: bool, errors: _Errors, label: str = "", key: str = ""
) -> str:
    """A stripped text; errors go under `key` (default: the field's name)."""
    label, key = label or LABELS.get(name, name), key or name
    value = raw.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(key, f"{label}应为文本")
        return ""
    value = value.strip()
    if required and not value:
        errors.add(key, f"请填写{label}")
    elif len(value) > most:
        errors.add(key, f"{label}不能超过 {most} 个字")
    return value


def _month(raw: Mapping[str, Any], name: str, today: date, errors: _Errors, required: bool = True) -> str | None:
    label = LABELS[name]
    value = raw.get(name)
    if value in (None, "") or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(name, f"请填写{label}")
        return None
    parsed = parse_month(value) if isinstance(value, str) else None
    if parsed is None or parsed[0] < 1900:
        errors.add(name, f"{label}应为年月，如 1990-07")
        return None
    text = month_text(*parsed)
    if months_until(text, today) < 0:
        errors.add(name, f"{label}不能晚于当前年月")
        return None
    return text


def _date(value: Any, today: date) -> tuple[str | None, str | None]:
    """(YYYY-MM-DD, None) or (None, the problem)."""
    text = value.strip() if isinstance(value, str) else ""
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None or day.year < 1900:
        return None, "日期格式应为 YYYY-MM-DD"
    if day > today:
        return None, "日期不能晚于今天"
    return day.isoformat(), None


def _blank(row: Any) -> bool:
    return isinstance(row, Mapping) and all(
        v in (None, "") or (isinstance(v, str) and not v.strip()) for v in row.values()
    )


def _rows(raw: Mapping[str, Any], name: str, errors: _Errors) -> list[Mapping[str, Any]]:
    """The rows of a list field (entirely blank rows of a form are skipped), or [] with an error."""
    value = raw.get(name) or []
    if not isinstance(value, list) or not all(isinstance(r, Mapping) for r in value):
        errors.add(name, f"{LABELS[name]}应为列表")
        return []
    if len(value) > MAX_ROWS:
        errors.add(name, f"{LABELS[name]}最多 {MAX_ROWS} 条")
        return []
    return value


def _person(
    raw: Mapping[str, Any], texts: Mapping[str, tuple[int, bool]], today: date, errors: _Errors
) -> dict[str, Any]:
    clean: dict[str, Any] = {name: _text(raw, name, most, req, errors) for name, (most, req) in texts.items()}
    clean["unit_code"] = _text(raw, "unit", 64, True, errors)
    gender = raw.get("gender")
    if gender not in GENDERS:
        errors.add("gender", "请选择性别（男 或 女）")
    clean["gender"] = gender
    mobile = raw.get("mobile")
    mobile = mobile.strip() if isinstance(mobile, str) else ""
    if not MOBILE.match(mobile):
        errors.add("mobile", "手机号码应为 11 位数字，以 1 开头" if mobile else "请填写手机号码")
    clean["mobile"] = mobile
    birth = clean["birth_month"] = _month(raw, "birth_month", today, errors)
    work = clean["work_start"] = _month(raw, "work_start", today, errors)
    party = clean["party_joined"] = _month(raw, "party_joined", today, errors, required=False)
    if birth and work:
        if work <= birth:
            errors.add("work_start", "参加工作时间应晚于出生年月")
        elif months_until(birth, date(int(work[:4]), int(work[5:]), 1)) < MIN_WORK_AGE * 12:
            errors.add("work_start", f"参加工作时应年满 {MIN_WORK_AGE} 周岁，请核对出生年月与参加工作时间")
    if birth and party and months_until(birth, date(int(party[:4]), int(party[5:]), 1)) < MIN_PARTY_AGE * 12:
        errors.add("party_joined", f"入党时应年满 {MIN_PARTY_AGE} 周岁，请核对出生年月与入党时间")
    _opinion(raw, clean, today, errors)
    return clean


def _opinion(raw: Mapping[str, Any], clean: dict[str, Any], today: date, errors: _Errors) -> None:
    """推荐单位意见 is optional, but once written it needs the 单位负责人 and the date."""
    clean["unit_opinion"] = _text(raw, "unit_opinion", 2000, False, errors)
    clean["unit_head"] = _text(raw, "unit_head", 50, False, errors)
    value = raw.get("opinion_date")
    dated = not (value is None or (isinstance(value, str) and not value.strip()))
    clean["opinion_date"] = None
    if dated:
        clean["opinion_date"], problem = _date(value, today)
        if problem:
            errors.add("opinion_date", f"意见日期：{problem}")
    given = {"unit_opinion": bool(clean["unit_opinion"]), "unit_head": bool(clean["unit_head"]), "opinion_date": dated}
    if any(given.values()):
        for name, present in given.items():
            if not present and name not in errors:
                errors.add(name, f"填写推荐单位意见时须同时填写{LABELS[name]}")


def clean_leader(raw: Mapping[str, Any], today: date) -> dict[str, Any]:
    """附件2 fields ready to store, or InvalidInput with every field error."""
    errors = _Errors()
    clean = _person(raw, LEADER_TEXT, today, errors)
    if errors:
        raise InvalidInput("填写有误，请按提示修改", {"errors": dict(errors)})
    return clean


def clean_cadre(raw: Mapping[str, Any], today: date) -> dict[str, Any]:
    """附件3 fields (with 处分 and 年度考核 rows) ready to store, or InvalidInput with every field error."""
    errors = _Errors()
    clean = _person(raw, CADRE_TEXT, today, errors)
    if raw.get("rank") not in RANKS:
        errors.add("rank", f"请选择职级（{'、'.join(RANKS)}）")
    clean["rank"] = raw.get("rank")
    clean["disciplines"] = _disciplines(raw, clean["birth_month"], today, errors)
    clean["evaluations"] = _evaluations(raw, clean["work_start"], today, errors)
    if errors:
        raise InvalidInput("填写有误，请按提示修改", {"errors": dict(errors)})
    return clean


def _disciplines(raw: Mapping[str, Any], birth: str | None, today: date, errors: _Errors) -> list[dict[str, str]]:
    found = []
    for i, row in enumerate(_rows(raw, "disciplines", errors)):
        if _blank(row):
            continue
        key = f"disciplines.{i}"
        day, problem = _date(row.get("date"), today)
        if problem:
            errors.add(f"{key}.date", f"处分日期：{problem}")
        elif birth and day and day[:7] < birth:
            errors.add(f"{key}.date", "处分日期不能早于出生年月")
        kind = _text(row, "kind", 50, True, errors, "处分种类", f"{key}.kind")
        issuer = _text(row, "issuer", 100, True, errors, "处分机关", f"{key}.issuer")
        found.append({"date": day or "", "kind": kind, "issuer": issuer})
    return found


def _evaluations(raw: Mapping[str, Any], work: str | None, today: date, errors: _Errors) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    seen: set[int] = set()
    for i, row in enumerate(_rows(raw, "evaluations", errors)):
        if _blank(row):
            continue
        key = f"evaluations.{i}"
        year = _year(row.get("year"))
        if year is None or not 1950 <= year <= today.year:
            errors.add(f"{key}.year", f"考核年度应为 1950 至 {today.year} 之间的年份")
        elif work and year < int(work[:4]):
            errors.add(f"{key}.year", "考核年度不能早于参加工作年份")
        elif year in seen:
            errors.add(f"{key}.year", f"{year} 年的考核重复填写")
        if row.get("grade") not in GRADES:
            errors.add(f"{key}.grade", f"请选择考核等次（{'、'.join(GRADES)}）")
        if year is not None:
            seen.add(year)
        found.append({"year": year, "grade": row.get("grade")})
    return found


def _year(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value.strip()) if isinstance(value, str) and value.strip().isdigit() else None
