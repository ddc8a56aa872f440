"""Steps a person takes in the browser, in their words: sign in, open a task, fill a field, submit."""

from __future__ import annotations

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

    def open_todo(self, title: str) -> None:
        self.page.goto("/inbox?tab=todo")
        self.page.locator("#inbox-list a.task-link", has_text=title).first.click()
        self.form_ready()

    def form_ready(self) -> None:
        expect(self.page.locator("#task-form[data-ready='1']")).to_be_attached()

    def field(self, label: str) -> Locator:
        return self.page.locator(".fjs-form-field", has=self.page.locator("label", has_text=label)).first

    def type(self, label: str, text: str) -> None:
        self.field(label).locator("input, textarea").first.fill(text)

    def choose(self, label: str, option: str) -> None:
        """A form-js select: open its list and click the option."""
        field = self.field(label)
        opener = field.locator(".fjs-select-display, input.fjs-input").first
        opener.click()
        field.locator(".fjs-dropdownlist-item", has_text=option).first.click()

    def pick(self, option: str) -> None:
        """A radio button, by its label."""
        self.page.get_by_label(option, exact=True).check()

    def submit(self) -> None:
        self.page.click("#submit-task")

    def submitted(self) -> None:
        self.page.wait_for_url("**/inbox?**submitted=**")
        expect(self.page.locator(".flash")).to_contain_text("已提交")

    def error_next_to(self, label: str) -> Locator:
        return self.field(label).locator(".fjs-form-field-error")
