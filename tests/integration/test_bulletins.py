"""Feature: the office publishes 督查通报 第N期 for a period — totals, praise and criticism, 整改要求, the ledger."""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime
from io import BytesIO
from typing import Any

import docx

from service.access.principal import Principal
from service.attachments import file_store
from service.db.models.documents import Bulletin
from service.documents import bulletins
from tests.api_helpers import Actor, report

# Deadlines in March 2031: a period no other test uses (the database is shared by the whole session).
START, END = "2031-03-01", "2031-03-31"
REPORT = {"progress": "已全部完成", "completion": "done", "need_coordination": False}


def _at(clock: Any, moment: str) -> None:
    clock.now = datetime.fromisoformat(moment)


def _item(client: Any, tokens: dict[str, str], title: str, lead: str, deadline: str, co: tuple[str, ...] = ()) -> dict:
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    data = {
        "title": title,
        "content": f"{title}的具体内容",
        "source_type": "文件",
        "source_ref": "县政发〔2031〕2号",
        "lead_unit": lead,
        "co_units": list(co),
        "deadline": deadline,
        "requirements": "按期书面报送办理情况",
    }
    started = office.start("supervision_item", data)
    office.do(started["id"], "register", data)
    leader.do(started["id"], "approve", {"decision": "approve"})
    return started


def _close(client: Any, tokens: dict[str, str], iid: int, units: tuple[str, ...]) -> None:
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    for unit in units:
        report(client, tokens, unit, iid, REPORT)
        office.do(iid, "review", {"review_decision": "accept"})
    office.do(iid, "report_upward", {"summary": "已办结"})
    leader.do(iid, "leader_read", {"conclusion": "concluded"})
    office.do(iid, "archive", {"retention": "30年", "close_note": "资料齐全"})


def _text(body: bytes) -> tuple[str, list[list[str]]]:
    document = docx.Document(BytesIO(body))
    text = "\n".join(p.text for p in document.paragraphs)
    rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    return text, rows


def _count(services: Any) -> int:
    with services.uow() as uow:
        return uow.bulletins.page(0, 1)[1]


def _march(client: Any, tokens: dict[str, str], clock: Any) -> dict[str, dict]:
    """One item closed on time, one overdue, one returned twice (still in hand)."""
    _at(clock, "2031-03-03T09:00:00+08:00")
    on_time = _item(client, tokens, "三月城区排水管网疏浚", "fgj", "2031-03-12", co=("czj",))
    overdue = _item(client, tokens, "三月校园安全隐患排查", "jyj", "2031-03-14")
    returned = _item(client, tokens, "三月乡镇卫生院设备更新", "wjj", "2031-03-28")
    office = Actor(client, tokens["dcs_li"])
    for day in ("2031-03-04", "2031-03-05"):
        _at(clock, f"{day}T10:00:00+08:00")
        report(client, tokens, "wjj", returned["id"], REPORT)
        office.do(returned["id"], "review", {"review_decision": "return", "return_reason": "设备清单不全"})
    _at(clock, "2031-03-05T15:00:00+08:00")
    _close(client, tokens, on_time["id"], ("fgj", "czj"))
    _at(clock, "2031-03-20T10:00:00+08:00")  # Thursday: 3-14 (Friday) is 4 working days past
    return {"on_time": on_time, "overdue": overdue, "returned": returned}


