"""Feature: 督查室, a leader and a handling unit carry one item from registration to 销号 in the browser.

Scenario (issue 3): register → approve → the unit submits (first with an invalid field) → 督查室 returns it
with a reason → the unit sees the reason and resubmits → 督查室 accepts, reports up, the leader concludes,
督查室 closes it → the ledger shows it closed and the Excel export contains it.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import openpyxl
from playwright.sync_api import Page, expect

from tests.browser.driver import Person

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_an_item_goes_from_registration_to_closing_in_the_browser(page: Page, screenshots: Path) -> None:
    me = Person(page, screenshots)
    title = f"推进城区老旧小区改造-{uuid.uuid4().hex[:6]}"

    # Given 督查室 registers an item
    page.goto("/login")
    me.shot("00-login")
    me.sign_in("dcs_li")
    page.goto("/start")
    me.shot("01-start")
    page.click("[data-start=supervision_item]")
    me.form_ready()
    me.type("事项名称", title)
    me.type("事项内容", "完成城区 12 个老旧小区改造，年底前全部竣工验收。")
    me.choose("来源类型", "领导批示")
    me.type("来源依据", "县长批示 2026-11-20")
    me.choose("牵头单位", "霞阳镇人民政府")
    me.type("工作要求", "每周报送进度")
    me.shot("02-register")
    me.submit()
    me.submitted()
    me.sign_out()

    # When the leader approves it
    me.sign_in("changwu")
    expect(page.locator("[data-count=todo]")).not_to_have_text("0")
    me.open_todo(title)
    me.pick("同意立项")
    me.submit()
    me.submitted()
    me.sign_out()

    # Then the unit's liaison finds it in the inbox, with its light and working days left
    me.sign_in("xiayang_ll")
    page.goto("/inbox?tab=todo")
    row = page.locator("#inbox-list tr", has_text=title)
    expect(row).to_contain_text("办理并报告")
    expect(row.locator("[data-light]")).to_have_attribute("data-light", "green")
    expect(row).to_contain_text("剩 15 个工作日")
    me.shot("03-inbox-unit")
    me.open_todo(title)
    expect(page.locator("#item-facts")).to_contain_text("完成城区 12 个老旧小区改造")
    expect(page.locator("#task-form")).to_contain_text("办理情况")  # the form is drawn…
    expect(page.locator("#task-form")).not_to_contain_text("曾被退回")  # …without the return note: never returned
    me.shot("04-task-handling")

    # and a report without 办理情况 is refused, with the message next to the field
    me.pick("已办结")
    me.submit()
    expect(me.error_next_to("办理情况")).to_contain_text("此项为必填项")
    assert "/tasks/" in page.url  # still on the task page, nothing submitted
    me.type("办理情况", "已完成 8 个小区改造，其余 4 个正在施工。")
    me.submit()
    me.submitted()
    me.sign_out()
    # and the town's 负责人 confirms the 办结报告 before it goes to 督查室 (第一责任人, 004 S6a)
    me.confirm_as_head("xiayang_fzr", title)

    # When 督查室 returns it — first forgetting the reason, which the server refuses next to the field
    me.sign_in("dcs_li")
    me.open_todo(title)
    expect(page.locator("#task-form")).to_contain_text("霞阳镇人民政府（第 1 轮）")  # names, not unit codes
    me.pick("不符合要求，退回重新办理")
    me.submit()
    expect(me.error_next_to("退回理由")).to_contain_text("此项为必填项")
    me.shot("05-review-server-error")
    me.type("退回理由", "未附竣工验收材料，请补充后重新报送")
    me.submit()
    me.submitted()
    me.sign_out()

    # Then the unit sees the reason and resubmits
    me.sign_in("xiayang_ll")
    me.open_todo(title)
    expect(page.locator("#task-records")).to_contain_text("未附竣工验收材料，请补充后重新报送")
    # the form's own return note, shown once return_count > 0, with the latest reason
    expect(page.locator("#task-form")).to_contain_text("本事项曾被退回，最近退回理由：未附竣工验收材料")
    # and attaches the acceptance papers, saves a draft, comes back to it later, and submits
    page.set_input_files(
        "#upload-file", files=[{"name": "竣工验收材料.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#attachment-list")).to_contain_text("竣工验收材料.pdf")
    me.type("办理情况", "12 个小区全部完成改造并通过竣工验收，验收材料已补充。")
    page.click("#save-draft")
    expect(page.locator("#draft-status")).to_contain_text("草稿已保存于")
    page.reload()
    me.form_ready()
    expect(me.field("办理情况").locator("textarea")).to_have_value(
        "12 个小区全部完成改造并通过竣工验收，验收材料已补充。"
    )
    me.pick("已办结")
    me.submit()
    me.submitted()
    me.sign_out()
    me.confirm_as_head("xiayang_fzr", title)

    # When 督查室 accepts and reports up, the leader concludes, and 督查室 closes it (销号)
    me.sign_in("dcs_li")
    me.open_todo(title)
    link = page.locator("#attachment-list a", has_text="竣工验收材料.pdf")
    with page.expect_download() as paper:
        link.click()
    assert Path(paper.value.path()).read_bytes() == PDF
    me.pick("符合要求，通过")
    me.submit()
    me.submitted()
    me.open_todo(title)
    me.type("办理结果综述", "霞阳镇已完成全部 12 个小区改造并通过验收。")
    me.submit()
    me.submitted()
    me.sign_out()
    me.sign_in("changwu")
    me.open_todo(title)
    me.pick("已办结，同意销号")
    me.submit()
    me.submitted()
    me.sign_out()
    me.sign_in("dcs_li")
    me.open_todo(title)
    me.type("销号说明", "经审核已办结，予以销号")
    me.pick("定期30年")
    me.submit()
    me.submitted()

    # Then the ledger shows it closed, with who closed it and when
    page.goto(f"/ledger?q={title}")
    row = page.locator("#ledger-list tr", has_text=title)
    expect(row).to_contain_text("已销号")
    expect(row).to_contain_text("李督查")
    me.shot("06-ledger")

    # and the Excel export contains it
    with page.expect_download() as download_info:
        page.click("#ledger-export")
    data = Path(download_info.value.path()).read_bytes()
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:4] == ["序号", "编号", "来源", "事项内容"]
    mine = [r for r in rows if r[3] and "完成城区 12 个老旧小区改造" in str(r[3])]
    assert mine and mine[0][9] == "已销号"

    # and the item page shows the diagram with the path taken, and the timeline
    row.locator("a").first.click()
    expect(page.locator("#diagram[data-ready='1']")).to_be_attached()
    assert int(page.locator("#diagram").get_attribute("data-marked") or "0") > 5
    expect(page.locator("#timeline")).to_contain_text("退回理由：未附竣工验收材料")
    expect(page.locator("#item-status")).to_have_text("已办结")
    me.shot("07-item")

    # and the leaders' overview counts it and draws the on-time chart
    page.goto("/overview")
    expect(page.locator("#on-time-chart[data-ready='1']")).to_be_attached()
    assert int(page.locator("[data-status=closed] b").inner_text()) >= 1
    me.shot("08-overview")
