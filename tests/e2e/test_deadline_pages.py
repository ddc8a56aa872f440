"""Feature: on the item page the lead unit's head asks for an extension and 督查室 sends a 催办."""

from __future__ import annotations

from typing import Any

from tests.api_helpers import Actor
from tests.e2e.test_web_sign_in import HTML, _csrf, sign_in

ITEM = {
    "title": "页面延期催办：中小学校舍维修",
    "content": "完成5所中小学校舍维修",
    "source_type": "文件",
    "source_ref": "县政发〔2026〕21号",
    "lead_unit": "jyj",
}


def _item(client: Any, tokens: dict[str, str]) -> int:
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    iid = int(office.start("supervision_item", ITEM)["id"])
    office.do(iid, "register", ITEM)
    leader.do(iid, "approve", {"decision": "approve"})
    return iid


def test_extension_and_reminder_forms_on_the_item_page(client: Any, tokens: dict[str, str]) -> None:
    iid = _item(client, tokens)
    # Given the liaison: no extension form (only the head files one), no reminder form
    sign_in(client, "jyj_ll")
    page = client.get(f"/items/{iid}", headers=HTML).get_data(as_text=True)
    assert "时限与催办" in page and 'id="extension-form"' not in page and 'id="reminder-form"' not in page

    # When the head asks for a Sunday, the message stands next to the field and the reason is kept
    sign_in(client, "jyj_fzr")
    page = client.get(f"/items/{iid}", headers=HTML).get_data(as_text=True)
    assert 'id="extension-form"' in page
    form = {"csrf_token": _csrf(client, f"/items/{iid}"), "requested_deadline": "2026-12-27", "reason": "资金未到位"}
    response = client.post(f"/items/{iid}/extensions", data=form, headers=HTML)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'data-error-for="extension.requested_deadline"' in body and "不是工作日" in body and "资金未到位" in body
    # Without the CSRF token nothing is filed
    no_token = {k: v for k, v in form.items() if k != "csrf_token"} | {"requested_deadline": "2026-12-28"}
    assert client.post(f"/items/{iid}/extensions", data=no_token, headers=HTML).status_code in (400, 403)
    assert Actor(client, tokens["dcs_li"]).get(f"/process-instances/{iid}/extensions").get_json() == []
    # A proper request is filed and listed as under review; the form is gone while it is pending
    form["requested_deadline"] = "2026-12-28"
    response = client.post(f"/items/{iid}/extensions", data=form, headers=HTML)
    assert response.status_code == 302
    page = client.get(f"/items/{iid}", headers=HTML).get_data(as_text=True)
    assert 'data-result="pending"' in page and 'id="extension-form"' not in page

    # 督查室 sends a 催办; the notice lands among the attachments and the reminder is listed
    sign_in(client, "dcs_wang")
    form = {"csrf_token": _csrf(client, f"/items/{iid}"), "message": "请加快进度", "new_deadline": ""}
    assert client.post(f"/items/{iid}/reminders", data=form, headers=HTML).status_code == 302
    page = client.get(f"/items/{iid}", headers=HTML).get_data(as_text=True)
    assert "第1次催办" in page and "请加快进度" in page
    files = Actor(client, tokens["dcs_li"]).get(f"/process-instances/{iid}/attachments").get_json()
    assert [f["filename"] for f in files if f["filename"].startswith("催办通知")] != []
