"""The ledger projection: process data → ledger row, with bad values ignored rather than failing a command."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from service import ledger
from service.db.models import LedgerItem

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
INSTANCE = SimpleNamespace(
    id=7, process_key="supervision_item", business_number="督办〔2026〕第7号", title="默认标题", started_at=NOW
)


class StubUow:
    """Just what `project` touches: the ledger row by id, its search index, and the text naming units (its
    pieces recorded; the SQL itself is tested on real databases in tests/integration/test_ledger_progress.py)."""

    def __init__(self) -> None:
        self.rows: dict[int, LedgerItem] = {}
        self.spelled: list[list[tuple[str, str | None]]] = []
        self.indexed: list[int] = []  # rows whose searchable text was (re)indexed
        self.ledger = SimpleNamespace(
            get=self.rows.get,
            add=lambda item: self.rows.__setitem__(item.instance_id, item),
            index_chars=lambda item: self.indexed.append(item.instance_id),
        )
        self.units = SimpleNamespace(spelled=self._spelled)

    def _spelled(self, pieces: list[tuple[str, str | None]], limit: int) -> str:
        self.spelled.append(list(pieces))
        return f"<{limit}>"


def project(uow: StubUow, data: dict[str, Any], status: str = "running", ready: Any = (), **kw: Any) -> LedgerItem:
    kw = {"actor": "dcs_li", "now": NOW} | kw
    return ledger.project(uow, INSTANCE, data=data, status=status, ready=list(ready), **kw)  # type: ignore[arg-type]


def test_fields_come_from_the_process_data():
    uow = StubUow()
    data = {"title": "标题", "content": "内容", "lead_unit": "xiayang", "co_units": ["czj", "xiayang", "czj"]}
    row = project(uow, {**data, "deadline": "2026-11-30", "time_limit_days": "5", "source_type": "文件"})
    assert (row.instance_id, row.business_number, row.registered_at) == (7, "督办〔2026〕第7号", NOW)
    assert (row.title, row.content, row.lead_unit, row.co_units) == ("标题", "内容", "xiayang", ",czj,")
    assert (row.deadline, row.deadline_at.isoformat(), row.time_limit_days) == (
        "2026-11-30",
        "2026-12-01T00:00:00+08:00",
        5,
    )
    assert row.status == ledger.HANDLING and row.closed_at is None


def test_bad_values_are_ignored():
    uow = StubUow()
    row = project(uow, {"deadline": "2026-02-30", "time_limit_days": "十五", "co_units": 42, "title": None})
    assert (row.deadline, row.deadline_at, row.time_limit_days, row.co_units) == (None, None, None, "")
    assert row.title == "默认标题" and row.status == ledger.REGISTERING
    assert project(uow, {"deadline": "2026-11-30T10:00", "co_units": "czj、fgj"}).deadline is None
    assert project(uow, {"co_units": "czj、fgj"}).co_units == ",czj,fgj,"
    assert len(project(uow, {"title": "长" * 900}).title) == 500


def test_progress_names_the_units_in_sql_and_only_when_a_unit_task_is_ready():
    uow = StubUow()
    steps = [ledger.ReadyStep("办理并报告", "xiayang"), ledger.ReadyStep("审核"), ledger.ReadyStep("办理并报告", "czj")]
    assert project(uow, {}, ready=steps + steps[:1]).progress == "<1000>"
    assert uow.spelled == [
        [("办理并报告（", "xiayang"), ("）", None), ("；审核", None), ("；办理并报告（", "czj"), ("）", None)]
    ]
    assert project(uow, {}, ready=[ledger.ReadyStep("立项审批"), ledger.ReadyStep("审核")]).progress == "立项审批；审核"
    assert len(uow.spelled) == 1  # no unit: plain text, no SQL


def test_closing_records_who_and_when_once():
    uow = StubUow()
    project(uow, {"deadline": "2026-11-30"})
    closed = project(uow, {"deadline": "2026-11-30", "close_note": "资料齐全"}, status="completed", actor="dcs_wang")
    assert (closed.status, closed.closed_by, closed.closed_at, closed.remarks) == (
        "closed",
        "dcs_wang",
        NOW,
        "资料齐全",
    )
    later = datetime(2026, 12, 1, tzinfo=UTC)
    again = project(uow, {"deadline": "2026-11-30"}, status="completed", actor="admin", now=later)
    assert (again.closed_by, again.closed_at, again.updated_at) == ("dcs_wang", NOW, later)
    assert project(uow, {}, status="error").status == ledger.ERROR
    assert project(uow, {}, status="error").closed_at is None
