"""Import units and users from an Excel sheet (sheets 单位 and 用户, headers in Chinese).

All or nothing: every row is checked in one transaction, exactly as a new unit or user from the pages
would be; if any row is bad (or it is a dry run) the transaction is rolled back and the report lists
each problem by sheet, row, column and Chinese message. Only a clean, confirmed sheet is committed,
with one audit entry naming what was created.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from openpyxl import Workbook, load_workbook

from service.access import audit_log, unit_admin, user_admin
from service.access.principal import Principal
from service.db.session import UnitOfWork
from service.errors import DubanError, InvalidInput

UNIT_SHEET, USER_SHEET = "单位", "用户"
UNIT_COLUMNS = {"code": "单位代码", "name": "单位名称", "kind": "单位类型", "sort_order": "排序"}
USER_COLUMNS = {
    "username": "用户名",
    "display_name": "姓名",
    "roles": "角色",
    "unit": "单位代码",
    "position": "职务",
    "email": "电子邮箱",
    "password": "初始密码",
}
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
ROLE_SEPARATORS = re.compile(r"[、,，;；\s]+")


def template() -> bytes:
    """The empty sheet to fill in, with one example row each."""
    book = Workbook()
    units = book.active
    assert units is not None
    units.title = UNIT_SHEET
    units.append(list(UNIT_COLUMNS.values()))
    units.append(["gxq", "县高新技术产业开发区管委会", "高新区", 100])
    users = book.create_sheet(USER_SHEET)
    users.append(list(USER_COLUMNS.values()))
    users.append(["gxq_ll", "高新区联络员", "承办单位", "gxq", "联络员", "", "Initial-Pass-2026"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows(book: Any, sheet: str, columns: dict[str, str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, {field: value}) of each non-empty row under the header; a missing column is refused."""
    if sheet not in book.sheetnames:
        return
    rows = book[sheet].iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, ())]
    missing = [title for title in columns.values() if title not in header]
    if missing:
        raise InvalidInput(f"工作表“{sheet}”缺少列：" + "、".join(missing), {"errors": {"file": ["缺少列"]}})
    where = {field: header.index(title) for field, title in columns.items()}
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            raise InvalidInput(f"工作表“{sheet}”超过 {MAX_ROWS} 行", {"errors": {"file": ["行数过多"]}})
        values = {f: (row[i] if i < len(row) else None) for f, i in where.items()}
        if any(v not in (None, "") for v in values.values()):
            yield (
                number,
                {f: "" if v is None else (v if isinstance(v, int) else str(v).strip()) for f, v in values.items()},
            )


def _open(data: bytes) -> Any:
    if not data:
        raise InvalidInput("请选择要导入的 Excel 文件（.xlsx）", {"errors": {"file": ["请选择文件"]}})
    if len(data) > MAX_BYTES:
        raise InvalidInput("文件过大（不超过 5 MB）", {"errors": {"file": ["文件过大"]}})
    try:  # fully loaded (not read_only), so a damaged file fails here and not halfway through the rows
        return load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a file that is not a workbook
        raise InvalidInput(
            "无法读取文件：请上传 Excel 工作簿（.xlsx）", {"errors": {"file": ["不是 .xlsx 文件"]}}
        ) from None


def _problems(exc: DubanError, sheet: str, row: int, columns: dict[str, str]) -> list[dict[str, Any]]:
    fields = (exc.details or {}).get("errors") or {}
    found = [
        {"sheet": sheet, "row": row, "column": columns.get(f, f), "message": str(m)}
        for f, messages in fields.items()
        for m in messages
    ]
    return found or [{"sheet": sheet, "row": row, "column": "", "message": exc.message}]


def import_sheet(uow: UnitOfWork, actor: Principal, now: datetime, data: bytes, *, dry_run: bool) -> dict[str, Any]:
    """Check (and unless `dry_run`, store) every row; nothing is stored if any row is bad."""
    user_admin.check_may_manage(actor)
    book = _open(data)
    report: dict[str, Any] = {"dry_run": dry_run, "stored": False, "units": [], "users": [], "errors": []}
    for row, fields in _rows(book, UNIT_SHEET, UNIT_COLUMNS):
        try:
            unit = unit_admin.new_unit(uow, fields)
            uow.units.add(unit)
            uow.units.flush()
            report["units"].append({"row": row, "code": unit.code, "name": unit.name, "kind": unit.kind})
        except DubanError as exc:
            report["errors"].extend(_problems(exc, UNIT_SHEET, row, UNIT_COLUMNS))
    for row, fields in _rows(book, USER_SHEET, USER_COLUMNS):
        fields["roles"] = [r for r in ROLE_SEPARATORS.split(str(fields.get("roles") or "")) if r]
        try:
            user = user_admin.new_user(uow, {k: str(v) if k != "roles" else v for k, v in fields.items()})
            report["users"].append(
                {"row": row, "username": user.username, "display_name": user.display_name, "roles": fields["roles"]}
            )
        except DubanError as exc:
            report["errors"].extend(_problems(exc, USER_SHEET, row, USER_COLUMNS))
    if not report["units"] and not report["users"] and not report["errors"]:
        report["errors"].append({"sheet": "", "row": 0, "column": "", "message": "表格中没有可导入的单位或用户"})
    if dry_run or report["errors"]:
        uow.rollback()
        return report
    created = {"units": [u["code"] for u in report["units"]], "users": [u["username"] for u in report["users"]]}
    audit_log.record(uow, audit_log.ORGANISATION_IMPORTED, actor.username, now, "", created)
    uow.commit()
    report["stored"] = True
    return report
