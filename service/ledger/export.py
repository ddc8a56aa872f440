"""The ledger as an Excel workbook (督查台账), streamed: rows go from the database to the sheet in batches."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Unpack

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from service import workdays
from service.access import audit_log
from service.access.principal import Principal
from service.db.models.ledger import co_unit_codes
from service.db.session import UnitOfWork
from service.documents import xlsx
from service.ledger.labels import light_label, status_label
from service.ledger.reading import (
    LedgerEntry,
    LedgerFilters,
    LightsAt,
    check_sort,
    criteria,
    light_of,
    unit_names,
)

SHEET_TITLE = "督查台账"
# (header, column width in characters)
COLUMNS = (
    ("序号", 6),
    ("编号", 20),
    ("来源", 26),
    ("事项内容", 50),
    ("责任县领导", 12),
    ("牵头单位", 22),
    ("配合单位", 30),
    ("时限", 12),
    ("进展", 36),
    ("状态", 8),
    ("亮灯", 8),
    ("销号日期", 12),
    ("备注", 24),
)
HEADERS = tuple(header for header, _ in COLUMNS)


def _day(moment: datetime | None) -> str:
    return moment.astimezone(workdays.SHANGHAI).date().isoformat() if moment else ""


def _matter(entry: LedgerEntry) -> str:
    if entry.content and entry.content != entry.title:
        return f"{entry.title}：{entry.content}" if entry.title else entry.content
    return entry.title


def row_values(n: int, entry: LedgerEntry) -> list[Any]:
    """The 13 cells of one ledger row, in HEADERS order."""
    return [
        n,
        entry.business_number,
        f"{entry.source_type} {entry.source_ref}".strip(),
        _matter(entry),
        entry.responsible_leader,
        entry.lead_unit_name,
        "、".join(entry.co_unit_names),
        entry.deadline or "",
        entry.progress,
        entry.status_label,
        entry.light_label,
        _day(entry.closed_at),
        entry.remarks,
    ]


def stored_row_values(n: int, row: Sequence[Any], at: LightsAt, names: Mapping[str, str]) -> list[Any]:
    """`row_values` straight from a stored row (a tuple of EXPORT_FIELDS, as `stream` gives them), without
    making a LedgerEntry: what an export of 100,000 rows spends its time on."""
    number, source_type, source_ref, title, content, leader, lead, co_units, deadline, deadline_at = row[:10]
    status, progress, closed_at, remarks = row[10:]
    light, _ = light_of(status, deadline_at, at)
    matter = (f"{title}：{content}" if title else content) if content and content != title else title
    return [
        n,
        number,
        f"{source_type} {source_ref}".strip(),
        matter,
        leader,
        names.get(lead, lead),
        "、".join(names.get(c, c) for c in co_unit_codes(co_units)),
        deadline or "",
        progress,
        status_label(status),
        light_label(light),
        _day(closed_at),
        remarks,
    ]


def _template() -> bytes:
    workbook = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = xlsx.new_sheet(workbook, SHEET_TITLE, COLUMNS)
    sheet.page_setup.orientation = "landscape"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}1"  # stream_rows extends it to the rows
    return xlsx.workbook_bytes(workbook)


def write_xlsx(entries: Iterable[LedgerEntry]) -> bytes:
    """A workbook with the header row and one row per entry, streamed (service.documents.xlsx.stream_rows)."""
    rows = (row_values(n, entry) for n, entry in enumerate(entries, start=1))
    return xlsx.stream_rows(_template(), rows, columns=len(COLUMNS))[0]


def write_stored_rows(
    rows: Iterable[Sequence[Any]], at: LightsAt, names: Mapping[str, str], counted: Callable[[int], None] | None = None
) -> tuple[bytes, int]:
    """(the workbook, rows written) of stored rows (tuples of EXPORT_FIELDS); `counted(n)` after each row."""

    def values() -> Iterator[list[Any]]:
        for n, row in enumerate(rows, start=1):
            yield stored_row_values(n, row, at, names)
            if counted is not None:
                counted(n)

    return xlsx.stream_rows(_template(), values(), columns=len(COLUMNS))


def export_xlsx(
    uow: UnitOfWork,
    actor: Principal,
    *,
    sort: str = "registered_desc",
    now: datetime,
    yellow_workdays: int = 3,
    **filters: Unpack[LedgerFilters],
) -> bytes:
    """Every row the actor may see that matches the filters (same rules as `search`), as .xlsx bytes."""
    check_sort(sort)
    where = criteria(actor, now, yellow_workdays, **filters)
    if where is None:
        return write_xlsx([])
    names = unit_names(uow)
    body, _ = write_stored_rows(uow.ledger.stream(where, sort), LightsAt(now, yellow_workdays), names)
    shown = {key: str(value) for key, value in filters.items() if value not in (None, "")}
    audit_log.record_auditor_view(uow, actor, audit_log.AUDITOR_EXPORTED, now, "台账", {"export": "台账", **shown})
    return body
