"""Feature: an inspection campaign (Flow A) from 发起 to 资料归档 in the browser, with three problems found.

Issue 11: the campaign used to end in 异常 right after 印发督查通报 (the script needed a `title` no page
asked for), and the responsible units were typed as codes. Here only the pages are used: an annual plan is
adopted, the office starts the campaign from its plan item, names it, picks each problem's unit from the
list of units by name; the bulletin is numbered by the service; the three problems become three items that
the units rectify and 督查室 closes, and the campaign lists them."""

from __future__ import annotations

import json
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from service import workdays
from tests.browser.driver import Person

PROBLEMS = [
    ("违法占用耕地建房 3 处", "霞阳镇人民政府"),
    ("耕地保护台账不全", "沔渡镇人民政府"),
    ("整改措施落实不到位", "十都镇人民政府"),
]
UNITS = {"霞阳镇人民政府": "xiayang_ll", "沔渡镇人民政府": "miandu_ll", "十都镇人民政府": "shidu_ll"}


def test_a_campaign_with_three_problems_runs_from_the_pages(page: Page, screenshots: Path, clock: Any) -> None:
    me = Person(page, screenshots)
    title = f"耕地保护专项督查-{uuid.uuid4().hex[:6]}"

    # Given an annual plan adopted from the pages: 督查室 calls for declarations, a unit declares the item,
    # 督查室 compiles the plan, the 县长 approves it and the 县委审定 is recorded
    plan = f"2027年度督查计划-{uuid.uuid4().hex[:4]}"
    me.sign_in("dcs_li")
    page.goto("/start")
    page.click("[data-start=annual_plan]")
    me.form_ready()
    me.type("计划年度", "2027")
    me.tag("申报单位", "霞阳镇人民政府")
    me.date("申报截止日期", workdays.as_date(clock()) + timedelta(days=10))
    me.submit()
    me.submitted()
    me.sign_out()
    me.sign_in("xiayang_ll")
    page.goto("/inbox?tab=todo")
    page.locator("#inbox-list tr", has_text="申报督查事项").first.locator("a.task-link").click()
    me.form_ready()
    item = me.row(0)
    me.type("督查事项", title, within=item)
    me.type("督查时间", "2027年第一季度", within=item)
    me.submit()
    me.submitted()
    me.sign_out()
    me.sign_in("dcs_li")
    page.goto("/inbox?tab=todo")
    page.locator("#inbox-list tr", has_text="汇总编制年度督查计划").first.locator("a.task-link").click()
    me.form_ready()
    expect(me.field("督查事项", within=me.row(0)).locator("input")).to_have_value(title)  # the declaration
    me.type("计划名称", plan)
    me.submit()
    me.submitted()
    me.sign_out()
    me.sign_in("xianzhang")
    me.open_todo(plan)
    me.pick("同意，报县委审定")
    me.submit()
    me.submitted()
    me.sign_out()
    me.sign_in("dcs_li")
    me.open_todo(plan)
    me.type("县委审定文号", "县委〔2026〕88号")
    me.submit()
    me.submitted()

    # When 督查室 starts a campaign from 发起, names it and picks its plan item at 督查立项核对
    page.goto("/start")
    page.click("[data-start=inspection_campaign]")
    me.form_ready()
    me.submit()  # the name is required, and said so next to its field
    expect(me.error_next_to("督查事项名称")).to_contain_text("此项为必填项")
    me.type("督查事项名称", title)
    me.type("督查依据", "县委县政府2027年度督查计划")
    me.pick("已列入年度督查计划")
    me.submit()  # on the plan, the plan item is required
    expect(me.error_next_to("年度督查计划事项")).to_contain_text("此项为必填项")
    me.choose("年度督查计划事项", title)
    me.submit()  # the campaign is led by the unit the plan names (牵头单位), said next to the field
    expect(me.error_next_to("牵头单位")).to_contain_text("年度计划中该事项的牵头单位为霞阳镇人民政府")
    me.choose("牵头单位", "霞阳镇人民政府")
    me.shot("campaign-01-plan-check")
    me.submit()
    me.submitted()

    # and plans one group
    me.open_todo(title, "督查分组与方案")
    for label, text in (
        ("督查目的", "检查耕地保护责任落实"),
        ("督查依据", "县委县政府2026年度督查计划"),
        ("督查时间", "2026年12月上旬"),
        ("督查对象", "霞阳镇、沔渡镇、十都镇"),
        ("督查内容", "违法占地整治、耕地保护台账"),
    ):
        me.type(label, text)
    group = me.row(0)  # the form starts with one group
    me.type("组名", "第一督查组", within=group)
    me.choose("组长", "李督查", within=group)  # from the 督查人员信息库 and the office's people
    me.submit()
    me.submitted()

    # When the group records three problems, each unit chosen by its name
    me.open_todo(title, "实地督查")
    me.type("督查地点及对象", "霞阳镇、沔渡镇、十都镇实地查看")
    for n, (description, unit) in enumerate(PROBLEMS):
        row = me.row(n, in_list="发现的问题")
        me.type("问题描述", description, within=row)
        me.choose("责任单位", unit, within=row)
    expect(page.locator("#task-form .fjs-repeat-render-add").first).to_contain_text("添加一项")
    me.shot("campaign-02-problems")
    me.submit()
    me.submitted()
    me.open_todo(title, "反馈督查意见")
    for _description, unit in PROBLEMS:
        me.tag("反馈给", unit)
    me.type("反馈意见", "已向三镇当面反馈")
    me.submit()
    me.submitted()
    for step, label, text in (
        ("分组督查报告", "督查情况报告", "发现问题 3 个"),
        ("起草综合报告", "督查报告", "综合报告：三镇耕地保护存在问题 3 个"),
    ):
        me.open_todo(title, step)
        me.type(label, text)
        me.submit()
        me.submitted()
    me.sign_out()

    # and the leader approves the report, and 督查室 publishes the bulletin
    me.sign_in("dcld")
    me.open_todo(title, "领导审阅")
    me.pick("同意印发")
    me.submit()
    me.submitted()
    me.sign_out()
    me.sign_in("dcs_li")
    me.open_todo(title, "印发督查通报")
    me.type("通报标题", f"关于{title}情况的通报")
    me.submit()
    me.submitted()
    me.sign_out()

    # Then each unit finds its own problem to rectify, by its description, and reports it done
    for description, unit in PROBLEMS:
        me.sign_in(UNITS[unit])
        page.goto("/inbox?tab=todo")
        me.open_todo(title, "办理并报告")
        expect(page.locator("#item-facts")).to_contain_text(description)
        me.type("办理情况", f"{description}：已整改到位")
        me.pick("已办结")
        me.submit()
        me.submitted()
        me.sign_out()
        me.confirm_as_head(UNITS[unit].replace("_ll", "_fzr"), title)

    # When 督查室 accepts and reports up each one, the leader concludes them and 督查室 closes them
    me.sign_in("dcs_li")
    for _ in PROBLEMS:
        me.open_todo(title, "审核办理结果")
        me.pick("符合要求，通过")
        me.submit()
        me.submitted()
        me.open_todo(title, "综合上报")
        me.type("办理结果综述", "整改到位")
        me.submit()
        me.submitted()
    me.sign_out()
    me.sign_in("changwu")
    for _ in PROBLEMS:
        me.open_todo(title, "领导审阅批示")
        me.pick("已办结，同意销号")
        me.submit()
        me.submitted()
    me.sign_out()
    me.sign_in("dcs_li")
    for _ in PROBLEMS:
        me.open_todo(title, "销号归档")
        me.type("销号说明", "整改销号")
        me.pick("定期30年")
        me.submit()
        me.submitted()

    # Then the campaign lists its three items, each closed, and goes on to the summary
    page.goto("/inbox?tab=started")
    page.locator("#inbox-list tr", has_text=title).filter(has_text="督查〔").first.locator("a").first.click()
    rows = page.locator("#campaign-items tbody tr")
    expect(rows).to_have_count(3)
    for n, (_description, unit) in enumerate(PROBLEMS):
        expect(rows.nth(n)).to_contain_text(unit)
        expect(rows.nth(n)).to_contain_text("已销号")
    expect(page.locator("#campaign-bulletin")).to_contain_text("期")
    me.shot("campaign-03-items")
    rows.first.locator("a").click()
    expect(page.locator("#item-campaign")).to_contain_text(title)
    me.open_todo(title, "整改情况汇总上报")
    me.type("整改情况汇总", "三个问题均已整改到位")
    me.submit()
    me.submitted()
    me.sign_out()
    me.sign_in("changwu")
    me.open_todo(title, "县政府领导审阅整改情况")
    me.type("审阅意见", "整改到位，予以肯定")
    me.submit()
    me.submitted()
    me.sign_out()
    me.sign_in("dcs_li")
    me.open_todo(title, "资料归档")
    me.pick("永久")
    me.type("纸质档案号", "DC-2026-BR-01")
    me.submit()
    me.submitted()
    page.goto("/inbox?tab=started")
    page.locator("#inbox-list tr", has_text=title).first.locator("a").first.click()
    expect(page.locator("#item-status")).to_have_text("已办结")
    # and its archive package verifies and downloads, its manifest listing the bulletin and the item list
    expect(page.locator("#archive-verified")).to_contain_text("校验通过")
    with page.expect_download() as got:
        page.locator("#item-archive a").click()
    with zipfile.ZipFile(Path(got.value.path())) as package:
        manifest = json.loads(package.read("manifest.json"))
    names = [f["name"] for f in manifest["files"]]
    assert "整改事项清单.csv" in names and any(n.startswith("文书/督查通报") for n in names)
    me.shot("campaign-04-done")
