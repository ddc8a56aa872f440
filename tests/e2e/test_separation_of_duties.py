"""Issue 9: 三员分立 (等保 2.0 level 3). 系统管理员 runs flows and configuration, 安全管理员 manages users,
passwords, lockouts and roles (and nothing about flows), 审计管理员 reads the audit log of every
administrative and security action, which nobody can edit or delete."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.access_helpers import HTML, bearer, create_user, csrf, sign_in

SCRIPT_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d_{pid}" targetNamespace="http://duban.test">
  <bpmn:process id="{pid}" name="审计测试" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fail" />
    <bpmn:scriptTask id="fail" name="出错的脚本"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>x = 1 / 0</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="fail" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def _audit(client: Any, tokens: Any, **query: Any) -> list[dict[str, Any]]:
    response = client.get(
        "/api/v1/audit-log", query_string={"per_page": 200, **query}, headers=bearer(tokens["shenjiguan"])
    )
    assert response.status_code == 200, response.get_json()
    return list(response.get_json()["items"])


def test_security_admin_manages_users_but_nothing_about_flows(client: Any, tokens: Any) -> None:
    anquan = bearer(tokens["anquan"])
    create_user(client, tokens, "sod_user", ["承办单位"], "xiayang")
    # ends as an auditor: a role that acts on nothing, so other tests' notification counts stay as they are
    changed = client.put("/api/v1/users/sod_user/roles", json={"roles": ["审计"]}, headers=anquan)
    assert changed.status_code == 200 and changed.get_json()["roles"] == ["审计"]
    assert client.get("/api/v1/users", headers=anquan).status_code == 200
    upload = {"files": [(io.BytesIO(SCRIPT_PROCESS.format(pid="sod_p").encode()), "sod_p.bpmn")]}
    deploy = client.post("/api/v1/process-definitions", data=upload, content_type="multipart/form-data", headers=anquan)
    assert deploy.status_code == 403
    started = client.post(
        "/api/v1/process-instances", json={"process_key": "supervision_item", "data": {}}, headers=anquan
    )
    assert started.status_code == 403
    assert client.get("/api/v1/process-instances", headers=anquan).get_json()["total"] == 0
    assert client.get("/api/v1/ledger", headers=anquan).get_json()["total"] == 0
    assert client.get("/api/v1/audit-log", headers=anquan).status_code == 403


def test_system_admin_cannot_manage_users_or_read_the_audit_log(client: Any, tokens: Any) -> None:
    admin = bearer(tokens["admin"])
    body = {"username": "by_admin", "display_name": "x", "password": "Initial-Pass-99", "roles": ["督查室"]}
    assert client.post("/api/v1/users", json=body, headers=admin).status_code == 403
    assert (
        client.post(
            "/api/v1/users/dcs_wang/password-reset", json={"password": "Another-Pass-77"}, headers=admin
        ).status_code
        == 403
    )
    assert client.put("/api/v1/users/dcs_wang/roles", json={"roles": ["系统管理员"]}, headers=admin).status_code == 403
    assert client.post("/api/v1/users/dcs_wang/disable", headers=admin).status_code == 403
    # the 系统管理员 reads the auditors' views only (issue 13 point 4), never the administrative entries
    assert client.get("/api/v1/audit-log", query_string={"action": "user_created"}, headers=admin).status_code == 422
    listed = client.get("/api/v1/audit-log", query_string={"per_page": 200}, headers=admin).get_json()["items"]
    assert all(entry["action"].startswith("auditor_") for entry in listed)
    assert client.get("/api/v1/users", headers=admin).status_code == 200  # the directory stays readable


def test_audit_admin_reads_the_log_and_nothing_else(client: Any, tokens: Any) -> None:
    audit = bearer(tokens["shenjiguan"])
    assert client.get("/api/v1/audit-log", headers=audit).status_code == 200
    assert client.get("/api/v1/users", headers=audit).status_code == 403
    body = {"username": "by_audit", "display_name": "x", "password": "Initial-Pass-99", "roles": ["督查室"]}
    assert client.post("/api/v1/users", json=body, headers=audit).status_code == 403
    assert client.get("/api/v1/process-instances", headers=audit).get_json()["total"] == 0
    for method in (client.post, client.put, client.delete, client.patch):
        assert method("/api/v1/audit-log", json={}, headers=audit).status_code == 405


def test_one_user_cannot_hold_two_administrator_roles(client: Any, tokens: Any) -> None:
    response = client.put(
        "/api/v1/users/dcs_wang/roles", json={"roles": ["安全管理员", "审计管理员"]}, headers=bearer(tokens["anquan"])
    )
    assert response.status_code == 422 and "三员分立" in response.get_json()["details"]["errors"]["roles"][0]


def test_security_admin_cannot_change_their_own_account(client: Any, tokens: Any) -> None:
    anquan = bearer(tokens["anquan"])
    response = client.put("/api/v1/users/anquan/roles", json={"roles": ["安全管理员", "督查室"]}, headers=anquan)
    assert response.status_code == 403
    assert client.post("/api/v1/users/anquan/disable", headers=anquan).status_code == 403


def test_sign_in_failure_lockout_unlock_and_sign_out_are_audited(app: Any, client: Any, tokens: Any) -> None:
    create_user(client, tokens, "audited_user")
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"username": "audited_user", "password": "wrong"})
    unlock = client.post("/api/v1/users/audited_user/unlock", headers=bearer(tokens["anquan"]))
    assert unlock.status_code == 200 and unlock.get_json()["locked_until"] is None
    browser = app.test_client()
    sign_in(browser, "audited_user", "Duban-Strong-2026")
    browser.post("/logout", data={"csrf_token": csrf(browser, "/inbox")}, headers=HTML)
    actions = [e["action"] for e in _audit(client, tokens, target="audited_user")]
    for action in (
        "user_created",
        "password_changed",
        "sign_in_failed",
        "account_locked",
        "user_unlocked",
        "sign_in",
        "sign_out",
    ):
        assert action in actions, (action, actions)
    failed = _audit(client, tokens, target="audited_user", action="sign_in_failed")
    assert len(failed) == 5 and failed[0]["details"]["reason"] == "password" and failed[0]["action_label"] == "登录失败"


def test_admin_actions_are_audited(client: Any, tokens: Any) -> None:
    admin = bearer(tokens["admin"])
    upload = {"files": [(io.BytesIO(SCRIPT_PROCESS.format(pid="audited_flow").encode()), "audited_flow.bpmn")]}
    assert (
        client.post(
            "/api/v1/process-definitions", data=upload, content_type="multipart/form-data", headers=admin
        ).status_code
        == 201
    )
    deployed = _audit(client, tokens, action="definition_deployed", target="audited_flow")
    assert deployed and deployed[0]["actor"] == "admin" and deployed[0]["details"]["version"] == 1
    assert client.put("/api/v1/calendar/years/2091", json=[], headers=admin).status_code == 200
    assert _audit(client, tokens, action="calendar_year_saved", target="2091")[0]["actor"] == "admin"
    base = client.get("/api/v1/scores/rules", headers=admin).get_json()["rules"]["base"]
    changed = client.put("/api/v1/scores/rules", json={"rules": {"base": 99}}, headers=admin)
    assert changed.status_code == 200
    client.put("/api/v1/scores/rules", json={"rules": {"base": base}}, headers=admin)  # as it was
    entries = _audit(client, tokens, action="scoring_rules_changed")
    assert entries and any(e["details"]["after"]["base"] == 99 for e in entries)


def test_admin_retry_is_audited(client: Any, tokens: Any) -> None:
    admin = bearer(tokens["admin"])
    upload = {"files": [(io.BytesIO(SCRIPT_PROCESS.format(pid="retried_flow").encode()), "retried_flow.bpmn")]}
    assert (
        client.post(
            "/api/v1/process-definitions", data=upload, content_type="multipart/form-data", headers=admin
        ).status_code
        == 201
    )
    started = client.post("/api/v1/process-instances", json={"process_key": "retried_flow", "data": {}}, headers=admin)
    assert started.status_code == 201 and started.get_json()["status"] == "error", started.get_json()
    instance_id = started.get_json()["id"]
    client.post(f"/api/v1/process-instances/{instance_id}/retry", json={"reason": "测试重试"}, headers=admin)
    entries = _audit(client, tokens, action="instance_retried", target=str(instance_id))
    assert entries and entries[0]["actor"] == "admin" and entries[0]["details"]["reason"] == "测试重试"


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'someone_else'", "DELETE FROM audit_log"])
def test_nobody_can_edit_or_delete_the_audit_log_even_in_sql(services: Any, client: Any, statement: str) -> None:
    client.post("/api/v1/auth/token", json={"username": "nobody_here", "password": "x"})  # at least one row
    with pytest.raises(DBAPIError, match="append-only"), services.db.begin() as conn:
        conn.execute(text(statement))
    with services.db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE actor = 'nobody_here'")).scalar()


def test_security_and_audit_admin_pages(app: Any, tokens: Any) -> None:
    browser = app.test_client()
    landed = sign_in(browser, "anquan")
    assert landed.headers["Location"].endswith("/security/users")
    page = browser.get("/security/users", headers=HTML).get_data(as_text=True)
    assert "用户管理" in page and 'data-username="xiayang_ll"' in page and "发起" not in page
    form = {
        "csrf_token": csrf(browser, "/security/users"),
        "username": "page_user",
        "display_name": "页面新建",
        "password": "short",
        "roles": ["督查室"],
        "unit": "dcs",
    }
    refused = browser.post("/security/users", data=form, headers=HTML)
    assert refused.status_code == 422 and "密码至少 10 个字符" in refused.get_data(as_text=True)
    created = browser.post("/security/users", data={**form, "password": "Page-Initial-11"}, headers=HTML)
    assert created.status_code == 302 and created.headers["Location"].endswith("/security/users/page_user")
    reset = {"csrf_token": csrf(browser, "/security/users/page_user"), "password": "Page-Reset-2026"}
    assert browser.post("/security/users/page_user/password", data=reset, headers=HTML).status_code == 302
    roles = {"csrf_token": reset["csrf_token"], "roles": ["承办单位"], "unit": "luyuan"}  # a unit no flow test uses
    assert browser.post("/security/users/page_user/roles", data=roles, headers=HTML).status_code == 302
    assert "鹿原镇" in browser.get("/security/users/page_user", headers=HTML).get_data(as_text=True)
    assert browser.get("/audit", headers=HTML).status_code == 403  # not the security admin's

    auditor = app.test_client()
    assert sign_in(auditor, "shenjiguan").headers["Location"].endswith("/audit")
    log = auditor.get("/audit", query_string={"target": "page_user"}, headers=HTML).get_data(as_text=True)
    assert 'data-action="user_created"' in log and 'data-action="password_reset"' in log
    assert 'data-action="user_roles_changed"' in log
    assert auditor.get("/security/users", headers=HTML).status_code == 403
