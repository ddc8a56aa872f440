"""Feature: 安全管理员 makes a unit and a user for it from the pages; the new user signs in, must first change
the initial password, and then sees their (empty) 待办 (issue 12 points 8 and 10)."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.driver import Person


def test_a_unit_and_its_liaison_made_from_the_pages_and_the_liaison_signs_in(page: Page, screenshots: Path) -> None:
    me = Person(page, screenshots)
    tag = uuid.uuid4().hex[:6]
    code, username = f"gxq{tag}", f"gxq{tag}_ll"

    # Given the security administrator on 单位管理
    me.sign_in("anquan")
    page.click("[data-nav=units]")
    # When a unit is created with a bad code, the message shows next to the field and nothing is made
    form = page.locator("#create-unit-form")
    form.locator("[name=code]").fill("Bad Code")
    form.locator("[name=name]").fill("县高新区管委会")
    form.locator("[name=kind]").select_option("高新区")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-error-for=code]")).to_be_visible()
    # When it is fixed
    page.locator("#create-unit-form [name=code]").fill(code)
    page.locator("#create-unit-form button[type=submit]").click()
    # Then the unit is listed as 高新区
    row = page.locator(f"#units tr[data-code={code}]")
    expect(row).to_contain_text("高新区")
    me.shot("organisation-units")

    # When a user is created for it: its 联络员
    page.goto("/security/users")
    form = page.locator("#create-user-form")
    form.locator("[name=username]").fill(username)
    form.locator("[name=display_name]").fill("高新区联络员")
    form.locator("[name=password]").fill("Initial-Pass-2026")
    form.locator("input[name=roles][value=承办单位]").check()
    form.locator("[name=unit]").select_option(code)
    form.locator("[name=position]").select_option("联络员")
    form.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("高新区联络员")
    expect(page.locator("#user-status")).to_contain_text("须修改密码")
    me.sign_out()

    # Then the new user signs in with the initial password and must change it first
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", "Initial-Pass-2026")
    page.click("button[type=submit]")
    expect(page.locator("#password-form")).to_be_visible()
    page.fill("#current_password", "Initial-Pass-2026")
    page.fill("#new_password", "Gxq-Own-Pass-2027")
    page.fill("#confirm_password", "Gxq-Own-Pass-2027")
    page.click("#password-form button[type=submit]")
    # And sees their 待办, empty
    expect(page.locator("#inbox-empty")).to_be_visible()
    expect(page.locator(".who")).to_contain_text("高新区联络员")
    me.shot("organisation-new-user-inbox")
