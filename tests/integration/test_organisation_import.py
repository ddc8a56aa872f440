"""Feature: units and users imported from an Excel sheet — a preview with per-row errors, and nothing
stored if any row is bad (issue 12 point 8)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook, load_workbook

from tests.access_helpers import bearer
from tests.conftest import own_database

services, app, tokens = own_database()

UNIT_HEAD = ["单位代码", "单位名称", "单位类型", "排序"]
USER_HEAD = ["用户名", "姓名", "角色", "单位代码", "职务", "电子邮箱", "初始密码"]


def _sheet(units: list[list[Any]], users: list[list[Any]]) -> bytes:
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "单位"
    for row in [UNIT_HEAD, *units]:
        first.append(row)
    second = book.create_sheet("用户")
    for row in [USER_HEAD, *users]:
        second.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client: Any, tokens: Any, body: bytes, dry_run: bool, who: str = "anquan") -> Any:
    return client.post(
        "/api/v1/organisation/import",
        query_string={"dry_run": str(dry_run).lower()},
        data={"file": (io.BytesIO(body), "organisation.xlsx")},
        content_type="multipart/form-data",
        headers=bearer(tokens[who]),
    )


GOOD = _sheet(
    [["zxjg", "县气象局", "驻县机构", 50]],
    [
        ["zxjg_ll", "气象局联络员", "承办单位", "zxjg", "联络员", "", "Initial-Pass-2026"],
        ["dcs_zhao", "赵督查", "督查室、审计", "dcs", "", "zhao@dcs.local", "Initial-Pass-2026"],
    ],
)


def test_the_template_has_chinese_headers_on_the_two_sheets(client, tokens):
    response = client.get("/api/v1/organisation/import-template.xlsx", headers=bearer(tokens["anquan"]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["单位", "用户"]
    assert [c.value for c in book["单位"][1]] == UNIT_HEAD and [c.value for c in book["用户"][1]] == USER_HEAD
    assert client.get("/api/v1/organisation/import-template.xlsx", headers=bearer(tokens["admin"])).status_code == 403


def test_a_good_sheet_is_previewed_then_stored_in_one_go(client, tokens):
    anquan = bearer(tokens["anquan"])
    # When the sheet is previewed
    preview = _upload(client, tokens, GOOD, dry_run=True)
    assert preview.status_code == 200, preview.get_json()
    report = preview.get_json()
    assert report["errors"] == [] and report["stored"] is False
    assert [u["code"] for u in report["units"]] == ["zxjg"]
    assert [u["username"] for u in report["users"]] == ["zxjg_ll", "dcs_zhao"]
    # Then nothing is stored yet
    assert client.get("/api/v1/units/zxjg", headers=anquan).status_code == 404
    # When it is confirmed
    stored = _upload(client, tokens, GOOD, dry_run=False).get_json()
    assert stored["stored"] is True and stored["errors"] == []
    # Then the unit and users exist, the users must change their initial password
    assert client.get("/api/v1/units/zxjg", headers=anquan).get_json()["kind"] == "驻县机构"
    user = client.get("/api/v1/users/zxjg_ll", headers=anquan).get_json()
    assert (user["unit"], user["position"], user["must_change_password"]) == ("zxjg", "联络员", True)
    assert client.get("/api/v1/users/dcs_zhao", headers=anquan).get_json()["roles"] == ["督查室", "审计"]
    # And the import is one audit entry naming what it created
    audit = client.get(
        "/api/v1/audit-log", query_string={"action": "organisation_imported"}, headers=bearer(tokens["shenjiguan"])
    ).get_json()["items"]
    assert audit[0]["details"] == {"units": ["zxjg"], "users": ["zxjg_ll", "dcs_zhao"]}


def test_a_sheet_with_bad_rows_stores_nothing_and_names_each_row_and_column(client, tokens):
    anquan = bearer(tokens["anquan"])
    bad = _sheet(
        [["okunit", "好单位", "乡镇", 1], ["BAD", "坏单位", "省直部门", 2]],
        [
            ["ok_user", "好用户", "承办单位", "okunit", "联络员", "", "Initial-Pass-2026"],
            ["bad_role", "坏角色", "局长", "okunit", "", "", "Initial-Pass-2026"],
            ["bad_unit", "坏单位", "承办单位", "nosuch", "", "", "Initial-Pass-2026"],
            ["weak", "弱密码", "审计", "", "", "", "123"],
            ["ok_user", "重复", "审计", "", "", "", "Initial-Pass-2026"],
        ],
    )
    for dry_run in (True, False):
        response = _upload(client, tokens, bad, dry_run=dry_run)
        assert response.status_code == 200, response.get_json()
        report = response.get_json()
        assert report["stored"] is False
        found = {(e["sheet"], e["row"], e["column"]) for e in report["errors"]}
        assert ("单位", 3, "单位代码") in found and ("用户", 3, "角色") in found, report["errors"]
        assert ("用户", 4, "单位代码") in found and ("用户", 5, "初始密码") in found, report["errors"]
        assert ("用户", 6, "用户名") in found, report["errors"]
        assert all(e["message"] for e in report["errors"])
    # Nothing was stored, not even the good rows
    assert client.get("/api/v1/units/okunit", headers=anquan).status_code == 404
    assert client.get("/api/v1/users/ok_user", headers=anquan).status_code == 404


def test_a_file_that_is_not_a_workbook_is_refused_and_only_the_security_administrator_imports(client, tokens):
    refused = _upload(client, tokens, b"not a workbook", dry_run=True)
    assert refused.status_code == 422 and "xlsx" in refused.get_json()["message"]
    missing = _sheet([], [])
    book = load_workbook(io.BytesIO(missing))
    book["单位"].delete_cols(2)
    out = io.BytesIO()
    book.save(out)
    assert "缺少列" in _upload(client, tokens, out.getvalue(), dry_run=True).get_json()["message"]
    for who in ("admin", "dcs_li", "shenjiguan"):
        assert _upload(client, tokens, GOOD, dry_run=True, who=who).status_code == 403
