"""The words of 附件2/附件3 and the 人员标准: allowed values, field labels, year-month arithmetic."""

from __future__ import annotations

import re
from datetime import date

GENDERS = ("男", "女")
RANKS = ("正科级", "副科级", "科级以下")  # 职级; 正科级 and 副科级 are 科级 for the age rule
SECTION_RANKS = frozenset({"正科级", "副科级"})
# 年度考核: 公务员 are graded 优秀/称职/基本称职/不称职, 事业单位 staff 优秀/合格/基本合格/不合格.
GRADES = ("优秀", "称职", "基本称职", "不称职", "合格", "基本合格", "不合格")
PASSING_GRADES = frozenset({"优秀", "称职", "合格"})
# 健康状况 is written as on a 干部任免审批表; only these count as 身体健康 for the 人员标准.
HEALTH_OPTIONS = ("健康", "良好", "一般", "较差")
HEALTHY = frozenset({"健康", "良好", "身体健康"})
DISCIPLINE_KINDS = (
    "警告",
    "记过",
    "记大过",
    "降级",
    "撤职",
    "开除",
    "党内警告",
    "党内严重警告",
    "撤销党内职务",
    "留党察看",
)

LABELS = {
    "unit": "单位",
    "name": "姓名",
    "gender": "性别",
    "birth_month": "出生年月",
    "ethnicity": "民族",
    "native_place": "籍贯",
    "birthplace": "出生地",
    "party_joined": "入党时间",
    "work_start": "参加工作时间",
    "health_status": "健康状况",
    "mobile": "手机号码",
    "specialty": "熟悉专业有何专长",
    "fulltime_education": "全日制教育",
    "fulltime_school": "毕业院校系及专业（全日制）",
    "inservice_education": "在职教育",
    "inservice_school": "毕业院校系及专业（在职）",
    "position": "现任单位职务",
    "rank": "职级",
    "duties": "单位分管工作",
    "resume": "工作简历",
    "unit_opinion": "推荐单位意见",
    "unit_head": "单位负责人",
    "opinion_date": "意见日期",
    "disciplines": "党政纪处分",
    "evaluations": "年度考核",
}

_MONTH = re.compile(r"^\s*(\d{4})\s*(?:[-./]|年)\s*(\d{1,2})\s*月?\s*$")


def parse_month(text: str) -> tuple[int, int] | None:
    """'1985-07', '1985.07', '1985/7' or '1985年7月' → (1985, 7); None when it is not a year-month."""
    found = _MONTH.match(text)
    if not found:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    return (year, month) if 1 <= month <= 12 else None


def month_text(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def months_until(start: str, on: date) -> int:
    """Whole months from the first day of the year-month `start` (YYYY-MM) to `on`."""
    year, month = int(start[:4]), int(start[5:7])
    return (on.year - year) * 12 + (on.month - month)


def age_on(birth_month: str, on: date) -> int:
    """Age in full years on `on`, from a 出生年月: the birthday counts as reached in the birth month."""
    return months_until(birth_month, on) // 12


def years_before(on: date, years: int) -> date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def half_of(on: date) -> str:
    """The half year `on` falls in: 2026H1 (January–June) or 2026H2."""
    return f"{on.year}H{1 if on.month <= 6 else 2}"
