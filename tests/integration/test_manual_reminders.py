"""Feature: 催办 — 督查室 urges the units still handling an item; each 催办 gives a 催办通知 (.docx), a history
event and a notification; automatic reminders are listed beside them."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from docx import Document

from service.process import scheduler
from tests.api_helpers import Actor, approved_item, confirm

ITEM = {
    "title": "催办测试：农村饮水安全巩固提升",
    "content": "完成12处集中供水工程改造",
    "source_type": "领导批示",
    "source_ref": "张县长2026年11月20日批示",
    "lead_unit": "miandu",
    "co_units": ["wjj"],
}


def _assigned(client: Any, tokens: dict[str, str], title: str) -> int:
    return approved_item(client, tokens, {**ITEM, "title": title})


def _docx_text(client: Any, office: Actor, attachment_id: int) -> str:
    response = client.get(f"/api/v1/attachments/{attachment_id}/download", headers=office.headers)
    assert response.status_code == 200
    body = response.data
    response.close()  # the file stream behind send_file
    document = Document(BytesIO(body))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_an_overdue_item_is_urged_with_a_notice(client, tokens, services, clock):  # type: ignore[no-untyped-def]
    office, lead, co = (Actor(client, tokens[u]) for u in ("dcs_li", "miandu_ll", "wjj_ll"))
    # Given an item with two units (25 working days: deadline 2026-12-28), the co-handler has reported
    iid = _assigned(client, tokens, "催办测试：农村饮水安全巩固提升")
    assert office.instance(iid)["data"]["deadline"] == "2026-12-28"
    co.do(iid, "handle", {"progress": "已完成配合工作", "completion": "done", "need_coordination": False})
    confirm(client, tokens, "wjj", iid)  # its head confirmed: the report is with the office
    # And the deadline passed three working days ago; the timers fired meanwhile
    clock.now = datetime(2026, 12, 31, 2, 0, tzinfo=UTC)  # Thursday 10:00 in Shanghai
    scheduler.wake(services.uow, services.ctx, iid)

    # When 督查室 urges without a message, or a unit that is not handling it: refused, nothing written
    before = len(office.get(f"/process-instances/{iid}/history").get_json())
    assert office.post(f"/process-instances/{iid}/reminders", json={"message": " "}).status_code == 422
    bad = office.post(f"/process-instances/{iid}/reminders", json={"message": "请抓紧", "units": ["xiayang"]})
    assert bad.status_code == 422 and "units" in bad.get_json()["details"]["errors"]
    weekend = office.post(
        f"/process-instances/{iid}/reminders", json={"message": "请抓紧", "new_deadline": "2027-01-09"}
    )
    assert weekend.status_code == 422 and "new_deadline" in weekend.get_json()["details"]["errors"]
    assert lead.post(f"/process-instances/{iid}/reminders", json={"message": "请抓紧"}).status_code == 403
    assert len(office.get(f"/process-instances/{iid}/history").get_json()) == before

    # Then a proper 催办 reaches only the unit still handling it, with a 第1次 notice
    body = {"message": "请于限期内办结并书面报送办理情况", "new_deadline": "2027-01-08"}
    response = office.post(f"/process-instances/{iid}/reminders", json=body)
    assert response.status_code == 201, response.get_json()
    sent = response.get_json()
    assert (sent["reminder_no"], sent["units"], sent["days_overdue"]) == (1, ["miandu"], 3)
    assert (sent["original_deadline"], sent["new_deadline"]) == ("2026-12-28", "2027-01-08")
    text = _docx_text(client, office, sent["attachment_id"])
    number = office.instance(iid)["business_number"]
    assert number in text and "3个工作日" in text and "沔渡镇人民政府" in text and "2027年1月8日" in text
    # The item's own deadline stays: lateness is measured against it
    assert office.instance(iid)["data"]["deadline"] == "2026-12-28"
    notes = lead.get("/notifications", query_string={"per_page": 100}).get_json()["items"]
    assert any(n["title"] == "催办通知（第1次）" and n["instance_id"] == iid for n in notes)
    assert not any(
        n["instance_id"] == iid and "催办通知" in n["title"] for n in co.get("/notifications").get_json()["items"]
    )

    # A second 催办 is 第2次; the list shows the automatic reminders and both manual ones, oldest first
    assert (
        office.post(f"/process-instances/{iid}/reminders", json={"message": "再次催办"}).get_json()["reminder_no"] == 2
    )
    listed = lead.get(f"/process-instances/{iid}/reminders").get_json()
    automatic = sorted((r["label"], r["details"]["unit"]) for r in listed if r["kind"] == "automatic")
    assert automatic == [
        (label, unit) for label in ("临期催办（自动）", "逾期催办（自动）") for unit in ("miandu", "wjj")
    ]
    assert [r["label"] for r in listed if r["kind"] == "manual"] == ["第1次催办", "第2次催办"]
    assert listed[-1]["label"] == "第2次催办"
    assert office.get(f"/process-instances/{iid}/history/verify").get_json()["ok"]


def test_nothing_to_urge_once_every_unit_has_reported(client, tokens):  # type: ignore[no-untyped-def]
    office, lead, co = (Actor(client, tokens[u]) for u in ("dcs_li", "miandu_ll", "wjj_ll"))
    iid = _assigned(client, tokens, "催办测试：已全部报送")
    report = {"progress": "已完成", "completion": "done", "need_coordination": False}
    lead.do(iid, "handle", report)
    co.do(iid, "handle", report)
    confirm(client, tokens, "miandu", iid)
    confirm(client, tokens, "wjj", iid)
    assert office.post(f"/process-instances/{iid}/reminders", json={"message": "请抓紧"}).status_code == 409
