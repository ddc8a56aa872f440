"""Feature: the statements of a request's hot path are built once and take their values as parameters
(decision 0029): a list built for one caller answers the next caller of the same kind with that caller's
own tasks; a first page shorter than its limit needs no count; a task read again after its transaction
ended is read from the database, not from memory."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.exc import StatementError

from tests.api_helpers import Actor, approved_item
from tests.conftest import own_database

services, app, tokens = own_database()

ITEM = {
    "content": "测试",
    "source_type": "文件",
    "source_ref": "县政办发〔2026〕12号",
    "co_units": [],
    "time_limit_days": 10,
}


def _statements(services, work):  # type: ignore[no-untyped-def]
    """The SQL statements `work` sends (BEGIN/COMMIT left out), and what it returned."""
    seen: list[str] = []

    def listen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()).upper())

    event.listen(services.db, "before_cursor_execute", listen)
    try:
        result = work()
    finally:
        event.remove(services.db, "before_cursor_execute", listen)
    return [s for s in seen if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))], result


def _listed(client, token, **query):  # type: ignore[no-untyped-def]
    response = Actor(client, token).get("/tasks", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_list_built_for_one_caller_answers_the_next_with_their_own_tasks(client, tokens):
    # Given an item for 教育局 and one for 卫健委, each waiting for its unit's 办理
    jyj = approved_item(client, tokens, ITEM | {"title": "预编语句·教育局", "lead_unit": "jyj"})
    wjj = approved_item(client, tokens, ITEM | {"title": "预编语句·卫健委", "lead_unit": "wjj"})
    # When the two liaisons (callers of the same kind: unit, position, no reassignment) list their tasks
    mine_jyj = _listed(client, tokens["jyj_ll"], per_page=200)
    mine_wjj = _listed(client, tokens["wjj_ll"], per_page=200)
    # Then each sees their own unit's task and not the other's
    instances_jyj = {t["instance_id"] for t in mine_jyj["items"]}
    instances_wjj = {t["instance_id"] for t in mine_wjj["items"]}
    assert jyj in instances_jyj and wjj not in instances_jyj
    assert wjj in instances_wjj and jyj not in instances_wjj
    assert mine_wjj["items"] and all(t["unit_code"] == "wjj" for t in mine_wjj["items"])
    # And filtered by instance, the other unit's item is empty for them, their own is not
    assert _listed(client, tokens["jyj_ll"], instance_id=wjj)["items"] == []
    assert [t["element_id"] for t in _listed(client, tokens["wjj_ll"], instance_id=wjj)["items"]] == ["handle"]
    # And the office, who sees lanes by role, sees neither unit task as its own
    office = {t["instance_id"] for t in _listed(client, tokens["dcs_li"], per_page=200)["items"]}
    assert jyj not in office and wjj not in office


def test_a_short_first_page_is_counted_by_its_length_and_a_longer_list_by_a_count(client, tokens, services):
    # Given two items waiting for 发改局's 办理
    ids = [approved_item(client, tokens, ITEM | {"title": f"分页{k}", "lead_unit": "fgj"}) for k in range(2)]
    mine = _listed(client, tokens["fgj_ll"], per_page=200)
    total = mine["total"]
    assert total >= 2 and set(ids) <= {t["instance_id"] for t in mine["items"]}
    # When the whole list fits in the first page
    sent, listed = _statements(services, lambda: _listed(client, tokens["fgj_ll"], per_page=200))
    # Then no count is asked for, and the total is the page's length
    assert not any("COUNT(" in s for s in sent), sent
    assert listed["total"] == len(listed["items"]) == total
    # When the pages are shorter than the list, first and last
    sent, first = _statements(services, lambda: _listed(client, tokens["fgj_ll"], per_page=1))
    assert any("COUNT(" in s for s in sent), sent
    last = _listed(client, tokens["fgj_ll"], per_page=1, page=total)
    # Then both tell the whole list's total, and each shows one task
    assert first["total"] == last["total"] == total
    assert len(first["items"]) == len(last["items"]) == 1
    assert first["items"][0]["id"] != last["items"][0]["id"]


def test_a_task_read_again_after_its_transaction_is_read_from_the_database(client, tokens, services):
    # Given an item waiting for 自然资源局's 办理
    iid = approved_item(client, tokens, ITEM | {"title": "重读任务", "lead_unit": "zrzyj"})
    task_id = Actor(client, tokens["zrzyj_ll"]).task(iid, "handle")["id"]
    with services.uow() as uow:
        uow.begin_read()
        task = uow.tasks.get(task_id)
        assert task is not None and task.state == "ready"
        # When the same session asks again within the transaction, it answers from what it holds
        sent, again = _statements(services, lambda: uow.tasks.get(task_id))
        assert again is task and sent == []
        uow.end_read()
        # And another transaction changes the row meanwhile
        with services.uow() as other:
            other.begin_write()
            changed = other.tasks.get(task_id)
            assert changed is not None
            changed.assignee = "zrzyj_fzr"
            other.commit()
        # Then reading it after its transaction ended sends one SELECT and sees the change
        sent, fresh = _statements(services, lambda: uow.tasks.get(task_id))
        assert fresh is task and fresh.assignee == "zrzyj_fzr"
        assert len(sent) == 1 and sent[0].startswith("SELECT"), sent
    # And a task nobody has is None
    with services.uow() as uow:
        assert uow.tasks.get("no-such-task") is None


def test_a_cached_list_missing_a_callers_value_fails_rather_than_using_anothers(client, tokens, services, monkeypatch):
    # Given the liaisons' task list built and cached for one caller
    from service.db.queries import tasks as task_queries

    approved_item(client, tokens, ITEM | {"title": "必填参数", "lead_unit": "czj"})
    assert _listed(client, tokens["czj_ll"])["items"]
    # When the next caller's unit were not passed to it
    given = task_queries._acting_params
    monkeypatch.setattr(
        task_queries, "_acting_params", lambda acting: {k: v for k, v in given(acting).items() if k != "acting_unit"}
    )
    # Then the list fails, naming the missing parameter, instead of filtering by the first caller's unit
    with services.uow() as uow:
        from service.access.principal import Principal

        user = uow.users.by_username("xiayang_ll")
        assert user is not None
        acting = Principal.of(user).acting()
        with pytest.raises(StatementError, match="acting_unit"):
            uow.tasks.search(acting=acting)
