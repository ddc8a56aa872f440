"""Feature: instance operations from the item page (issue 12 points 6 and 10): the administrator suspends and
resumes an item, the 督查室 withdraws one started by mistake; the badges and the 待办 lists follow."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.api_helpers import approved_item
from tests.browser.driver import Person


def _assigned_item(client: Any, tokens: dict[str, str], title: str) -> int:
    """Given an item the 督查室 registered for 教育局 (jyj) and a leader approved: jyj has it in 待办."""
    item = {
        "title": title,
        "content": "测试流程操作",
        "source_type": "文件",
        "source_ref": "县政办发〔2026〕9号",
        "lead_unit": "jyj",
        "co_units": [],
        "time_limit_days": 10,
    }
    return approved_item(client, tokens, item)


def test_suspend_resume_and_withdraw_from_the_item_page(
    page: Page, screenshots: Path, client: Any, tokens: dict[str, str]
) -> None:
    me = Person(page, screenshots)
    tag = uuid.uuid4().hex[:6]
    paused_title, mistaken_title = f"挂起测试-{tag}", f"误发起-{tag}"
    paused, mistaken = _assigned_item(client, tokens, paused_title), _assigned_item(client, tokens, mistaken_title)

    # When the administrator suspends the first item from its page, with a reason
    me.sign_in("admin")
    page.goto(f"/items/{paused}")
    expect(page.locator("#operations")).to_be_visible()
    page.fill("#suspend-reason", "等待县领导重新批示")
    page.click("#suspend-form button[type=submit]")
    # Then the page and the 台账 show it 已挂起, and it can be resumed
    expect(page.locator("#item-badge")).to_have_text("已挂起")
    expect(page.locator("#timeline")).to_contain_text("等待县领导重新批示")
    me.shot("operations-suspended")
    page.goto("/ledger")
    expect(page.locator(f"#ledger-list tr[data-instance='{paused}'] [data-status=suspended]")).to_have_text("已挂起")
    # and it is listed on the administrator's page of suspended instances
    page.goto("/admin/instances?status=suspended")
    expect(page.locator(f"#instance-list tr[data-instance='{paused}']")).to_be_visible()
    page.click(f"#instance-list tr[data-instance='{paused}'] a >> nth=0")
    # When it is resumed
    page.fill("#resume-reason", "已重新批示")
    page.click("#resume-form button[type=submit]")
    expect(page.locator("#item-badge")).to_have_count(0)
    expect(page.locator("#suspend-form")).to_be_visible()
    me.sign_out()

    # When the 督查室 withdraws the second item, which was started by mistake
    me.sign_in("dcs_li")
    page.goto(f"/items/{mistaken}")
    expect(page.locator("#suspend-form")).to_have_count(0)  # the office may withdraw and reassign only
    page.fill("#withdraw-reason", "误发起，重复立项")
    page.once("dialog", lambda dialog: dialog.accept())  # 撤回后不能恢复: the page asks first
    page.click("#withdraw-form button[type=submit]")
    # Then it shows 已撤回, offers nothing more, and is 已撤回 in the 台账
    expect(page.locator("#item-badge")).to_have_text("已撤回")
    expect(page.locator("#operations")).to_have_count(0)
    me.shot("operations-withdrawn")
    page.goto("/ledger")
    expect(page.locator(f"#ledger-list tr[data-instance='{mistaken}'] [data-status=withdrawn]")).to_have_text("已撤回")
    me.sign_out()

    # And the unit's 待办 holds the resumed item but no longer the withdrawn one
    me.sign_in("jyj_ll")
    page.goto("/inbox?tab=todo")
    expect(page.locator("#inbox-list tr", has_text=paused_title)).to_have_count(1)
    expect(page.locator("#inbox-list tr", has_text=mistaken_title)).to_have_count(0)