def test_the_office_generates_numbered_bulletins_that_everyone_can_download(client, tokens, clock, services):
    office, unit = Actor(client, tokens["dcs_wang"]), Actor(client, tokens["jyj_ll"])
    # Given March 2031: one item closed on time, one overdue, one returned twice
    items = _march(client, tokens, clock)
    numbers = {k: v["business_number"] for k, v in items.items()}

    # When the office previews the period, Then it sees the totals and suggested units with reasons
    preview = office.get("/bulletins/preview", query_string={"start": START, "end": END}).get_json()
    assert preview["totals"] == {
        "due": 3,
        "on_time": 1,
        "overdue": 1,
        "overdue_open": 1,
        "closed": 1,
        "returned": 2,
        "returned_items": 1,
        "open": 2,
    }
    assert {s["unit"] for s in preview["praise"]} == {"fgj", "czj"}
    blamed = {s["unit"]: s["reason"] for s in preview["criticism"]}
    assert blamed["jyj"] == f"{numbers['overdue']}《三月校园安全隐患排查》逾期4个工作日未办结"
    assert blamed["wjj"] == f"{numbers['returned']}《三月乡镇卫生院设备更新》被退回重新办理2次"
    assert set(blamed) == {"jyj", "wjj"}

    # When it generates the bulletin with its chosen praise, criticism and requirements
    body = {
        "start": START,
        "end": END,
        "praise": [{"unit": "fgj", "reason": "排水管网疏浚提前完成，成效明显"}],
        "criticism": [{"unit": u, "reason": blamed[u]} for u in ("jyj", "wjj")],
        "requirements": "请被通报批评的单位于5个工作日内提交整改报告。\n各单位举一反三。",
    }
    created = office.post("/bulletins", json=body)
    assert created.status_code == 201, created.get_json()
    first = created.get_json()
    assert first["issue"] == f"2031年第{first['issue_no']}期" and first["totals"]["due"] == 3
    assert first["title"] == "关于2031年3月1日至2031年3月31日督办事项办理情况的通报"
    assert [(m["unit"], m["kind"]) for m in first["mentions"]] == [
        ("fgj", "praise"),
        ("jyj", "criticism"),
        ("wjj", "criticism"),
    ]

    # Then the document opens and carries the totals, the units with reasons, the requirements and the ledger
    document = office.get(f"/bulletins/{first['id']}/document.docx")
    assert document.status_code == 200 and document.mimetype.endswith("wordprocessingml.document")
    assert hashlib.sha256(document.data).hexdigest() == first["sha256"]
    text, rows = _text(document.data)
    assert f"2031年第{first['issue_no']}期" in text
    assert "到期督办事项3件，其中按期办结1件，逾期1件（其中逾期未办结1件），尚在办理2件" in text
    assert "期内销号1件；办理情况被退回重新办理2次，涉及事项1件" in text
    assert "1. 县发展和改革局：排水管网疏浚提前完成，成效明显" in text
    assert f"1. 县教育局：{blamed['jyj']}" in text and f"2. 县卫生健康局：{blamed['wjj']}" in text
    assert "请被通报批评的单位于5个工作日内提交整改报告。\n各单位举一反三。" in text
    ledger = {row[1]: row for row in rows if row[1].startswith("督办〔2031〕")}
    assert set(ledger) == set(numbers.values())
    assert ledger[numbers["on_time"]][2:] == [
        "三月城区排水管网疏浚",
        "县发展和改革局",
        "县财政局",
        "2031-03-12",
        "已销号",
        "—",
        "2031-03-05",
    ]
    assert ledger[numbers["overdue"]][6:8] == ["办理中", "红灯"]
    assert rows[0] == ["序号", "编号", "事项", "牵头单位", "协办单位", "时限", "状态", "亮灯", "销号日期"]

    # And the list shows it; a unit's staff may read and download it but not generate one
    listed = unit.get("/bulletins").get_json()
    assert listed["items"][0]["id"] == first["id"] and listed["total"] >= 1
    assert unit.get(f"/bulletins/{first['id']}/document.docx").data == document.data
    assert unit.post("/bulletins", json=body).status_code == 403
    assert unit.get("/bulletins/preview", query_string={"start": START, "end": END}).status_code == 403

    # When it generates again, Then the number goes on: 第N期 → 第N+1期
    second = office.post("/bulletins", json={"start": START, "end": END, "title": "三月督办事项补充通报"}).get_json()
    assert (second["year"], second["issue_no"]) == (2031, first["issue_no"] + 1)
    assert second["title"] == "三月督办事项补充通报" and second["mentions"] == []
    assert office.get("/bulletins").get_json()["items"][0]["id"] == second["id"]

    # And a stored file changed on disk is refused rather than sent
    with services.uow() as uow:
        key = uow.bulletins.get(second["id"]).storage_key
    file_store.path_for(services.settings.data_dir, key).write_bytes(b"tampered")
    refused = unit.get(f"/bulletins/{second['id']}/document.docx")
    assert refused.status_code == 409 and refused.get_json()["error"] == "document_corrupt"


def test_bad_requests_are_refused_field_by_field_and_store_nothing(client, tokens, clock, services):
    office = Actor(client, tokens["dcs_li"])
    _at(clock, "2031-04-01T10:00:00+08:00")
    before = _count(services)
    cases = [
        ({"start": "2031-03-31", "end": "2031-03-01"}, "end"),
        ({"start": "2031-03-01", "end": "2032-03-02"}, "end"),
        ({"start": "2031-3-1", "end": "2031-03-31"}, "start"),
        ({"start": START, "end": END, "praise": [{"unit": "nowhere", "reason": "好"}]}, "praise.0.unit"),
        ({"start": START, "end": END, "criticism": [{"unit": "jyj", "reason": "  "}]}, "criticism.0.reason"),
        ({"start": START, "end": END, "praise": [{"unit": "fgj", "reason": "a"}] * 2}, "praise.1.unit"),
    ]
    for body, field in cases:
        response = office.post("/bulletins", json=body)
        assert response.status_code == 422, body
        assert field in response.get_json()["errors"], response.get_json()
    assert office.get("/bulletins/preview", query_string={"start": END, "end": START}).status_code == 422
    assert office.get("/bulletins/999999999").status_code == 404
    assert _count(services) == before


def test_two_generations_at_once_get_consecutive_numbers(services, clock):
    # Given two office staff generating for the same year at the same moment
    clock.now = datetime.fromisoformat("2031-05-06T10:00:00+08:00")
    with services.uow() as uow:
        user = uow.users.by_username("dcs_li")
        assert user is not None
        actor = Principal.of(user)
    barrier, made, failed = threading.Barrier(2), [], []

    def generate() -> None:
        try:
            barrier.wait()
            with services.uow() as uow:
                payload = {"start": "2031-04-01", "end": "2031-04-30"}
                made.append(bulletins.generate(uow, services.ctx, services.settings, actor, payload, now=clock.now))
        except Exception as exc:  # noqa: BLE001 - reported below
            failed.append(exc)

    threads = [threading.Thread(target=generate) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then both are stored, with two consecutive numbers of that year
    assert not failed, failed
    numbers = sorted(b.issue_no for b in made)
    assert numbers[1] == numbers[0] + 1
    with services.uow() as uow:
        assert {uow.session.get(Bulletin, b.id).issue_no for b in made} == set(numbers)  # type: ignore[union-attr]
