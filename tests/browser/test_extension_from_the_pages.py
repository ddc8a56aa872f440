"""Feature: 延期 from the pages (issue 11, point 1): the lead unit's 负责人 asks on the item page, 督查室
agrees, the 常务副县长 approves, and the item's deadline moves — every step in the browser."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.driver import Person


def test_an_extension_is_asked_reviewed_approved_and_moves_the_deadline(page: Page, screenshots: Path) -> None:
    me = Person(page, screenshots)
    title = f"中小学校舍维修-{uuid.uuid4().hex[:6]}"

    # Given an item of the 县教育局, registered and approved from the pages
    me.sign_in("dcs_li")
    page.goto("/start")
    page.click("[data-start=supervision_item]")
    me.form_ready()
    me.type("事项名称", title)
    me.type("事项内容", "完成5所中小学校舍维修")
    me.choose("来源类型", "文件")
    me.type("来源依据", "县政发〔2026〕21号")
    me.choose("牵头单位", "县教育局")
    me.submit()
    me.submitted()
    me.sign_out()
    me.sign_in("changwu")
    me.open_todo(title, "立项审批")
    me.pick("同意立项")
    me.submit()
    me.submitted()
    me.sign_out()

    # When the unit's 负责人 asks on the item page for a later deadline, with a reason
    me.sign_in("jyj_fzr")
    page.goto(f"/ledger?q={title}")
    page.locator("#ledger-list tr", has_text=title).locator("a").first.click()
    before = page.locator("#item-facts").inner_text()
    page.fill("#extension-form input[name=requested_deadline]", "2026-12-28")
    page.fill("#extension-form textarea[name=reason]", "维修资金尚未到位")
    page.click("#extension-form button[type=submit]")
    expect(page.locator("#extensions li[data-result=pending]")).to_contain_text("2026-12-28")
    me.shot("extension-01-asked")
    me.sign_out()

    # and 督查室 agrees, and the 常务副县长 approves it to that date
    me.sign_in("dcs_li")
    me.open_todo(title, "督查室审核")
    me.pick("同意，报领导审批")
    me.submit()
    me.submitted()
    me.sign_out()
    me.sign_in("changwu")
    me.open_todo(title, "领导审批")
    me.pick("批准延期")
    me.submit()
    me.submitted()
    me.sign_out()

    # Then the item shows the approved extension and its new deadline
    me.sign_in("jyj_fzr")
    page.goto(f"/ledger?q={title}")
    page.locator("#ledger-list tr", has_text=title).locator("a").first.click()
    expect(page.locator("#extensions li[data-result=approved]")).to_contain_text("2026-12-28")
    expect(page.locator("#item-facts")).to_contain_text("2026-12-28")
    assert "2026-12-28" not in before
    me.shot("extension-02-approved")
