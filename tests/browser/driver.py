"""Steps a person takes in the browser, in their words: sign in, open a task, fill a field, submit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Locator, Page, expect

PASSWORD = "duban-demo"

# What the browser refused under the Content-Security-Policy during the current test (checked by conftest).
CSP_VIOLATIONS: list[str] = []


def watch_csp(page: Page) -> None:
    """Record every CSP refusal the browser reports on this page's console, and every script error."""

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            CSP_VIOLATIONS.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: CSP_VIOLATIONS.append(f"{page.url}: script error {error}"))


class Person:
    def __init__(self, page: Page, screenshots: Path) -> None:
        self.page = page
        self.screenshots = screenshots
        watch_csp(page)

    def sign_in(self, username: str) -> None:
        self.page.goto("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.click("button[type=submit]")
        expect(self.page.locator(".who")).to_be_visible()

    def sign_out(self) -> None:
        self.page.click(".who button[type=submit]")
        expect(self.page.locator("#username")).to_be_visible()

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.screenshots / f"{name}.png"), full_page=True)

    def open_todo(self, title: str, step: str | None = None) -> None:
        """The first task in 待办 for this item (at this step, if given), opened."""
        self.page.goto("/inbox?tab=todo")
        rows = self.page.locator("#inbox-list tr", has_text=title)
        if step is not None:
            rows = rows.filter(has_text=step)
        rows.first.locator("a.task-link").click()
        self.form_ready()

    def form_ready(self) -> None:
        expect(self.page.locator("#task-form[data-ready='1']")).to_be_attached()
        self.page.wait_for_load_state("networkidle")  # the page's own requests (attachments, drafts) are done

    def field(self, label: str, within: Locator | None = None) -> Locator:
        scope = within if within is not None else self.page.locator("#task-form")
        fields = ".fjs-form-field:not(.fjs-form-field-group):not(.fjs-form-field-dynamiclist)"  # the field itself
        return scope.locator(fields, has=self.page.locator("label", has_text=label)).first

    def type(self, label: str, text: str, within: Locator | None = None) -> None:
        box = self.field(label, within).locator("input, textarea").first
        box.fill(text)
        expect(box).to_have_value(text)

    def date(self, label: str, day: date) -> None:
        """A form-js date field: typed in the format its placeholder shows (the browser's locale)."""
        box = self.field(label).locator("input").first
        shown = (box.get_attribute("placeholder") or "yyyy-mm-dd").lower()
        typed = (
            shown.replace("yyyy", f"{day.year:04d}").replace("mm", f"{day.month:02d}").replace("dd", f"{day.day:02d}")
        )
        box.fill(typed)
        box.press("Enter")
        box.blur()

    def row(self, n: int, in_list: str | None = None) -> Locator:
        """Row n (from 0) of one of the form's dynamic lists (督查分组, 发现的问题; the first one, or the one
        labelled `in_list`), added if the list is shorter; fill it with `within=`."""
        lists = self.page.locator("#task-form .fjs-form-field-dynamiclist")
        scope = lists.filter(has_text=in_list).first if in_list else lists.first
        rows = scope.locator(".fjs-repeat-row-container")
        while rows.count() <= n:
            before = rows.count()
            scope.locator(".fjs-repeat-render-add").last.click()
            expect(rows).to_have_count(before + 1)
        return rows.nth(n)

    def choose(self, label: str, option: str, within: Locator | None = None) -> None:
        """A form-js select: open its list and click the option."""
        field = self.field(label, within)
        opener = field.locator(".fjs-select-display, input.fjs-input").first
        opener.click()
        field.locator(".fjs-dropdownlist-item", has_text=option).first.click()

    def tag(self, label: str, option: str) -> None:
        """A form-js taglist: type part of the option, then click it in the list."""
        box = self.field(label).locator("input.fjs-taglist-input")
        box.click()
        box.fill(option)
        self.field(label).locator(".fjs-dropdownlist-item", has_text=option).first.click()

    def pick(self, option: str) -> None:
        """A radio button, by its label."""
        self.page.get_by_label(option, exact=True).check()

    def submit(self) -> None:
        self.page.click("#submit-task")

    def submitted(self) -> None:
        try:
            self.page.wait_for_url("**/inbox?**submitted=**")
        except Exception:
            self.shot("failed-submit")  # what the page said instead (test-artifacts/screenshots)
            raise
        expect(self.page.locator(".flash")).to_contain_text("已提交")

    def confirm_as_head(self, username: str, title: str) -> None:
        """A unit's 负责人 signs in, finds its 办结报告 in 待办 and confirms it for review (004 S6a)."""
        self.sign_in(username)
        self.open_todo(title, "单位负责人确认")
        expect(self.page.locator("#task-form")).to_contain_text("本单位经办人报送的办结报告")
        self.pick("确认无误，报送督查室审核")
        self.submit()
        self.submitted()
        self.sign_out()

    def error_next_to(self, label: str) -> Locator:
        return self.field(label).locator(".fjs-form-field-error")
