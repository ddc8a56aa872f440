"""Feature (issue 13 point 1): an auditor steps through an item's history on its diagram — the slider and the
←/→ keys move the step, the diagram's markers and the data panel follow."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.api_helpers import Actor
from tests.browser.driver import Person


def test_an_auditor_steps_through_an_item_on_its_diagram(
    page: Page, screenshots: Path, client: Any, tokens: dict[str, str]
) -> None:
    title = f"回放测试-{uuid.uuid4().hex[:6]}"
    item = {
        "title": title,
        "content": "测试回放",
        "source_type": "文件",
        "source_ref": "县政办发〔2026〕9号",
        "lead_unit": "jyj",
        "co_units": [],
        "time_limit_days": 10,
        "requirements": "每周报送进度",
    }
    # Given an item registered, sent back, registered again with new requirements and approved
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    iid = int(office.start("supervision_item", item)["id"])
    office.do(iid, "register", item)
    leader.do(iid, "approve", {"decision": "send_back", "opinion": "请明确验收标准"})
    office.do(iid, "register", {**item, "requirements": "按住建部验收标准"})
    leader.do(iid, "approve", {"decision": "approve"})
    total = office.get(f"/process-instances/{iid}/replay").get_json()["total"]

    me = Person(page, screenshots)
    me.sign_in("shenji")
    # When the auditor follows the item page's link to its replay
    page.goto(f"/items/{iid}")
    page.click("#item-replay-link")
    replay, diagram = page.locator("#replay"), page.locator("#replay-diagram")
    expect(diagram).to_have_attribute("data-ready", "1")
    # Then the first step is the start: nothing finished yet, 登记 waiting for someone
    expect(replay).to_have_attribute("data-index", "0")
    expect(page.locator("#replay-kind")).to_have_text("发起")
    expect(diagram).to_have_attribute("data-current", "register")
    expect(page.locator("#replay-data tr[data-key='title']")).to_contain_text(title)
    expect(page.locator("#replay-changes li[data-key='title']")).to_contain_text("新增")

    # When the slider goes to the last step
    page.locator("#replay-slider").fill(str(total - 1))
    expect(replay).to_have_attribute("data-index", str(total - 1))
    # Then the diagram shows 登记 and 审批 finished, 办理 active, the flows taken, and the data as it is now
    expect(diagram).to_have_attribute("data-current", "handle")
    assert {"register", "approve"} <= set((diagram.get_attribute("data-done") or "").split())
    assert diagram.get_attribute("data-taken")
    assert page.locator("#replay-diagram .djs-element.current").count() >= 1
    assert page.locator("#replay-diagram .djs-connection.taken").count() >= 1
    expect(page.locator("#replay-data tr[data-key='requirements']")).to_contain_text("按住建部验收标准")
    me.shot("replay-last-step")

    # When ← is pressed until the second 登记, then → once
    page.locator("body").click(position={"x": 5, "y": 5})
    for _ in range(total):
        if (
            page.locator("#replay-changes li[data-key='requirements']").count()
            and page.locator("#replay").get_attribute("data-kind") == "task_completed"
        ):
            break
        page.keyboard.press("ArrowLeft")
    # Then the diff names the changed requirements by the form's label, with before and after
    change = page.locator("#replay-changes li[data-key='requirements']")
    expect(change).to_contain_text("工作要求")
    expect(change).to_contain_text("每周报送进度 → 按住建部验收标准")
    expect(diagram).to_have_attribute("data-current", "approve")
    at = int(replay.get_attribute("data-index") or 0)
    page.keyboard.press("ArrowRight")
    expect(replay).to_have_attribute("data-index", str(at + 1))
    expect(page.locator("#replay-actor")).not_to_be_empty()
    me.shot("replay-changed-requirements")

    # When the re-execution check is asked for
    page.click("#replay-check-button")
    # Then the recorded inputs re-run through the engine agree with what was stored
    expect(page.locator("#replay-check-result")).to_have_attribute("data-outcome", "consistent", timeout=30_000)
    expect(page.locator("#replay-check-result")).to_contain_text("一致")
