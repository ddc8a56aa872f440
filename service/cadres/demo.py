"""Demo records for `duban demo`: a few cadres in a few units, some failing the 人员标准 for one reason each."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from service.access.principal import SYSTEM
from service.cadres import records
from service.db.session import UnitOfWork

GOOD_YEARS = [{"year": 2023, "grade": "称职"}, {"year": 2024, "grade": "优秀"}, {"year": 2025, "grade": "称职"}]


def _cadre(
    unit: str, name: str, gender: str, birth: str, work: str, rank: str, position: str, **more: Any
) -> dict[str, Any]:
    record = {
        "unit": unit,
        "name": name,
        "gender": gender,
        "birth_month": birth,
        "ethnicity": "汉族",
        "native_place": "湖南炎陵",
        "birthplace": "湖南省炎陵县",
        "party_joined": None,
        "work_start": work,
        "health_status": "健康",
        "mobile": f"1387330{zlib.crc32(name.encode()) % 10000:04d}",  # made up
        "specialty": "文字综合、政策研究",
        "fulltime_education": "大学 学士",
        "fulltime_school": "湖南师范大学 汉语言文学专业",
        "position": position,
        "rank": rank,
        "resume": f"{work[:4]}.{work[5:]}—至今 在{position}岗位工作",
        "unit_opinion": "同意推荐",
        "unit_head": "单位负责人",
        "opinion_date": "2026-03-01",
        "evaluations": GOOD_YEARS,
    }
    return {**record, **more}


CADRES = [
    _cadre("xiayang", "谭晓明", "男", "1988-03", "2010-07", "副科级", "霞阳镇党政综合办副主任", party_joined="2012-06"),
    _cadre("xiayang", "罗静", "女", "1995-09", "2018-08", "科级以下", "霞阳镇党政综合办科员"),
    _cadre("miandu", "陈建国", "男", "1974-05", "1995-08", "正科级", "沔渡镇人大主席"),  # age: 科级 over 50
    _cadre("miandu", "刘芳", "女", "2001-02", "2026-03", "科级以下", "沔渡镇综合服务中心干部", evaluations=[]),  # new
    _cadre(
        "fgj",
        "周磊",
        "男",
        "1985-11",
        "2008-09",
        "副科级",
        "县发改局办公室主任",
        disciplines=[{"date": "2025-04-10", "kind": "警告", "issuer": "炎陵县纪委监委"}],
    ),
    _cadre(
        "jyj",
        "黄丽华",
        "女",
        "1983-06",
        "2005-09",
        "科级以下",
        "县教育局督导室干部",
        evaluations=[{"year": 2024, "grade": "合格"}, {"year": 2025, "grade": "基本合格"}],
    ),
    _cadre("jyj", "王芳", "女", "1990-12", "2013-09", "科级以下", "县教育局办公室干部"),
    _cadre("czj", "李强", "男", "1991-10", "2014-07", "科级以下", "县财政局综合股干部", health_status="一般"),
    _cadre("czj", "邓敏", "女", "1992-04", "2015-08", "副科级", "县财政局办公室副主任", party_joined="2014-05"),
]

LEADERS = [
    {
        "unit": "xiayang",
        "name": "何志刚",
        "gender": "男",
        "birth_month": "1978-09",
        "ethnicity": "汉族",
        "native_place": "湖南炎陵",
        "work_start": "1999-08",
        "party_joined": "2001-07",
        "mobile": "13873301234",
        "position": "霞阳镇党委委员、副镇长",
        "duties": "党政综合办、政务督查、信访维稳",
    },
    {
        "unit": "fgj",
        "name": "曾红梅",
        "gender": "女",
        "birth_month": "1980-02",
        "ethnicity": "瑶族",
        "native_place": "湖南炎陵",
        "work_start": "2002-07",
        "party_joined": "2004-06",
        "mobile": "13973305678",
        "position": "县发展和改革局副局长",
        "duties": "办公室、项目督查、重点项目调度",
    },
]


def load_demo_cadres(uow: Callable[[], UnitOfWork], now: datetime) -> str:
    """Create the demo records not there yet (same unit and name); returns a line for the console."""
    made = [0, 0]
    with uow() as u:
        have = {(c.unit_code, c.name) for c in u.cadres.cadres()} | {(x.unit_code, x.name) for x in u.cadres.leaders()}
    for i, (items, create) in enumerate(((CADRES, records.create_cadre), (LEADERS, records.create_leader))):
        for item in items:
            if (item["unit"], item["name"]) in have:
                continue
            with uow() as u:
                create(u, SYSTEM, item, now)  # type: ignore[operator]
            made[i] += 1
    return f"督查人员信息库演示数据：新建督查干部 {made[0]} 名、分管领导 {made[1]} 名"
