"""Feature: the ledger (督查台账) follows each item — fields, status, lights, 销号 — and lists, filters,
exports and counts them for whoever may see them.

Four items are driven once for the module (the database is shared with other tests: every query here
is narrowed to this module's unique tag or compared before/after):
  A  霞阳镇 leads, 县财政局 co-handles, approved → 办理中, due Monday 2026-11-30
  B  县发改局, registered but not approved → 立项中 (its title starts with "=": export must keep it text)
  C  县住建局, closed (销号) on time on Wednesday 11-25
  D  县教育局, due Tuesday 11-24, closed late on Thursday 11-26
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from tests.api_helpers import CONFIRM, Actor

MONDAY = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 Asia/Shanghai, the conftest clock
TAG = f"台账{uuid.uuid4().hex[:8]}"
HEADERS = [
    "序号",
    "编号",
    "来源",
    "事项内容",
    "责任县领导",
    "牵头单位",
    "配合单位",
    "时限",
    "进展",
    "状态",
    "亮灯",
    "销号日期",
    "备注",
]
REPORT = {"progress": "已完成", "completion": "done", "need_coordination": False}


def item(title: str, lead: str, source_type: str, days: int, co: list[str] | None = None) -> dict[str, Any]:
    return {
        "title": f"{title}{TAG}",
        "content": f"{title}的具体内容",
        "source_type": source_type,
        "source_ref": "县政府第7次常务会议",
        "lead_unit": lead,
        "co_units": co or [],
        "time_limit_days": days,
        "responsible_leader": "陈常务副县长",
    }


ITEMS = {
    "A": item("推进霞阳镇污水管网建设", "xiayang", "常务会议", 5, ["czj"]),
    "B": item("=HYPERLINK(1)发改项目前期", "fgj", "领导批示", 10),
    "C": item("老旧小区改造验收", "zjj", "文件", 10),
    "D": item("校舍安全排查", "jyj", "专题会议", 1),
}


def close(office: Actor, leader: Actor, unit: Actor, iid: int, head: Actor) -> None:
    unit.do(iid, "handle", REPORT)
    head.do(iid, "head_confirm", CONFIRM)
    office.do(iid, "review", {"review_decision": "accept"})
    office.do(iid, "report_upward", {"summary": "已办结"})
    leader.do(iid, "leader_read", {"conclusion": "concluded", "instruction": "同意销号"})
    office.do(iid, "archive", {"retention": "30年", "close_note": "资料齐全", "archive_ref": "TZ-1"})


def overview_as(actor: Actor) -> dict[str, Any]:
    response = actor.get("/ledger/overview")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture(scope="module")
def world(app, tokens, clock) -> dict[str, Any]:
    client = app.test_client()
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    clock.now = MONDAY
    before = overview_as(office)
    ids = {}
    for key, data in ITEMS.items():
        ids[key] = office.start("supervision_item", data)["id"]
        office.do(ids[key], "register", data)
        if key != "B":
            leader.do(ids[key], "approve", {"decision": "approve"})
    clock.now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 10:00
    close(office, leader, Actor(client, tokens["zjj_ll"]), ids["C"], Actor(client, tokens["zjj_fzr"]))
    clock.now = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # Thursday 10:00, after D's deadline
    close(office, leader, Actor(client, tokens["jyj_ll"]), ids["D"], Actor(client, tokens["jyj_fzr"]))
    clock.now = MONDAY
    return {"ids": ids, "before": before}


def ledger(actor: Actor, **query: Any) -> dict[str, Any]:
    response = actor.get("/ledger", query_string={"q": TAG, **query})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def keys(world: dict[str, Any], page: dict[str, Any]) -> list[str]:
    by_id = {iid: key for key, iid in world["ids"].items()}
    return [by_id[row["instance_id"]] for row in page["items"]]


def row_of(world: dict[str, Any], actor: Actor, key: str, **query: Any) -> dict[str, Any]:
    rows = [r for r in ledger(actor, **query)["items"] if r["instance_id"] == world["ids"][key]]
    assert len(rows) == 1
    return rows[0]


def test_an_approved_item_is_in_the_ledger_with_its_fields(client, tokens, world):
    row = row_of(world, Actor(client, tokens["dcs_li"]), "A")
    assert row["business_number"].startswith("督办〔2026〕")
    assert row["title"] == ITEMS["A"]["title"] and row["content"] == ITEMS["A"]["content"]
    assert (row["source_type"], row["source_ref"]) == ("常务会议", "县政府第7次常务会议")
    assert row["responsible_leader"] == "陈常务副县长"
    assert (row["lead_unit"], row["lead_unit_name"]) == ("xiayang", "霞阳镇人民政府")
    assert (row["co_units"], row["co_unit_names"]) == (["czj"], ["县财政局"])
    assert row["time_limit_days"] == 5 and row["deadline"] == "2026-11-30"
    assert datetime.fromisoformat(row["deadline_at"]) == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert (row["status"], row["status_label"]) == ("handling", "办理中")
    assert set(row["progress"].split("；")) == {"办理并报告（霞阳镇人民政府）", "办理并报告（县财政局）"}
    assert datetime.fromisoformat(row["registered_at"]) == MONDAY
    assert (row["light"], row["light_label"], row["workdays_left"]) == ("green", "绿灯", 5)
    assert row["closed_at"] is None and row["closed_by"] is None


def test_a_registered_item_awaits_approval(client, tokens, world):
    row = row_of(world, Actor(client, tokens["dcs_li"]), "B")
    assert (row["status"], row["status_label"], row["progress"]) == ("registering", "立项中", "立项审批")
    assert row["deadline"] is None and row["light"] is None and row["light_label"] == "—"


def test_the_light_turns_yellow_then_red_as_the_deadline_nears(client, tokens, world, clock):
    office = Actor(client, tokens["dcs_li"])
    clock.now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # Wednesday: Thu, Fri, Mon left
    row = row_of(world, office, "A")
    assert (row["light"], row["light_label"], row["workdays_left"]) == ("yellow", "黄灯", 3)
    assert keys(world, ledger(office, light="yellow")) == ["A"]
    clock.now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday after the deadline
    row = row_of(world, office, "A")
    assert (row["light"], row["light_label"], row["workdays_left"]) == ("red", "红灯", -1)
    assert keys(world, ledger(office, light="red")) == ["A"]  # D is overdue but closed: no light
    assert keys(world, ledger(office, light="green")) == []


def test_closing_records_who_and_when(client, tokens, world):
    office = Actor(client, tokens["dcs_li"])
    c, d = row_of(world, office, "C"), row_of(world, office, "D")
    assert (c["status"], c["status_label"], c["closed_by"], c["progress"]) == ("closed", "已销号", "dcs_li", "")
    assert datetime.fromisoformat(c["closed_at"]) == datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    assert c["light"] is None and c["workdays_left"] is None and c["remarks"] == "资料齐全"
    assert datetime.fromisoformat(d["closed_at"]) == datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "handling"}, ["A"]),
        ({"status": "closed", "sort": "number"}, ["C", "D"]),
        ({"unit": "xiayang"}, ["A"]),
        ({"unit": "czj"}, ["A"]),  # as co-handler
        ({"unit": "zjj"}, ["C"]),
        ({"source_type": "领导批示"}, ["B"]),
        ({"light": "green"}, ["A"]),
        ({"q": "霞阳镇污水管网建设的具体"}, ["A"]),  # in the content only
        ({"registered_from": "2026-11-24"}, []),
        ({"registered_from": "2026-11-23", "registered_to": "2026-11-23", "sort": "number"}, ["A", "B", "C", "D"]),
        ({"deadline_from": "2026-11-30", "deadline_to": "2026-11-30"}, ["A"]),
        ({"deadline_to": "2026-11-24"}, ["D"]),
        ({"sort": "deadline_asc"}, ["D", "A", "C", "B"]),
        ({"sort": "deadline_desc"}, ["C", "A", "D", "B"]),
        ({"sort": "registered_desc"}, ["D", "C", "B", "A"]),
        ({"process_key": "inspection_campaign"}, []),
    ],
)
def test_filters_and_sorts(client, tokens, world, query, expected):
    assert keys(world, ledger(Actor(client, tokens["dcs_li"]), **query)) == expected


def test_pages(client, tokens, world):
    office = Actor(client, tokens["dcs_li"])
    pages = [ledger(office, sort="number", per_page=3, page=n) for n in (1, 2, 3)]
    assert [keys(world, p) for p in pages] == [["A", "B", "C"], ["D"], []]
    assert {(p["total"], p["per_page"]) for p in pages} == {(4, 3)}


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("xiayang_ll", ["A"]),
        ("czj_ll", ["A"]),
        ("fgj_ll", ["B"]),
        ("jyj_fzr", ["D"]),
        ("zhuren", ["A", "B", "C", "D"]),
        ("dcld", ["A", "B", "C", "D"]),
        ("shenji", ["A", "B", "C", "D"]),
    ],
)
def test_units_see_only_their_own_items_leaders_see_all(client, tokens, world, username, expected):
    actor = Actor(client, tokens[username])
    assert keys(world, ledger(actor, sort="number")) == expected
    assert keys(world, ledger(actor, sort="number", unit="zjj")) == (["C"] if "C" in expected else [])


def test_export_is_an_xlsx_with_the_ledger_columns(client, tokens, world):
    office = Actor(client, tokens["dcs_li"])
    response = office.get("/ledger/export.xlsx", query_string={"q": TAG, "sort": "number"})
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and 'filename="ledger-20261123.xlsx"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "督查台账-20261123.xlsx"
    sheet = load_workbook(io.BytesIO(response.data))["督查台账"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == HEADERS and sheet.freeze_panes == "A2" and sheet["A1"].font.b
    body = {row[3].split("：")[0]: row for row in rows[1:]}
    a = body[ITEMS["A"]["title"]]
    number = row_of(world, office, "A")["business_number"]
    matter = f"{ITEMS['A']['title']}：{ITEMS['A']['content']}"
    assert a[:4] == [1, number, "常务会议 县政府第7次常务会议", matter]
    assert a[4:8] == ["陈常务副县长", "霞阳镇人民政府", "县财政局", "2026-11-30"]
    assert a[9:12] == ["办理中", "绿灯", None]  # 销号日期 empty
    assert set(a[8].split("；")) == {"办理并报告（霞阳镇人民政府）", "办理并报告（县财政局）"}
    c = body[ITEMS["C"]["title"]]
    assert (c[9], c[10], c[11], c[12]) == ("已销号", "—", "2026-11-25", "资料齐全")
    b_cell = sheet.cell(row=3, column=4)
    assert b_cell.value.startswith("=HYPERLINK") and b_cell.data_type == "s"  # text, not a formula
    assert len(rows) == 5

    unit = load_workbook(io.BytesIO(Actor(client, tokens["fgj_ll"]).get("/ledger/export.xlsx").data))["督查台账"]
    titles = [row[3].value or "" for row in unit.iter_rows(min_row=2)]
    assert any(TAG in t for t in titles) and not any(ITEMS["A"]["title"] in t for t in titles)


@pytest.mark.parametrize(
    "query",
    [
        {"light": "purple"},
        {"status": "done"},
        {"registered_from": "2026-13-01"},
        {"deadline_to": "yesterday"},
        {"registered_from": "2026-11-30", "registered_to": "2026-11-01"},
        {"sort": "title"},
        {"per_page": 0},
    ],
)
def test_bad_filters_are_422(client, tokens, query):
    office = Actor(client, tokens["dcs_li"])
    for path in ("/ledger", "/ledger/export.xlsx"):
        if path.endswith("xlsx") and "per_page" in query:
            continue
        response = office.get(path, query_string=query)
        assert response.status_code == 422, (path, query)
        errors = response.get_json()["details"]["errors"]
        assert set(errors) == set(query) - {"registered_to"}
        if "per_page" not in query:  # the ledger's own fields explain themselves in Chinese
            assert all(any("\u4e00" <= ch <= "\u9fff" for ch in text) for text in sum(errors.values(), []))


def test_overview_counts_statuses_lights_and_units(client, tokens, world):
    office = Actor(client, tokens["dcs_li"])
    before, after = world["before"], overview_as(office)  # both at the Monday clock

    def delta(section: str) -> dict[str, int]:
        return {k: after[section][k] - before[section].get(k, 0) for k in after[section]}

    assert delta("by_status") == {
        "registering": 1,
        "handling": 1,
        "closed": 2,
        "error": 0,
        "suspended": 0,
        "withdrawn": 0,
    }
    assert delta("by_light") == {"green": 1, "yellow": 0, "red": 0}
    assert after["total"] - before["total"] == 4

    def unit(snapshot: dict[str, Any], code: str) -> dict[str, Any]:
        found = [u for u in snapshot["units"] if u["unit"] == code]
        return found[0] if found else {"total": 0, "closed": 0, "closed_on_time": 0, "overdue_open": 0}

    counted = ("total", "closed", "closed_on_time", "overdue_open")
    for code, expected in {"xiayang": (1, 0, 0, 0), "zjj": (1, 1, 1, 0), "jyj": (1, 1, 0, 0)}.items():
        now, then = unit(after, code), unit(before, code)
        assert tuple(now[k] - then[k] for k in counted) == expected, code
    jyj = unit(after, "jyj")
    assert jyj["unit_name"] == "县教育局" and jyj["on_time_rate"] == round(jyj["closed_on_time"] / jyj["closed"], 4)


def test_a_unit_overview_counts_only_its_items(client, tokens, world):
    unit = Actor(client, tokens["fgj_ll"])
    mine = overview_as(unit)
    # the 总览 counts 督办事项 (a campaign the unit leads is listed in the 台账 but is not one)
    listed = unit.get("/ledger", query_string={"per_page": 1, "process_key": "supervision_item"}).get_json()["total"]
    assert mine["total"] == listed >= 1
    assert {u["unit"] for u in mine["units"]} <= {
        u["unit"] for u in overview_as(Actor(client, tokens["dcs_li"]))["units"]
    }


def test_an_item_registered_with_a_deadline_stays_registering_until_it_is_assigned(client, tokens) -> None:
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    started = office.start("supervision_item", {})
    data = {**item("带日期立项", "miandu", "文件", 10), "deadline": "2026-12-31"}
    office.do(started["id"], "register", data)
    rows = office.get("/ledger", query_string={"q": f"带日期立项{TAG}"}).get_json()["items"]
    assert [r["status"] for r in rows] == ["registering"]
    leader.do(started["id"], "approve", {"decision": "approve"})
    rows = office.get("/ledger", query_string={"q": f"带日期立项{TAG}"}).get_json()["items"]
    assert [(r["status"], r["deadline"]) for r in rows] == [("handling", "2026-12-31")]
