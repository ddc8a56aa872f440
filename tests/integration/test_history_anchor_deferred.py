"""Feature: inside `deferred_anchor` the history anchor rides on the instance's versioned save (no UPDATE of
its own), inside `history.batched` a step's events are written by one INSERT, and whatever is not written
by then is written when the blocks end — also when they raised — so no committed event is ever left
outside the anchored chain, nor an anchor pointing at an event that is not there."""

from __future__ import annotations

import pytest
from sqlalchemy import event, inspect

from service.process import history
from tests.api_helpers import Actor
from tests.conftest import own_database

services, app, tokens = own_database()

ITEM = {
    "title": "锚定随版本保存写入",
    "content": "测试",
    "source_type": "文件",
    "source_ref": "县政办发〔2026〕9号",
    "lead_unit": "jyj",
    "co_units": [],
    "time_limit_days": 10,
}


def _instance(client, tokens) -> int:  # type: ignore[no-untyped-def]
    office = Actor(client, tokens["dcs_li"])
    iid = office.start("supervision_item", ITEM)["id"]
    office.do(iid, "register", ITEM)
    return int(iid)


def _updates_of_instances(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("UPDATE PROCESS_INSTANCES")]


def test_events_appended_before_the_versioned_save_move_the_anchor_in_that_save(client, tokens, services, clock):
    # Given an instance, locked in a write transaction, and every statement recorded
    iid = _instance(client, tokens)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(services.db, "before_cursor_execute", seen)
    try:
        with services.uow() as uow:
            uow.begin_write()
            instance = uow.instances.lock(iid)
            version = instance.version
            # When two events are appended and the state saved, inside deferred_anchor
            with uow.instances.deferred_anchor(iid):
                history.append(uow, iid, "test_event", "test", clock.now, {"n": 1})
                head = history.append(uow, iid, "test_event", "test", clock.now, {"n": 2})
                assert uow.instances.anchor(iid)[0] == head  # what the transaction knows, unwritten
                assert uow.instances.save_state(instance, version, {"updated_at": clock.now})
            uow.commit()
    finally:
        event.remove(services.db, "before_cursor_execute", seen)
    # Then one UPDATE of the instance row wrote the state and the anchor, and no read of the anchor was needed
    updates = _updates_of_instances(statements)
    assert len(updates) == 1 and "history_head" in updates[0] and "version" in updates[0]
    assert not [s for s in statements if "SELECT process_instances.history_head" in s]
    with services.uow() as uow:
        assert uow.instances.anchor(iid)[0] == head
        assert history.verify(uow, iid).ok


def test_an_anchor_moved_without_a_save_is_written_when_the_block_ends_even_if_it_raised(client, tokens, services):
    # Given an instance, locked in a write transaction
    iid = _instance(client, tokens)
    with services.uow() as uow:
        before = uow.instances.anchor(iid)[1]
    with services.uow() as uow:
        uow.begin_write()
        uow.instances.lock(iid)
        # When an event is appended as a command does (anchor deferred, history batched) and the block fails
        # before any save, and the caller goes on and commits (its own choice)
        try:
            with uow.instances.deferred_anchor(iid), uow.history.batched():
                head = history.append(uow, iid, "test_event", "test", services.ctx.now(), {"n": 3})
                raise LookupError("stopped before the save")
        except LookupError:
            pass
        uow.commit()
    # Then the committed event was written and is inside the anchored chain: the chain proves itself
    with services.uow() as uow:
        assert uow.instances.anchor(iid) == (head, before + 1)
        assert history.verify(uow, iid).ok


def test_a_savepoint_inside_a_deferred_anchor_is_refused_rather_than_forking_the_chain(client, tokens, services):
    # Given an instance locked in a write transaction, and an event appended inside deferred_anchor
    iid = _instance(client, tokens)
    with services.uow() as uow:
        before = uow.instances.anchor(iid)
    with services.uow() as uow:
        uow.begin_write()
        uow.instances.lock(iid)
        # When a savepoint inside the block appends another event, it is refused: the savepoint would have
        # chained from the row's old anchor while the moved one waits unwritten
        with (
            pytest.raises(RuntimeError, match="no savepoint"),
            uow.instances.deferred_anchor(iid),
            uow.history.batched(),
        ):
            history.append(uow, iid, "test_event", "test", services.ctx.now(), {"n": 4})
            with uow.session.begin_nested():
                history.append(uow, iid, "test_event", "test", services.ctx.now(), {"n": 5})
        uow.rollback()
    # Then nothing was written and the chain is as it was
    with services.uow() as uow:
        assert uow.instances.anchor(iid) == before
        assert history.verify(uow, iid).ok


def test_the_locked_row_leaves_the_engine_state_unread_unless_asked(client, tokens, services):
    iid = _instance(client, tokens)
    with services.uow() as uow:
        uow.begin_write()
        assert "state" in inspect(uow.instances.lock(iid)).unloaded
        uow.rollback()
    with services.uow() as uow:
        uow.begin_write()
        assert "state" not in inspect(uow.instances.lock(iid, with_state=True)).unloaded
        uow.rollback()
