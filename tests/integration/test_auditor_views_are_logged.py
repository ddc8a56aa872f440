"""Issue 13 point 4: what an auditor (审计) reads is itself audited — the item page and the instance, its
history, a document, an attachment, an export each leave one entry (who, what, when) in the audit log,
which the 系统管理员 and the other auditors read too and nobody edits; nobody else's reads leave any."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.access_helpers import HTML, bearer, create_user, sign_in, token_for
from tests.api_helpers import Actor
from tests.integration.test_attachments import PDF, upload
from tests.integration.test_supervised_item_flow import ITEM

VIEWS = (
    "auditor_viewed_instance",
    "auditor_viewed_history",
    "auditor_viewed_document",
    "auditor_viewed_attachment",
    "auditor_exported",
)


def _entries(client: Any, token: str, **query: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit-log", query_string={"per_page": 200, **query}, headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    return list(response.get_json()["items"])


def _views_of(client: Any, tokens: Any, actor: str, target: str) -> list[tuple[str, str]]:
    found = _entries(client, tokens["shenjiguan"], actor=actor, target=target)
    return sorted((e["action"], e["target"]) for e in found if e["action"] in VIEWS)


@pytest.fixture()
def item(client: Any, tokens: Any) -> tuple[int, str, int]:
    """An assigned item with one attachment: (instance id, business number, attachment id)."""
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    data = {**ITEM, "co_units": []}
    started = office.start("supervision_item", data)
    iid = started["id"]
    office.do(iid, "register", data)
    leader.do(iid, "approve", {"decision": "approve"})
    unit = Actor(client, tokens["zjj_ll"])
    attachment = upload(unit, iid, PDF, "审计附件.pdf", unit.task(iid, "handle")["id"]).get_json()
    return iid, started["business_number"], attachment["id"]


def _read_everything(client: Any, token: str, iid: int, attachment_id: int) -> None:
    reader = Actor(client, token)
    assert reader.get(f"/process-instances/{iid}").status_code == 200
    assert reader.get(f"/process-instances/{iid}/history").status_code == 200
    assert reader.get(f"/process-instances/{iid}/supervision-notice.docx").status_code == 200
    with reader.get(f"/attachments/{attachment_id}/download") as response:
        assert response.status_code == 200
    assert reader.get("/ledger/export.xlsx", query_string={"unit": "zjj"}).status_code == 200


def test_each_kind_of_view_by_an_auditor_leaves_one_entry(client: Any, tokens: Any, item: Any) -> None:
    iid, number, attachment_id = item
    # When the auditor reads the instance, its history, its 督办通知单, its attachment and the ledger export
    _read_everything(client, tokens["shenji"], iid, attachment_id)
    # Then each read is one entry, by shenji, naming what was read
    assert _views_of(client, tokens, "shenji", number) == [
        ("auditor_viewed_document", number),
        ("auditor_viewed_history", number),
        ("auditor_viewed_instance", number),
    ]
    attachment = _entries(client, tokens["shenjiguan"], actor="shenji", target=str(attachment_id))
    assert [(e["action"], e["details"]["instance_id"]) for e in attachment] == [("auditor_viewed_attachment", iid)]
    exports = _entries(client, tokens["shenjiguan"], actor="shenji", action="auditor_exported")
    assert exports and exports[0]["target"] == "台账" and exports[0]["details"]["unit"] == "zjj"
    assert exports[0]["action_label"] == "审计导出" and exports[0]["at"]


def test_the_item_page_read_by_an_auditor_is_logged(app: Any, client: Any, tokens: Any, item: Any) -> None:
    iid, number, _ = item
    browser = app.test_client()
    sign_in(browser, "shenji")
    page = browser.get(f"/items/{iid}", headers=HTML)
    assert page.status_code == 200
    assert "/audit/stalls?key=supervision_item" in page.get_data(as_text=True)  # where this flow stalls
    assert _views_of(client, tokens, "shenji", number) == [("auditor_viewed_instance", number)]


def test_reads_by_others_leave_none(app: Any, client: Any, tokens: Any, item: Any) -> None:
    iid, number, attachment_id = item
    for reader in ("dcs_li", "admin", "changwu"):
        _read_everything(client, tokens[reader], iid, attachment_id)
        assert _entries(client, tokens["shenjiguan"], actor=reader, target=number) == []
    browser = app.test_client()
    sign_in(browser, "dcs_li")
    assert browser.get(f"/items/{iid}", headers=HTML).status_code == 200
    assert _entries(client, tokens["shenjiguan"], actor="dcs_li", target=number) == []
    # a view refused (an unknown instance) leaves nothing either
    assert Actor(client, tokens["shenji"]).get("/process-instances/999999999").status_code == 404
    assert _entries(client, tokens["shenjiguan"], actor="shenji", target="999999999") == []


def test_admin_and_auditors_read_the_auditors_views_and_nothing_else(client: Any, tokens: Any, item: Any) -> None:
    iid, number, attachment_id = item
    _read_everything(client, tokens["shenji"], iid, attachment_id)
    colleague = f"sj_{uuid.uuid4().hex[:6]}"  # a second auditor (the demo has one)
    create_user(client, tokens, colleague, roles=["审计"])
    readers = {"admin": tokens["admin"], "shenji": tokens["shenji"], colleague: token_for(client, colleague)}
    for token in readers.values():
        seen = _entries(client, token, actor="shenji", target=number)
        assert {e["action"] for e in seen} == {
            "auditor_viewed_instance",
            "auditor_viewed_history",
            "auditor_viewed_document",
        }
        everything = _entries(client, token)
        assert everything and {e["action"] for e in everything} <= {*VIEWS, "auditor_viewed_stalls"}
        # the administrative and security entries stay 审计管理员's alone
        refused = client.get("/api/v1/audit-log", query_string={"action": "sign_in"}, headers=bearer(token))
        assert refused.status_code == 422
    # 审计管理员 reads them beside every other entry
    assert _entries(client, tokens["shenjiguan"], action="sign_in")
    # never editable: the log has no write method, for anyone
    for reader in ("admin", "shenji", "shenjiguan"):
        for method in (client.post, client.put, client.patch, client.delete):
            assert method("/api/v1/audit-log", json={}, headers=bearer(tokens[reader])).status_code == 405
    # a unit's liaison and the 督查室 read none of it
    for reader in ("zjj_ll", "dcs_li"):
        assert client.get("/api/v1/audit-log", headers=bearer(tokens[reader])).status_code == 403


def test_the_audit_page_shows_an_auditor_the_auditors_views(app: Any, tokens: Any, item: Any, client: Any) -> None:
    iid, number, attachment_id = item
    _read_everything(client, tokens["shenji"], iid, attachment_id)
    for reader in ("admin", "shenji"):
        browser = app.test_client()
        sign_in(browser, reader)
        page = browser.get("/audit", query_string={"target": number}, headers=HTML)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "审计查看流程历史" in text and "审计查看文书" in text


def test_the_replay_and_the_history_export_read_by_an_auditor_are_logged(
    app: Any, client: Any, tokens: Any, item: Any
) -> None:
    iid, number, _ = item
    browser = app.test_client()
    sign_in(browser, "shenji")
    assert browser.get(f"/items/{iid}/replay", headers=HTML).status_code == 200
    # the slider's pages are not views of their own: one entry per opening
    assert Actor(client, tokens["shenji"]).get(f"/process-instances/{iid}/replay").status_code == 200
    assert _views_of(client, tokens, "shenji", number) == [("auditor_viewed_history", number)]
    assert Actor(client, tokens["shenji"]).get(f"/process-instances/{iid}/export").status_code == 200
    exported = _entries(client, tokens["shenjiguan"], actor="shenji", action="auditor_exported", target=number)
    assert [e["details"]["what"] for e in exported] == ["history_export"]


def test_an_auditor_checking_the_history_is_logged_as_a_view_of_it(client: Any, tokens: Any, item: Any) -> None:
    iid, number, _ = item
    auditor = Actor(client, tokens["shenji"])
    assert auditor.get(f"/process-instances/{iid}/history/verify").get_json()["ok"] is True
    assert auditor.post(f"/process-instances/{iid}/history/replay-check").get_json()["consistent"] is True
    found = _entries(client, tokens["shenjiguan"], actor="shenji", action="auditor_viewed_history", target=number)
    assert sorted(e["details"]["what"] for e in found) == ["replay_check", "verify"]
    admin = Actor(client, tokens["admin"])
    assert admin.post(f"/process-instances/{iid}/history/replay-check").status_code == 200
    assert _entries(client, tokens["shenjiguan"], actor="admin", target=number) == []


def test_the_attachment_list_and_the_scores_export_read_by_an_auditor_are_logged(
    client: Any, tokens: Any, item: Any
) -> None:
    iid, number, _ = item
    auditor = Actor(client, tokens["shenji"])
    # When the auditor lists the item's attachments and exports the unit scores of a quarter
    listed = auditor.get(f"/process-instances/{iid}/attachments")
    assert listed.status_code == 200 and [a["filename"] for a in listed.get_json()] == ["审计附件.pdf"]
    exported = auditor.get("/scores/export.xlsx", query_string={"period": "2026Q4"})
    assert exported.status_code == 200, exported.get_json()
    # Then the list is a view of the instance naming what was seen, the workbook an export naming the period
    views = _entries(client, tokens["shenjiguan"], actor="shenji", target=number)
    assert [(e["action"], e["details"]["what"], e["details"]["count"]) for e in views] == [
        ("auditor_viewed_instance", "attachment_list", 1)
    ]
    exports = _entries(client, tokens["shenjiguan"], actor="shenji", action="auditor_exported")
    scores = [(e["target"], e["details"]["period"]) for e in exports if e["details"].get("export") == "考核得分"]
    assert scores == [("考核得分 2026年第四季度", "2026Q4")]
    # And the office's same reads leave nothing
    office = Actor(client, tokens["dcs_li"])
    assert office.get(f"/process-instances/{iid}/attachments").status_code == 200
    assert office.get("/scores/export.xlsx", query_string={"period": "2026Q4"}).status_code == 200
    assert _entries(client, tokens["shenjiguan"], actor="dcs_li", action="auditor_exported") == []


def test_a_task_page_read_by_an_auditor_is_logged(app: Any, client: Any, tokens: Any, item: Any) -> None:
    iid, number, _ = item
    handle = Actor(client, tokens["zjj_ll"]).task(iid, "handle")
    browser = app.test_client()
    sign_in(browser, "shenji")
    assert browser.get(f"/tasks/{handle['id']}", headers=HTML).status_code == 200
    views = _entries(client, tokens["shenjiguan"], actor="shenji", target=number)
    assert [(e["action"], e["details"]["what"], e["details"]["element_id"]) for e in views] == [
        ("auditor_viewed_instance", "task", "handle")
    ]
