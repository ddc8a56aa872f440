"""Feature: a unit applies for a 专项督查 with 附件1 from the pages; it is rejected once, then approved.

Issue 11: the application's first task had no unit, so nobody saw it. Here the unit's liaison starts it from
发起, finds 呈报单位, 负责人 and 呈报日期 filled in, and the six signers sign in the regulation's order."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from service import workdays
from tests.browser.driver import Person

SIGNERS = ["dcs_li", "dcld", "zhuren", "fenguan", "changwu", "xianzhang"]


def _sign(me: Person, user: str, item: str, decision: str, opinion: str) -> None:
    me.sign_in(user)
    me.open_todo(item)
    me.pick(decision)
    me.type("意见", opinion)
    me.submit()
    me.submitted()
    me.sign_out()


def test_an_application_rejected_once_then_approved_from_the_pages(page: Page, screenshots: Path, clock: Any) -> None:
    me = Person(page, screenshots)
    item = f"农村人居环境整治专项督查-{uuid.uuid4().hex[:6]}"
    starts = workdays.as_date(clock()) + timedelta(days=14)

    # Given the 县自然资源局's liaison starts an application from 发起
    me.sign_in("zrzyj_ll")
    page.goto("/start")
    page.click("[data-start=special_inspection_application]")
    me.form_ready()
    # Then what the system knows is filled in
    expect(me.field("呈报单位").locator("input")).to_have_value("县自然资源局")
    expect(me.field("负责人").locator("input")).not_to_have_value("")
    me.type("事项名称", item)
    me.type("督查依据", "县委农村工作会议部署")
    me.type("督查内容", "村庄清洁行动落实情况")
    for label, text in (
        ("督查目的", "推动村庄清洁行动落实"),
        ("督查时间", "2026年12月中旬"),
        ("督查对象", "各乡镇 10 个村"),
        ("督查方式", "四不两直，明察暗访"),
        ("参加人员", "县自然资源局、县农业农村局各 3 人"),
        ("督查结果运用", "纳入年度考核"),
    ):
        me.type(label, text)
    me.type("其他说明", "分两组，每组三人，实地查看 10 个村")
    me.date("拟开始日期", starts)
    me.shot("application-01-apply")
    me.submit()
    me.submitted()
    me.sign_out()

    # When the office and the 政府办分管督查领导 agree, and the 政府办主任 rejects it
    _sign(me, "dcs_li", item, "同意", "同意")
    _sign(me, "dcld", item, "同意", "同意")
    _sign(me, "zhuren", item, "不同意，退回", "请补充督查方案的人员分工")

    # Then it is back with the unit, with the reason, and the unit resubmits
    me.sign_in("zrzyj_ll")
    me.open_todo(item)
    expect(page.locator("#task-records")).to_contain_text("请补充督查方案的人员分工")
    me.type("参加人员", "两组，组长分别由局分管领导担任，每组三人")
    me.submit()
    me.submitted()
    me.sign_out()

    # When all six sign in order, it is approved
    for user in SIGNERS:
        _sign(me, user, item, "同意", "同意")
    me.sign_in("zrzyj_ll")
    page.goto("/inbox?tab=started")
    page.locator("#inbox-list tr", has_text=item).first.locator("a").first.click()
    expect(page.locator("#item-status")).to_have_text("已办结")
    with page.expect_download() as got:  # and it prints as the paper form
        page.locator("#application-form a").click()
    assert got.value.suggested_filename.startswith("专项督查工作申报表")
    me.shot("application-02-approved")
    me.sign_out()

    # When 督查室 starts the 专项督查 from the approved application, the applying unit leads it
    campaign = f"{item}（实施）"
    me.sign_in("dcs_li")
    page.goto("/start")
    page.click("[data-start=inspection_campaign]")
    me.form_ready()
    me.type("督查事项名称", campaign)
    me.pick("临时增加，专项督查申报表已批准")
    me.choose("专项督查申报表（附件1）", item)
    me.choose("牵头单位", "县政府督查室")
    me.submit()  # another lead unit than the applicant is refused next to the field
    expect(me.error_next_to("牵头单位")).to_contain_text("申报表的申报单位为县自然资源局，由其牵头")
    me.choose("牵头单位", "县自然资源局")
    me.submit()
    me.submitted()
    me.sign_out()
    # Then the bureau's own liaison finds the campaign's planning in 待办 and does it
    me.sign_in("zrzyj_ll")
    me.open_todo(campaign, "督查分组与方案")
    for label, text in (
        ("督查目的", "推动村庄清洁行动落实"),
        ("督查依据", "经批准的专项督查工作申报表"),
        ("督查时间", "2026年12月中旬"),
        ("督查对象", "各乡镇 10 个村"),
        ("督查内容", "村庄清洁行动落实情况"),
    ):
        me.type(label, text)
    group = me.row(0)
    me.type("组名", "第一督查组", within=group)
    me.choose("组长", "李督查", within=group)
    me.submit()
    me.submitted()
    page.goto("/inbox?tab=todo")
    expect(page.locator("#inbox-list tr", has_text=campaign).filter(has_text="实地督查")).to_have_count(1)
    me.shot("application-03-campaign-led-by-the-applicant")
