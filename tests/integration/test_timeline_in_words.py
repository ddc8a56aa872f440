"""Feature (issue 13 point 5): the item page's timeline in words — every event with who and when, the
administrative operations with their reason and before → after, filters by kind, person and date
(server-side), and the engine's own steps only when 显示系统步骤 is ticked."""

from __future__ import annotations

import re

from tests.access_helpers import HTML, sign_in
from tests.api_helpers import Actor
from tests.integration.test_supervised_item_flow import ITEM


def _timeline(browser, iid: int, **query: str) -> list[str]:
    page = browser.get(f"/items/{iid}", query_string=query, headers=HTML)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    part = html.split('id="timeline"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<li data-kind="([^"]+)">', part), part


def _item_with_operations(client, tokens) -> int:
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    admin = Actor(client, tokens["admin"])
    iid = office.start("supervision_item", ITEM)["id"]
    office.do(iid, "register", ITEM)
    leader.do(iid, "approve", {"decision": "send_back", "opinion": "请明确验收标准"})
    office.do(iid, "register", {**ITEM, "requirements": "按住建部验收标准"})
    leader.do(iid, "approve", {"decision": "approve"})
    assert admin.post(f"/process-instances/{iid}/suspend", json={"reason": "等待县领导重新批示"}).status_code == 200
    assert admin.post(f"/process-instances/{iid}/resume", json={"reason": "已重新批示"}).status_code == 200
    handle = Actor(client, tokens["zjj_ll"]).task(iid, "handle")
    moved = office.post(f"/tasks/{handle['id']}/reassign", json={"reason": "职责调整", "unit": "jyj"})
    assert moved.status_code == 200, moved.get_json()
    corrected = admin.post(
        f"/process-instances/{iid}/variables",
        json={"reason": "名称有误", "name": "title", "value": "推进老旧小区改造（更正）"},
    )
    assert corrected.status_code == 200, corrected.get_json()
    return iid


def test_operations_read_with_their_reason_and_before_and_after(app, client, tokens):
    """Given an item suspended, resumed, reassigned to another unit and with its title corrected, when the
    office opens its page, then each operation reads with its reason and what it changed, in words."""
    iid = _item_with_operations(client, tokens)
    browser = app.test_client()
    sign_in(browser, "dcs_li")
    kinds, html = _timeline(browser, iid)
    assert {"instance_suspended", "instance_resumed", "task_reassigned", "variable_corrected"} <= set(kinds)
    assert "原因：等待县领导重新批示" in html and "状态：办理中 → 已挂起" in html
    assert "状态：已挂起 → 办理中" in html
    assert "承办单位：县住房和城乡建设局 → " in html and "职责调整" in html
    assert "推进城区老旧小区改造 → 推进老旧小区改造（更正）" in html and "名称有误" in html
    # the engine's own steps are hidden until asked
    assert "engine_steps" not in kinds and "checkpoint" not in kinds
    assert 'name="system"' in html or "显示系统步骤" in browser.get(f"/items/{iid}", headers=HTML).get_data(
        as_text=True
    )


def test_the_timeline_filters_by_kind_person_and_date_and_shows_system_steps_when_asked(app, client, tokens):
    iid = _item_with_operations(client, tokens)
    browser = app.test_client()
    sign_in(browser, "shenji")
    everything, _ = _timeline(browser, iid)
    only_done, _ = _timeline(browser, iid, kind="task_completed")
    assert only_done and set(only_done) == {"task_completed"} and len(only_done) == 4
    by_leader, html = _timeline(browser, iid, person="changwu")
    assert len(by_leader) == 2 and set(by_leader) == {"task_completed"}
    later, html = _timeline(browser, iid, since="2099-01-01")
    assert later == [] and "暂无记录" in html
    today, _ = _timeline(browser, iid, since="2000-01-01", until="2099-12-31")
    assert today == everything
    assert _timeline(browser, iid, since="not-a-date")[0] == everything  # a malformed date filters nothing
    # 显示系统步骤: the engine's steps and each checkpoint's data changes, by the form's labels
    with_system, html = _timeline(browser, iid, system="1")
    assert {"engine_steps", "checkpoint"} <= set(with_system) and len(with_system) > len(everything)
    assert "工作要求：每周报送进度 → 按住建部验收标准" in html
    page = browser.get(f"/items/{iid}", query_string={"system": "1", "kind": "checkpoint"}, headers=HTML)
    assert 'value="checkpoint" selected' in page.get_data(as_text=True)
