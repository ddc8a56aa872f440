"""Feature: a group's task rows read ahead by one statement (TaskRepository.read_ahead) answer each instance's
task sync once, in that transaction only, and only for the task ids they were read for."""

from __future__ import annotations

from sqlalchemy import event

from tests.api_helpers import approved_item
from tests.conftest import own_database

services, app, tokens = own_database()

ITEM = {
    "title": "预读待办",
    "content": "测试",
    "source_type": "文件",
    "source_ref": "县政办发〔2026〕12号",
    "lead_unit": "jyj",
    "co_units": [],
    "time_limit_days": 10,
}


def _reads(services, work):  # type: ignore[no-untyped-def]
    """How many statements read task rows while `work` runs, and what it returned."""
    seen: list[str] = []

    def listen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if " ".join(statement.split()).upper().startswith("SELECT HUMAN_TASKS.ID, HUMAN_TASKS.INSTANCE_ID"):
            seen.append(statement)

    event.listen(services.db, "before_cursor_execute", listen)
    try:
        result = work()
    finally:
        event.remove(services.db, "before_cursor_execute", listen)
    return len(seen), result


def test_rows_read_ahead_answer_each_sync_once_and_only_for_what_they_were_read_for(client, tokens, services):
    # Given two items waiting in 办理, each with one ready task
    ids = [approved_item(client, tokens, ITEM | {"title": f"预读待办{k}"}) for k in range(2)]
    with services.uow() as uow:
        uow.begin_write()
        direct = {iid: [t.id for t in uow.tasks.ready_or_given(iid, [])] for iid in ids}
        first, second = ids
        # When both instances' rows are read ahead, for no extra task ids
        n, _ = _reads(services, lambda: uow.tasks.read_ahead({first: [], second: []}))
        assert n == 1
        # Then each instance's sync gets exactly what its own read would give, without a statement, once
        n, rows = _reads(services, lambda: uow.tasks.ready_or_given(first, []))
        assert n == 0 and [t.id for t in rows] == direct[first]
        n, rows = _reads(services, lambda: uow.tasks.ready_or_given(first, []))
        assert n == 1 and [t.id for t in rows] == direct[first]  # used up: read again
        # And a sync asking for a task id the rows were not read for reads for itself
        n, rows = _reads(services, lambda: uow.tasks.ready_or_given(second, ["not-read-ahead"]))
        assert n == 1 and [t.id for t in rows] == direct[second]
        uow.tasks.read_ahead({first: []})
        uow.rollback()
        # And another transaction does not see what this one read ahead
        uow.begin_write()
        n, rows = _reads(services, lambda: uow.tasks.ready_or_given(first, []))
        assert n == 1 and [t.id for t in rows] == direct[first]
        uow.rollback()
