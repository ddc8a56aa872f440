"""Feature: where processes stall, in the browser (issue 13 point 7): an auditor opens 流程分析, sees the
flow's diagram with an overlay per step, and clicking a step or a number lists the instances behind it."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.api_helpers import Actor, approved_item, confirm
from tests.browser.driver import Person
from tests.integration.test_supervised_item_flow import REPORT


def _returned_item(client: Any, tokens: dict[str, str], clock: Any, title: str) -> int:
    """An item for 水口镇 whose report took two working days and was returned once at review."""
    item = {
        "title": title,
        "content": "测试流程分析",
        "source_type": "文件",
        "source_ref": "县政办发〔2026〕13号",
        "lead_unit": "shuikou",
        "co_units": [],
        "time_limit_days": 10,
    }
    iid = approved_item(client, tokens, item)
    clock.advance(days=2)
    Actor(client, tokens["shuikou_ll"]).do(iid, "handle", REPORT)
    confirm(client, tokens, "shuikou", iid)
    Actor(client, tokens["dcs_li"]).do(iid, "review", {"review_decision": "return", "return_reason": "请补充照片"})
    return iid


def test_the_heat_map_shows_overlays_and_lists_the_instances_behind_a_number(
    page: Page, screenshots: Path, client: Any, tokens: dict[str, str], clock: Any
) -> None:
    title = f"滞留分析-{uuid.uuid4().hex[:6]}"
    iid = _returned_item(client, tokens, clock, title)
    me = Person(page, screenshots)

    # When the auditor opens 流程分析 from the top bar and chooses 水口镇
    me.sign_in("shenji")
    page.click("a[data-nav=stalls]")
    page.select_option("select[name=unit]", "shuikou")
    page.click("#stall-filters button[type=submit]")
    # Then the diagram carries an overlay per step, coloured by its median
    expect(page.locator("#stall-diagram[data-ready='1']")).to_be_attached()
    expect(page.locator(".stall-badge[data-element=handle]")).to_be_visible()
    expect(page.locator(".stall-badge[data-element=review]")).to_contain_text("退回")
    assert int(page.locator("#stall-diagram").get_attribute("data-overlays") or "0") >= 4
    assert page.locator("#stall-diagram .djs-element[class*=heat-]").count() >= 4
    expect(page.locator("#stall-table tr[data-element=handle]")).to_be_visible()
    expect(page.locator("#stall-units tr[data-unit=shuikou]")).to_be_visible()
    me.shot("stall-heat-map")

    # When they click the number of returns decided at 审核
    page.click("#stall-table tr[data-element=review] button[data-kind=returned]")
    # Then the instances behind it are listed, with a link to the item
    expect(page.locator("#stall-instances[data-loaded='1']")).to_be_visible()
    expect(page.locator("#stall-instances-title")).to_contain_text("退回")
    link = page.locator(f"#stall-instances-rows a[href='/items/{iid}']")
    expect(link).to_be_visible()
    if int(page.locator("#stall-instances").get_attribute("data-total") or "0") <= 50:
        expect(page.locator("#stall-more")).to_be_hidden()  # one page: nothing more to load

    # And clicking a step on the diagram lists the instances that passed it
    page.click(".stall-badge[data-element=handle]")
    expect(page.locator("#stall-instances-title")).to_contain_text("经过")
    expect(page.locator(f"#stall-instances-rows a[href='/items/{iid}']")).to_be_visible()
    me.shot("stall-instances")
    page.locator(f"#stall-instances-rows a[href='/items/{iid}']").click()
    expect(page.locator("h1")).to_contain_text(title)
