"""Feature: 督查考核 — each unit's score for a period, every deduction and addition explained.

The scenario lives in 2027-05 (the clock is moved there), so other tests' items cannot land in it; the
assertions name only the items and bulletins created here.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from service.db.models.documents import Bulletin, BulletinMention
from service.scoring import rules as scoring_rules
from tests.api_helpers import Actor, report
from tests.conftest import FakeClock

PERIOD = "2027-05"
DEADLINE = "2027-05-14"  # a Friday
REPORT = {"progress": "已按要求完成", "completion": "done", "need_coordination": False}
DEFAULT_RULES = scoring_rules.to_json(scoring_rules.DEFAULTS)


def _register(office: Actor, leader: Actor, title: str, lead: str, co: list[str]) -> dict[str, Any]:
    item = {
        "title": title,
        "content": f"{title}（考核测试）",
        "source_type": "文件",
        "source_ref": "县政发〔2027〕9号",
        "lead_unit": lead,
        "co_units": co,
        "deadline": DEADLINE,
    }
    started = office.start("supervision_item", item)
    office.do(started["id"], "register", item)
    leader.do(started["id"], "approve", {"decision": "approve"})
    return started


def _bulletin(services: Any, at: datetime, mentions: list[tuple[str, str, str]]) -> int:
    with services.uow() as uow:
        bulletin = Bulletin(
            year=at.year,
            issue_no=900_000 + uuid.uuid4().int % 99_999,  # far above any real 第N期
            title="考核测试专期",
            period_start="2027-05-01",
            period_end="2027-05-11",
            totals={},
            requirements="",
            storage_key=f"scoring-test-{uuid.uuid4().hex}",
            sha256="0" * 64,
            size=0,
            created_by="dcs_li",
            created_at=at,
        )
        bulletin.mentions = [BulletinMention(unit_code=u, kind=k, reason=r) for u, k, r in mentions]
        uow.session.add(bulletin)
        uow.commit()
        return bulletin.id


@pytest.fixture(scope="module")
def scenario(services: Any, app: Any, tokens: dict[str, str], clock: FakeClock) -> Iterator[dict[str, Any]]:
    """Given, in 2027-05: an item led by 鹿原镇 with 县卫健局 co-handling, left open past its deadline; an
    item led by 县发改局 returned once for redo and then closed on time; a bulletin praising 县发改局 and
    criticising 鹿原镇."""
    client = app.test_client()
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    clock.now = datetime(2027, 5, 6, 1, 0, tzinfo=UTC)
    late = _register(office, leader, "鹿原镇集镇污水管网建设", "luyuan", ["wjj"])
    done = _register(office, leader, "县发改局项目申报材料整理", "fgj", [])
    clock.now = datetime(2027, 5, 7, 2, 0, tzinfo=UTC)
    report(client, tokens, "fgj", done["id"], REPORT)
    office.do(done["id"], "review", {"review_decision": "return", "return_reason": "附件缺少立项批复"})
    clock.now = datetime(2027, 5, 10, 2, 0, tzinfo=UTC)
    report(client, tokens, "fgj", done["id"], REPORT)
    office.do(done["id"], "review", {"review_decision": "accept"})
    office.do(done["id"], "report_upward", {"summary": "已完成"})
    leader.do(done["id"], "leader_read", {"conclusion": "concluded", "instruction": "同意销号"})
    office.do(done["id"], "archive", {"retention": "30年", "close_note": "资料齐全", "archive_ref": "KH-2027-1"})
    assert office.instance(done["id"])["status"] == "completed"
    bulletin = _bulletin(
        services,
        datetime(2027, 5, 12, 3, 0, tzinfo=UTC),
        [("fgj", "praise", "提前完成项目申报"), ("luyuan", "criticism", "污水管网建设进度滞后")],
    )
    clock.now = datetime(2027, 5, 20, 1, 0, tzinfo=UTC)  # the open item is now overdue
    yield {"late": late, "done": done, "bulletin": bulletin}
    with services.uow() as uow:  # the bulletin numbers are not real: leave no trace for the bulletin tests
        uow.session.delete(uow.session.get(Bulletin, bulletin))
        uow.commit()


@pytest.fixture()
def default_rules(client: Any, tokens: dict[str, str]) -> Iterator[int]:
    """The default rules in force during the test, and again afterwards."""
    admin = Actor(client, tokens["admin"])
    put = client.put("/api/v1/scores/rules", json={"rules": DEFAULT_RULES}, headers=admin.headers)
    assert put.status_code == 200, put.get_json()
    yield put.get_json()["version"]
    client.put("/api/v1/scores/rules", json={"rules": DEFAULT_RULES}, headers=admin.headers)


def _units(response: Any) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.get_json()
    return {u["unit"]: u for u in response.get_json()["units"]}


def _mine(unit: dict[str, Any], *numbers: str) -> list[tuple[str, float]]:
    return sorted((line["rule"], line["points"]) for line in unit["lines"] if line["number"] in numbers)


def test_each_deduction_and_addition_is_an_explained_line_and_the_totals_add_up(
    client: Any, tokens: dict[str, str], scenario: dict[str, Any], default_rules: int, clock: FakeClock
) -> None:
    clock.now = datetime(2027, 5, 20, 1, 0, tzinfo=UTC)
    late, done = scenario["late"]["business_number"], scenario["done"]["business_number"]
    # When the office computes the scores for 2027-05
    response = Actor(client, tokens["dcs_li"]).get("/scores", query_string={"period": PERIOD})
    units = _units(response)
    sheet = response.get_json()
    issue = next(line["number"] for line in units["fgj"]["lines"] if line["rule"] == "praise")
    # Then the lead unit loses 5 for the overdue item and 1 for the criticism
    assert _mine(units["luyuan"], late, issue) == [("criticism", -1.0), ("overdue_lead", -5.0)]
    # the co-handling unit loses 2.5; the unit returned once loses 1 and gains 1 for the praise
    assert _mine(units["wjj"], late) == [("overdue_co", -2.5)]
    assert _mine(units["fgj"], done, issue) == [("praise", 1.0), ("return_redo", -1.0)]
    # and each line says why, in Chinese, naming the item or the bulletin and the date
    lead_line = next(line for line in units["luyuan"]["lines"] if line["number"] == late)
    assert lead_line["explanation"] == f"{late}《鹿原镇集镇污水管网建设》截至2027年5月14日逾期未办结（牵头单位）：-5"
    assert lead_line["date"] == DEADLINE and lead_line["instance_id"] == scenario["late"]["id"]
    texts = {line["rule"]: line["explanation"] for unit in units.values() for line in unit["lines"]}
    assert "（协办单位）：-2.5" in texts["overdue_co"]
    assert "被退回重办（退回理由：附件缺少立项批复）：-1" in texts["return_redo"]
    assert f"{issue}督查通报《考核测试专期》通报表扬（提前完成项目申报）：+1" == texts["praise"]
    # score = base + the sum of the lines, for every unit; the rule version is recorded
    assert sheet["rule_version"] == default_rules and sheet["start"] == "2027-05-01" and sheet["end"] == "2027-05-31"
    for unit in units.values():
        assert unit["score"] == pytest.approx(100 + sum(line["points"] for line in unit["lines"]))
        assert unit["deductions"] + unit["additions"] == pytest.approx(unit["score"] - 100)
        assert unit["rule_version"] == default_rules
    assert "dcs" not in units  # the office itself is not scored
    # on-time rate: the closed item was on time, the open one was not
    assert units["fgj"]["on_time"] >= 1 and units["luyuan"]["due"] >= 1
    scores = [u["score"] for u in sheet["units"]]
    assert scores == sorted(scores, reverse=True) and sheet["units"][0]["rank"] == 1


def test_an_overdue_item_closed_late_and_a_future_deadline(
    client: Any, tokens: dict[str, str], scenario: dict[str, Any], default_rules: int, clock: FakeClock
) -> None:
    # Given the same scenario seen a day before the deadline ran out, nothing is overdue yet
    clock.now = datetime(2027, 5, 14, 8, 0, tzinfo=UTC)
    late = scenario["late"]["business_number"]
    units = _units(Actor(client, tokens["dcs_li"]).get("/scores", query_string={"period": PERIOD}))
    assert _mine(units["luyuan"], late) == [] and _mine(units["wjj"], late) == []
    # and a period that does not hold the deadline has no overdue line for it either
    clock.now = datetime(2027, 5, 20, 1, 0, tzinfo=UTC)
    april = _units(Actor(client, tokens["dcs_li"]).get("/scores", query_string={"period": "2027-04"}))
    assert _mine(april["luyuan"], late) == []


def test_a_changed_rule_set_changes_the_score_and_records_its_version(
    client: Any, tokens: dict[str, str], scenario: dict[str, Any], default_rules: int, clock: FakeClock
) -> None:
    clock.now = datetime(2027, 5, 20, 1, 0, tzinfo=UTC)
    office = Actor(client, tokens["dcs_wang"])
    late = scenario["late"]["business_number"]
    before = _units(office.get("/scores", query_string={"period": PERIOD}))["luyuan"]
    # When 督查室 sets −3 per overdue item as lead unit and an extra −0.5 per overdue working day (at most 2)
    put = client.put(
        "/api/v1/scores/rules",
        json={
            "rules": {"overdue_lead": -3, "overdue_workday": -0.5, "overdue_workday_cap": 2},
            "based_on": default_rules,
        },
        headers=office.headers,
    )
    assert put.status_code == 200, put.get_json()
    saved = put.get_json()
    assert saved["version"] == default_rules + 1 and saved["changed"] is True
    assert saved["rules"]["overdue_lead"] == -3 and saved["rules"]["praise"] == 1  # the rest kept
    assert [v["version"] for v in saved["history"]][:2] == [default_rules + 1, default_rules]
    # Then the score uses the new rules and says which version
    response = office.get("/scores", query_string={"period": PERIOD})
    after = _units(response)["luyuan"]
    assert response.get_json()["rule_version"] == default_rules + 1 and after["rule_version"] == default_rules + 1
    assert _mine(after, late) == [("overdue_lead", -3.0), ("overdue_workday", -1.0)]
    extra = next(line for line in after["lines"] if line["rule"] == "overdue_workday")
    assert "逾期4个工作日（牵头单位，每日-0.5，最多计2日）：-1" in extra["explanation"]  # 5-17 … 5-20
    assert after["score"] == pytest.approx(before["score"] + 2 - 1)
    # and the old version is kept
    rules = office.get("/scores/rules").get_json()
    assert {v["version"] for v in rules["history"]} >= {default_rules, default_rules + 1}
    # Saving the same values again adds no version; an editor working on an old version is told
    same = client.put("/api/v1/scores/rules", json={"rules": {"overdue_lead": -3}}, headers=office.headers)
    assert same.get_json()["changed"] is False and same.get_json()["version"] == default_rules + 1
    stale = client.put(
        "/api/v1/scores/rules", json={"rules": {"praise": 2}, "based_on": default_rules}, headers=office.headers
    )
    assert stale.status_code == 409
    assert office.get("/scores/rules").get_json()["version"] == default_rules + 1


def test_a_unit_sees_only_its_own_score_and_leaders_and_auditors_see_all(
    client: Any, tokens: dict[str, str], scenario: dict[str, Any], default_rules: int, clock: FakeClock
) -> None:
    clock.now = datetime(2027, 5, 20, 1, 0, tzinfo=UTC)
    unit = Actor(client, tokens["luyuan_fzr"])
    mine = unit.get("/scores", query_string={"period": PERIOD})
    assert list(_units(mine)) == ["luyuan"] and mine.get_json()["units"][0]["rank"] is None
    assert unit.get("/scores", query_string={"period": PERIOD, "unit": "fgj"}).status_code == 403
    assert unit.get("/scores/export.xlsx", query_string={"period": PERIOD, "unit": "fgj"}).status_code == 403
    assert unit.get("/scores/rules").status_code == 200  # a unit may read the rules it is scored by
    for who in ("xianzhang", "changwu", "fenguan", "shenji", "admin"):
        units = _units(Actor(client, tokens[who]).get("/scores", query_string={"period": PERIOD}))
        assert {"luyuan", "wjj", "fgj", "xiayang"} <= set(units), who
    one = _units(Actor(client, tokens["xianzhang"]).get("/scores", query_string={"period": PERIOD, "unit": "wjj"}))
    assert list(one) == ["wjj"] and one["wjj"]["rank"] >= 1


def test_bad_periods_and_bad_rules_are_refused_and_nothing_is_saved(
    client: Any, tokens: dict[str, str], default_rules: int
) -> None:
    office = Actor(client, tokens["dcs_li"])
    for query, field in (
        ({"period": "2027Q5"}, "period"),
        ({"period": "2027-13"}, "period"),
        ({"period": "abc"}, "period"),
        ({"period": "2027", "start": "2027-01-01", "end": "2027-01-31"}, "period"),
        ({"start": "2027-02-01", "end": "2027-01-01"}, "end"),
        ({"start": "2027-02-01"}, "end"),
        ({"start": "2027-02-30", "end": "2027-03-01"}, "start"),
        ({"period": "2027", "unit": "nowhere"}, "unit"),
    ):
        response = office.get("/scores", query_string=query)
        assert response.status_code == 422, (query, response.get_json())
        assert field in response.get_json()["errors"], (query, response.get_json())
    assert office.get("/scores/export.xlsx", query_string={"period": "2027H3"}).status_code == 422
    for rules, field in (
        ({"overdue_lead": 5}, "overdue_lead"),  # a deduction must not add
        ({"praise": -1}, "praise"),
        ({"base": 100000}, "base"),
        ({"overdue_co": -2.555}, "overdue_co"),
        ({"overdue_workday_cap": 2.5}, "overdue_workday_cap"),
        ({"return_redo": True}, "return_redo"),
        ({"criticism": "很多"}, "criticism"),
        ({"per_person": -1}, "per_person"),
    ):
        response = client.put("/api/v1/scores/rules", json={"rules": {**rules}}, headers=office.headers)
        assert response.status_code == 422, (rules, response.get_json())
        assert field in response.get_json()["errors"]
    assert client.put("/api/v1/scores/rules", json={"rules": []}, headers=office.headers).status_code == 422
    unit = Actor(client, tokens["luyuan_fzr"])
    refused = client.put("/api/v1/scores/rules", json={"rules": {"overdue_lead": -1}}, headers=unit.headers)
    assert refused.status_code == 403
    leader = client.put(
        "/api/v1/scores/rules", json={"rules": {"overdue_lead": -1}}, headers=Actor(client, tokens["xianzhang"]).headers
    )
    assert leader.status_code == 403
    current = office.get("/scores/rules").get_json()
    assert current["version"] == default_rules and current["rules"] == DEFAULT_RULES


def test_the_excel_export_holds_the_same_numbers(
    client: Any, tokens: dict[str, str], scenario: dict[str, Any], default_rules: int, clock: FakeClock
) -> None:
    clock.now = datetime(2027, 5, 20, 1, 0, tzinfo=UTC)
    office = Actor(client, tokens["dcs_li"])
    units = _units(office.get("/scores", query_string={"period": PERIOD}))
    response = office.get("/scores/export.xlsx", query_string={"period": PERIOD})
    assert response.status_code == 200 and "filename*=UTF-8''" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["得分", "明细"]
    rows = list(book["得分"].iter_rows(values_only=True))
    assert rows[0][:5] == ("单位", "得分", "按时办结率", "扣分", "加分")
    by_name = {row[0]: row for row in rows[1:]}
    assert len(by_name) == len(units)
    for unit in units.values():
        row = by_name[unit["unit_name"]]
        assert row[1] == pytest.approx(unit["score"]) and row[3] == pytest.approx(unit["deductions"])
        assert row[4] == pytest.approx(unit["additions"]) and row[6] == default_rules
        assert (row[2] or None) == (unit["on_time_rate"] if unit["on_time_rate"] else None)
    lines = list(book["明细"].iter_rows(values_only=True))
    assert lines[0] == ("单位", "规则", "分值", "编号", "事项/通报", "日期", "说明")
    expected = sorted(
        (unit["unit_name"], line["points"], line["explanation"]) for unit in units.values() for line in unit["lines"]
    )
    assert sorted((row[0], row[2], row[6]) for row in lines[1:]) == expected


def test_a_formula_in_a_title_stays_text_in_the_export(
    services: Any, client: Any, tokens: dict[str, str], default_rules: int, clock: FakeClock
) -> None:
    # Given a bulletin whose reason starts with "=" (user input), in a month of its own
    at = datetime(2027, 7, 8, 2, 0, tzinfo=UTC)
    bulletin = _bulletin(services, at, [("shidu", "praise", '=HYPERLINK("http://x")')])
    try:
        clock.now = datetime(2027, 7, 20, 1, 0, tzinfo=UTC)
        response = Actor(client, tokens["dcs_li"]).get("/scores/export.xlsx", query_string={"period": "2027-07"})
        book = load_workbook(io.BytesIO(response.data))
        cells = [row for row in book["明细"].iter_rows() if row[0].value == "十都镇人民政府"]
        assert cells and all(c.data_type != "f" for row in cells for c in row)
    finally:
        with services.uow() as uow:
            uow.session.delete(uow.session.get(Bulletin, bulletin))
            uow.commit()


def test_the_overview_the_bulletin_and_the_scores_agree_on_a_period(
    client: Any, tokens: dict[str, str], scenario: dict[str, Any], default_rules: int, clock: FakeClock
) -> None:
    """Issue 11, point 11: 总览, 通报 and 考核 count the same items for the same period — the 督办事项 whose
    deadline day falls in it — and reach the same numbers."""
    clock.now = datetime(2027, 6, 2, 1, 0, tzinfo=UTC)  # every May deadline has passed
    office = Actor(client, tokens["dcs_li"])
    may = {"deadline_from": "2027-05-01", "deadline_to": "2027-05-31"}
    overview = office.get("/ledger/overview", query_string=may).get_json()
    preview = office.get("/bulletins/preview", query_string={"start": "2027-05-01", "end": "2027-05-31"})
    totals = preview.get_json()["totals"]
    scores = _units(office.get("/scores", query_string={"period": PERIOD}))
    assert overview["by_status"]["registering"] == 0  # nothing of May is still being registered
    units = {u["unit"]: u for u in overview["units"]}
    assert units["luyuan"]["overdue_open"] == 1 and units["fgj"]["closed_on_time"] >= 1  # the scenario is in
    # the 总览 and the 通报: the same items due, on time, and overdue still open
    assert overview["total"] == totals["due"]
    assert sum(u["closed_on_time"] for u in units.values()) == totals["on_time"]
    assert sum(u["overdue_open"] for u in units.values()) == totals["overdue_open"]
    assert sum(u["total"] - u["closed_on_time"] for u in units.values()) == totals["overdue"]
    # the 总览 and 考核: each lead unit loses points for exactly the items the 总览 shows not closed on time
    for code, unit in units.items():
        charged = [line for line in scores[code]["lines"] if line["rule"] == "overdue_lead"]
        assert len(charged) == unit["total"] - unit["closed_on_time"], code
