"""Feature: the organisation pages — 单位管理, a user's 用户信息, 从表格导入 — show refusals next to their field,
and only 安全管理员 changes anything there (issue 12 point 8)."""

from __future__ import annotations

import io
from typing import Any

from tests.access_helpers import HTML, csrf, sign_in
from tests.conftest import own_database
from tests.integration.test_organisation_import import GOOD, _sheet

services, app, tokens = own_database()


def _post(client: Any, path: str, data: dict[str, Any], **kw: Any) -> Any:
    return client.post(path, data={"csrf_token": csrf(client, "/security/units"), **data}, headers=HTML, **kw)


def test_the_security_administrator_makes_and_edits_a_unit_on_the_page(client):
    sign_in(client, "anquan")
    bad = _post(client, "/security/units", {"code": "Bad!", "name": "驻县单位", "kind": "驻县机构"})
    assert bad.status_code == 422 and 'data-error-for="code"' in bad.get_data(as_text=True)
    made = _post(client, "/security/units", {"code": "zxdw", "name": "驻县单位", "kind": "驻县机构", "sort_order": "9"})
    assert made.status_code == 302
    listed = client.get("/security/units", headers=HTML).get_data(as_text=True)
    assert 'data-code="zxdw"' in listed and "驻县机构" in listed
    wrong = _post(client, "/security/units/zxdw/edit", {"name": "驻县单位", "kind": "驻县机构", "sort_order": "x"})
    assert wrong.status_code == 422 and 'data-error-for="sort_order"' in wrong.get_data(as_text=True)
    assert _post(client, "/security/units/zxdw/deactivate", {}).status_code == 302
    assert 'data-active="0"' in client.get("/security/units/zxdw", headers=HTML).get_data(as_text=True)
    users_page = client.get("/security/users", headers=HTML).get_data(as_text=True)
    assert 'value="zxdw"' not in users_page  # a deactivated unit is not offered for new users


def test_a_user_s_position_is_edited_on_the_page(client):
    sign_in(client, "anquan")
    path = "/security/users/shuikou_ll/profile"
    bad = _post(client, path, {"display_name": "", "position": "联络员"})
    assert bad.status_code == 422 and 'data-error-for="display_name"' in bad.get_data(as_text=True)
    assert _post(client, path, {"display_name": "水口镇新联络员", "position": "负责人", "email": ""}).status_code == 302
    shown = client.get("/security/users/shuikou_ll", headers=HTML).get_data(as_text=True)
    assert "水口镇新联络员" in shown and '<option value="负责人" selected' in shown


def test_an_import_is_previewed_on_the_page_and_a_bad_sheet_lists_its_rows(client):
    sign_in(client, "anquan")
    bad = _sheet([["BAD", "坏", "乡镇", 1]], [])
    page = _post(
        client, "/security/import", {"file": (io.BytesIO(bad), "bad.xlsx")}, content_type="multipart/form-data"
    )
    assert page.status_code == 422 and 'id="import-errors"' in page.get_data(as_text=True)
    preview = _post(
        client,
        "/security/import",
        {"file": (io.BytesIO(GOOD), "good.xlsx"), "confirm": "0"},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200 and 'data-stored="0"' in preview.get_data(as_text=True)
    stored = _post(
        client,
        "/security/import",
        {"file": (io.BytesIO(GOOD), "good.xlsx"), "confirm": "1"},
        content_type="multipart/form-data",
    )
    assert stored.status_code == 200 and 'data-stored="1"' in stored.get_data(as_text=True)


def test_the_system_administrator_reads_units_and_others_are_refused(client):
    sign_in(client, "admin")
    page = client.get("/security/units", headers=HTML)
    assert page.status_code == 200 and 'id="create-unit-form"' not in page.get_data(as_text=True)
    assert client.get("/units", headers=HTML).headers["Location"].endswith("/security/units")
    assert client.get("/security/import", headers=HTML).status_code == 403
    client.post("/logout", data={"csrf_token": csrf(client, "/security/units")}, headers=HTML)
    sign_in(client, "dcs_li")
    assert client.get("/security/units", headers=HTML).status_code == 403
    assert client.get("/units", headers=HTML).status_code == 404
