"""Issue 14 point 5: the 待办 list chooses a page's tasks by id before reading them whole — its pages still
neither skip nor repeat a task, keep the chosen order, and count the whole list; 已办 and 我发起的 (now
found through their own indexes) count and list what they did before."""

from __future__ import annotations

from service.access.principal import Principal
from service.process import inbox
from tests.api_helpers import Actor

ITEM = {
    "content": "测试待办分页",
    "source_type": "文件",
    "source_ref": "文号",
    "lead_unit": "shidu",
    "co_units": [],
    "time_limit_days": 15,
}


def _waiting(client, tokens, n: int) -> list[int]:
    """n items waiting for the unit's 办理."""
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    out = []
    for k in range(n):
        item = {**ITEM, "title": f"待办分页事项{k:02d}", "time_limit_days": 5 + k % 4}
        iid = office.start("supervision_item", item)["id"]
        office.do(iid, "register", item)
        leader.do(iid, "approve", {"decision": "approve"})
        out.append(int(iid))
    return out


def _listing(services, username: str, tab: str, sort: str | None, offset: int, limit: int, q: str | None = None):
    with services.uow() as uow:
        actor = Principal.of(uow.users.by_username(username))
        filters = inbox.InboxFilters(sort=sort, q=q)
        return inbox.listing(
            uow, actor, tab, filters, now=services.ctx.now(), yellow_workdays=3, offset=offset, limit=limit
        )


def test_the_pages_of_the_todo_list_neither_skip_nor_repeat(client, tokens, services):
    """Given a unit with 13 items waiting for it, when its liaison reads the 待办 list 5 at a time — in each
    order it offers, and searching by title — then the pages together are the whole list read at once, each
    task once, in that order, and every page reports the same total."""
    mine = _waiting(client, tokens, 13)
    for sort in (None, "due_desc", "created_asc", "number"):
        whole, total = _listing(services, "shidu_ll", "todo", sort, 0, 1000)
        assert total == len(whole) >= 13 and set(mine) <= {r.instance_id for r in whole}
        pages = []
        for offset in range(0, total, 5):
            rows, page_total = _listing(services, "shidu_ll", "todo", sort, offset, 5)
            assert page_total == total and 0 < len(rows) <= 5
            pages.extend(rows)
        assert [r.task_id for r in pages] == [r.task_id for r in whole]
        assert len({r.task_id for r in pages}) == total
    by_due = _listing(services, "shidu_ll", "todo", None, 0, 1000)[0]
    dues = [r.due_at for r in by_due if r.due_at is not None]
    assert dues == sorted(dues)
    # the rows carry their item's number and title, and a search by title finds exactly the matching items
    found, total = _listing(services, "shidu_ll", "todo", None, 0, 100, q="待办分页事项1")
    assert total == 3 and sorted(r.title for r in found) == ["待办分页事项10", "待办分页事项11", "待办分页事项12"]
    assert all(r.business_number and r.step for r in found)


def test_done_and_started_count_what_they_list(client, tokens, services):
    """Given the office has started and registered items, when it reads 已办 and 我发起的, then each list's
    total is what the counts of the navigation say, and 已办 is newest first."""
    _waiting(client, tokens, 2)
    with services.uow() as uow:
        counts = inbox.counts(uow, Principal.of(uow.users.by_username("dcs_li")))
    done, done_total = _listing(services, "dcs_li", "done", None, 0, 1000)
    started, started_total = _listing(services, "dcs_li", "started", None, 0, 1000)
    assert done_total == len(done) == counts["done"] >= 2
    assert started_total == len(started) == counts["started"] >= 2
    finished = [r.finished_at for r in done]
    assert finished == sorted(finished, reverse=True)
