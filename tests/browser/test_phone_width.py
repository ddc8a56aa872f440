"""Feature: a unit's liaison works on a 375-px phone (政务微信 / 钉钉): inbox and task page fit the screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, expect

from tests.api_helpers import Actor
from tests.browser.driver import Person

PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => !e.closest('.mainnav') && e.getBoundingClientRect().right > 376)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className)"
    )
    assert width <= 375, f"page is {width}px wide on a 375px screen: {wide}"


def test_inbox_and_task_page_fit_a_phone(
    browser: Browser, base_url: str, screenshots: Path, client: Any, tokens: dict[str, str]
) -> None:
    # Given an approved item waiting for 沔渡镇
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    item = office.start("supervision_item", {})
    office.do(
        item["id"],
        "register",
        {
            "title": "手机端办理测试事项",
            "content": "核实辖区内危桥整治进度",
            "source_type": "文件",
            "source_ref": "县政办发〔2026〕8号",
            "lead_unit": "miandu",
        },
    )
    leader.do(item["id"], "approve", {"decision": "approve"})

    # When the liaison opens the inbox on a phone
    context = browser.new_context(base_url=base_url, **PHONE)
    page = context.new_page()
    me = Person(page, screenshots)
    me.sign_in("miandu_ll")
    page.goto("/inbox?tab=todo")
    row = page.locator("#inbox-list tr", has_text="手机端办理测试事项")
    # Then each task is a card showing its step, deadline and light, without sideways scrolling
    expect(row).to_be_visible()
    expect(row).to_contain_text("办理并报告")
    expect(page.locator("#inbox-list thead")).to_be_hidden()  # cards, not a table too wide for the screen
    assert row.evaluate("r => getComputedStyle(r).display") == "block"
    expect(row.locator("[data-light]")).to_be_visible()
    _no_sideways_scroll(page)
    me.shot("phone-01-inbox")

    # And the task page shows the 督办单 and a form that can be filled and submitted
    me.open_todo("手机端办理测试事项")
    expect(page.locator("#item-facts")).to_contain_text("核实辖区内危桥整治进度")
    _no_sideways_scroll(page)
    me.type("办理情况", "已完成 3 座危桥加固。")
    me.pick("正在办理")
    me.shot("phone-02-task")
    me.submit()
    me.submitted()
    _no_sideways_scroll(page)
    context.close()
