"""Feature: 安全管理员 manages the organisation — units (乡镇 / 县直部门 / 高新区 / 驻县机构) and users (position,
reset password) — over the API; 系统管理员 reads; everyone else is refused; every change is audited.

Issue 12 point 8. On a database of its own: new and deactivated units change every unit list."""

from __future__ import annotations

from typing import Any

from tests.access_helpers import STRONG, bearer, create_user
from tests.api_helpers import Actor
from tests.conftest import own_database
from tests.integration.test_supervised_item_flow import ITEM

services, app, tokens = own_database()

GXQ = {"code": "gxq", "name": "县高新区管委会", "kind": "高新区", "sort_order": 5}


def _audit(client: Any, tokens: Any, action: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit-log", query_string={"action": action}, headers=bearer(tokens["shenjiguan"]))
    assert response.status_code == 200, response.get_json()
    return list(response.get_json()["items"])


def _unit_options(client: Any, tokens: Any) -> set[str]:
    office = Actor(client, tokens["dcs_li"])
    task = office.task(office.start("supervision_item", {})["id"], "register")
    return {o["value"] for o in office.get(f"/tasks/{task['id']}").get_json()["options"]["unit_options"]}


def test_the_security_administrator_creates_edits_and_deactivates_a_unit(client, tokens):
    anquan = bearer(tokens["anquan"])
    # Given a new 高新区 unit
    created = client.post("/api/v1/units", json=GXQ, headers=anquan)
    assert created.status_code == 201, created.get_json()
    assert created.get_json() == {**GXQ, "active": True}
    # Then unit pickers offer it
    assert "gxq" in _unit_options(client, tokens)
    # When its name and order change
    edited = client.put("/api/v1/units/gxq", json={"name": "县高新技术产业开发区", "kind": "高新区"}, headers=anquan)
    assert edited.status_code == 200 and edited.get_json()["name"] == "县高新技术产业开发区"
    assert edited.get_json()["sort_order"] == 0
    # When it is deactivated
    gone = client.post("/api/v1/units/gxq/deactivate", headers=anquan)
    assert gone.status_code == 200 and gone.get_json()["active"] is False
    # Then no picker offers it, and no new item can be given to it
    assert "gxq" not in _unit_options(client, tokens)
    office = Actor(client, tokens["dcs_li"])
    task = office.task(office.start("supervision_item", {})["id"], "register")
    refused = office.complete(task["id"], {**ITEM, "lead_unit": "gxq"}, status=422)
    assert list(refused["details"]["errors"]) == ["lead_unit"]
    # but it is still listed (and read) with its name
    listed = {u["code"]: u for u in client.get("/api/v1/units", headers=anquan).get_json()}
    assert listed["gxq"]["active"] is False and listed["gxq"]["name"] == "县高新技术产业开发区"
    # and it can be activated again
    back = client.post("/api/v1/units/gxq/activate", headers=anquan)
    assert back.status_code == 200 and back.get_json()["active"] is True
    assert "gxq" in _unit_options(client, tokens)
    # And the audit log holds each change with before/after
    assert _audit(client, tokens, "unit_created")[0]["details"]["after"]["kind"] == "高新区"
    changed = _audit(client, tokens, "unit_changed")[0]["details"]
    assert changed["before"]["name"] == "县高新区管委会" and changed["after"]["name"] == "县高新技术产业开发区"
    assert _audit(client, tokens, "unit_deactivated")[0]["target"] == "gxq"
    assert _audit(client, tokens, "unit_activated")[0]["target"] == "gxq"


def test_a_deactivated_unit_gets_no_new_users_but_old_items_keep_its_name(client, tokens):
    anquan = bearer(tokens["anquan"])
    office = Actor(client, tokens["dcs_li"])
    iid = office.start("supervision_item", {})["id"]
    office.do(iid, "register", {**ITEM, "lead_unit": "luyuan"})
    assert client.post("/api/v1/units/luyuan/deactivate", headers=anquan).status_code == 200
    try:
        body = {"username": "to_luyuan", "display_name": "甲", "password": "Initial-Pass-99", "roles": ["承办单位"]}
        refused = client.post("/api/v1/users", json={**body, "unit": "luyuan"}, headers=anquan)
        assert refused.status_code == 422 and list(refused.get_json()["details"]["errors"]) == ["unit"]
        ledger = office.get("/ledger", query_string={"per_page": 200}).get_json()["items"]
        mine = [row for row in ledger if row.get("instance_id") == iid]
        assert mine and "鹿原镇人民政府" in str(mine[0])
    finally:
        assert client.post("/api/v1/units/luyuan/activate", headers=anquan).status_code == 200


def test_bad_unit_input_is_refused_on_its_field_and_nothing_changes(client, tokens):
    anquan = bearer(tokens["anquan"])
    for body, field in (
        ({**GXQ, "code": "Bad Code!"}, "code"),
        ({**GXQ, "code": "xiayang"}, "code"),
        ({**GXQ, "code": "newone", "kind": "省直部门"}, "kind"),
        ({**GXQ, "code": "newone", "name": ""}, "name"),
        ({**GXQ, "code": "newone", "sort_order": -1}, "sort_order"),
    ):
        response = client.post("/api/v1/units", json=body, headers=anquan)
        assert response.status_code in (409, 422), response.get_json()
        assert field in str(response.get_json()["details"]), response.get_json()
    codes = [u["code"] for u in client.get("/api/v1/units", headers=anquan).get_json()]
    assert "newone" not in codes and codes.count("xiayang") == 1
    assert client.put("/api/v1/units/nosuch", json={"name": "x", "kind": "乡镇"}, headers=anquan).status_code == 404


def test_only_the_security_administrator_changes_units_the_system_administrator_reads(client, tokens):
    admin, office = bearer(tokens["admin"]), bearer(tokens["dcs_li"])
    assert client.get("/api/v1/units/xiayang", headers=admin).get_json()["kind"] == "乡镇"
    assert client.get("/api/v1/units/xiayang", headers=office).status_code == 403
    for headers in (admin, office, bearer(tokens["shenjiguan"])):
        assert client.post("/api/v1/units", json={**GXQ, "code": "nope"}, headers=headers).status_code == 403
        assert (
            client.put("/api/v1/units/xiayang", json={"name": "改", "kind": "乡镇"}, headers=headers).status_code == 403
        )
        assert client.post("/api/v1/units/xiayang/deactivate", headers=headers).status_code == 403
        assert client.put("/api/v1/users/xiayang_ll", json={"display_name": "改"}, headers=headers).status_code == 403
    assert client.get("/api/v1/units/xiayang", headers=admin).get_json() == {
        "code": "xiayang",
        "name": "霞阳镇人民政府",
        "kind": "乡镇",
        "active": True,
        "sort_order": 0,
    }


def test_a_user_is_edited_with_position_and_a_reset_forces_a_new_password(client, tokens):
    anquan = bearer(tokens["anquan"])
    create_user(client, tokens, "org_edit", ["承办单位"], "shidu")
    # When the security administrator makes them the unit's 负责人 with a new name
    body = {"display_name": "十都镇王负责人", "position": "负责人", "email": "wang@shidu.local"}
    edited = client.put("/api/v1/users/org_edit", json=body, headers=anquan)
    assert edited.status_code == 200, edited.get_json()
    got = edited.get_json()
    assert (got["display_name"], got["position"], got["unit"], got["roles"]) == (
        "十都镇王负责人",
        "负责人",
        "shidu",
        ["承办单位"],
    )
    entry = _audit(client, tokens, "user_changed")[0]
    assert entry["target"] == "org_edit" and entry["details"]["before"]["position"] == ""
    assert entry["details"]["after"]["position"] == "负责人"
    # Bad input is refused on its field, nothing changed
    for wrong, field in (
        ({"display_name": "x", "position": "局长"}, "position"),
        ({"display_name": ""}, "display_name"),
    ):
        refused = client.put("/api/v1/users/org_edit", json=wrong, headers=anquan)
        assert refused.status_code == 422 and field in refused.get_json()["details"]["errors"], refused.get_json()
    assert client.get("/api/v1/users/org_edit", headers=anquan).get_json()["position"] == "负责人"
    # When the password is reset, the user must change it at next sign-in
    reset = client.post("/api/v1/users/org_edit/password-reset", json={"password": "Temporary-Pass-77"}, headers=anquan)
    assert reset.status_code == 200 and reset.get_json()["must_change_password"] is True
    token = client.post("/api/v1/auth/token", json={"username": "org_edit", "password": "Temporary-Pass-77"})
    assert token.status_code == 403 and token.get_json()["error"] == "password_change_required"
    changed = client.post(
        "/api/v1/auth/password",
        json={"username": "org_edit", "current_password": "Temporary-Pass-77", "new_password": STRONG},
    )
    assert changed.status_code == 204
    assert client.post("/api/v1/auth/token", json={"username": "org_edit", "password": STRONG}).status_code == 200
