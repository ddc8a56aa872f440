"""Issue 14 point 5: the item page of an often-returned item shows its timeline a page at a time (the newest
100 records first), and the pages neither skip nor repeat an event — with or without the filters and the
engine's own steps."""

from __future__ import annotations

import re
from dataclasses import replace

from service.access.principal import Principal
from service.process import item_view
from service.process.timeline import TIMELINE_PAGE, TimelineFilter
from tests.access_helpers import HTML, sign_in
from tests.api_helpers import Actor

ITEM = {
    "title": "反复退回的事项（分页）",
    "content": "测试办理过程分页",
    "source_type": "文件",
    "source_ref": "文号",
    "lead_unit": "fgj",
    "co_units": [],
    "time_limit_days": 15,
}
ROUNDS = 55  # 1 发起 + 登记 + 审批 + 55 × (办理 + 退回) = 113 records: two pages


def _returned_item(client, tokens) -> int:
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    unit = Actor(client, tokens["fgj_ll"])
    iid = office.start("supervision_item", ITEM)["id"]
    office.do(iid, "register", ITEM)
    leader.do(iid, "approve", {"decision": "approve"})
    for n in range(ROUNDS):
        unit.do(iid, "handle", {"progress": f"第{n + 1}次", "completion": "in_progress"})
        office.do(iid, "review", {"review_decision": "return", "return_reason": f"退回{n + 1}"})
    return int(iid)


def _kinds(browser, iid: int, **query: str) -> tuple[list[str], str]:
    page = browser.get(f"/items/{iid}", query_string=query, headers=HTML)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    part = html.split('id="timeline"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<li data-kind="([^"]+)">', part), html


def _pages(services, iid: int, only: TimelineFilter) -> list[list[int]]:
    """The seqs of every page of the timeline, from the last page (the oldest) to page 1 (the newest)."""
    out = []
    with services.uow() as uow:
        actor = Principal.of(uow.users.by_username("dcs_li"))
        first = item_view.item_page(uow, actor, iid, only)
        assert first.timeline is not None
        for page in range(first.timeline.pages, 0, -1):
            view = item_view.item_page(uow, actor, iid, replace(only, page=page))
            assert view.timeline is not None and view.timeline.page == page
            out.append([r.seq for r in view.records])
    return out


def test_the_timeline_of_an_often_returned_item_shows_the_newest_page_first(app, client, tokens):
    """Given an item returned 55 times (113 records), when the office opens its page, then the timeline shows
    the newest 100 records, oldest first, with a link to the earlier ones; the earlier page starts with 发起."""
    iid = _returned_item(client, tokens)
    browser = app.test_client()
    sign_in(browser, "dcs_li")
    kinds, html = _kinds(browser, iid)
    assert len(kinds) == TIMELINE_PAGE
    assert kinds[-1] == "task_completed" and "instance_started" not in kinds
    pager = html.split('id="timeline-pager"', 1)[1].split("</nav>", 1)[0]
    assert "共 113 条" in pager and "第 1/2 页" in pager
    earlier = re.search(r'href="([^"]+)" rel="next"', pager)
    assert earlier and "tpage=2" in earlier.group(1)
    older, html = _kinds(browser, iid, tpage="2")
    assert len(older) == 113 - TIMELINE_PAGE and older[0] == "instance_started"
    assert 'rel="prev"' in html.split('id="timeline-pager"', 1)[1].split("</nav>", 1)[0]
    # a page number past the end is the last page; a malformed one is the first
    assert _kinds(browser, iid, tpage="99")[0] == older
    assert _kinds(browser, iid, tpage="x")[0] == kinds


def test_the_pages_of_the_timeline_neither_skip_nor_repeat(client, tokens, services):
    """Given the same kind of item, when every page of its timeline is read — as it is, filtered by kind, and
    with the engine's own steps — then together the pages hold each matching event exactly once, in order."""
    iid = _returned_item(client, tokens)
    with services.uow() as uow:
        events = uow.history.for_instance(iid)
        everything = [e.seq for e in events]
        people = [e.seq for e in events if e.kind not in ("engine_steps", "checkpoint")]
        completions = [e.seq for e in events if e.kind == "task_completed"]
    for only, expected in (
        (TimelineFilter(), people),
        (TimelineFilter(kind="task_completed"), completions),
        (TimelineFilter(system=True), everything),
    ):
        pages = _pages(services, iid, only)
        assert all(len(p) == TIMELINE_PAGE for p in pages[1:])  # only the oldest page is short
        assert [seq for page in pages for seq in page] == expected


def test_the_task_page_shows_the_newest_steps_and_links_to_the_rest(app, client, tokens):
    """Given the same kind of item (112 steps people took), when the unit's liaison opens its 办理 task, then
    办理记录 lists the newest 100, ending with the last 退回, says how many there are and links to the item
    page, where the timeline pages through all of them."""
    iid = _returned_item(client, tokens)
    handle = Actor(client, tokens["fgj_ll"]).task(iid, "handle")
    browser = app.test_client()
    sign_in(browser, "fgj_ll")
    html = browser.get(f"/tasks/{handle['id']}", headers=HTML).get_data(as_text=True)
    part = html.split('id="task-records"', 1)[1].split("</ol>", 1)[0]
    assert len(re.findall(r'<li data-kind="task_completed">', part)) == TIMELINE_PAGE
    # the oldest 12 steps (登记, 审批, the first 5 rounds) are left out: 退回6 is the oldest return shown
    assert f"退回{ROUNDS}</div>" in part and "退回6</div>" in part and "退回5</div>" not in part
    more = html.split('id="task-records-more"', 1)[1].split("</p>", 1)[0]
    assert "共 112 条，显示最近 100 条" in more and f'href="/items/{iid}"' in more
