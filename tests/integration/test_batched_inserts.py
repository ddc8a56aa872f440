"""Feature: rows held for one INSERT at the end of a block (service.db.queries.batched) are never missing from
a read through the same repository inside the block, and a held unit's staff is read once."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def _row(username: str, title: str) -> dict[str, object]:
    return {"username": username, "kind": "reminder", "title": title, "body": "", "link": None,
            "instance_id": None, "created_at": NOW, "read_at": None}  # fmt: skip


@contextlib.contextmanager
def _statements(services, containing: str) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """The statements run inside the block whose text (whitespace collapsed, upper case) has `containing`."""
    found: list[str] = []

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if containing in " ".join(statement.split()).upper():
            found.append(statement)

    event.listen(services.db, "before_cursor_execute", seen)
    try:
        yield found
    finally:
        event.remove(services.db, "before_cursor_execute", seen)


def test_held_rows_are_written_before_a_read_and_at_the_end(services) -> None:
    with _statements(services, "INSERT INTO NOTIFICATIONS") as inserts, services.uow() as uow:
        uow.begin_write()
        before = uow.notifications.unread_count("jyj_wang")
        with uow.notifications.held():
            # Given two rows held, with write_batch asked for in between (as a command inside a group does)
            uow.notifications.add_many([_row("jyj_wang", "第一条")])
            uow.notifications.write_batch()
            uow.notifications.add_many([_row("jyj_wang", "第二条")])
            assert inserts == []  # held: nothing written yet
            # When the repository is read inside the block, Then both rows are there, by one INSERT
            assert uow.notifications.unread_count("jyj_wang") == before + 2
            assert len(inserts) == 1
            # And a row added after the read is written at the block's end
            uow.notifications.add_many([_row("jyj_wang", "第三条")])
        assert len(inserts) == 2
        uow.commit()
    with services.uow() as uow:
        rows, total = uow.notifications.listing("jyj_wang", unread_only=True, offset=0, limit=10)
        assert total == before + 3 and {"第一条", "第二条", "第三条"} <= {r.title for r in rows}


def test_outside_a_block_rows_go_in_at_once_and_staff_is_read_each_time(services) -> None:
    with _statements(services, "FROM USERS JOIN UNITS") as reads, services.uow() as uow:
        uow.begin_write()
        before = uow.notifications.unread_count("jyj_wang")
        uow.notifications.add_many([_row("jyj_wang", "立即写入")])
        assert uow.notifications.unread_count("jyj_wang") == before + 1
        staff = uow.notifications.of_unit("jyj")
        assert uow.notifications.of_unit("jyj") == staff and len(reads) == 2
        with uow.notifications.held():
            assert uow.notifications.of_unit("jyj") == staff
            assert uow.notifications.of_unit("jyj") == staff
        assert len(reads) == 3  # inside the block: once
        uow.rollback()


def test_a_commit_inside_a_held_block_is_refused_and_its_rows_are_not_written_apart(services) -> None:
    with services.uow() as uow:
        uow.begin_write()
        before = uow.notifications.unread_count("jyj_wang")
        uow.rollback()
    with services.uow() as uow:
        uow.begin_write()
        uow.notifications.unread_count("jyj_wang")
        # Given a row held, When the transaction is committed inside the block and the block ends
        with pytest.raises(RuntimeError, match="held"), uow.notifications.held():
            uow.notifications.add_many([_row("jyj_wang", "不应写入")])
            uow.commit()
            uow.begin_write()
        uow.commit()
    # Then the row was written in neither transaction, though both were committed
    with services.uow() as uow:
        assert uow.notifications.unread_count("jyj_wang") == before
