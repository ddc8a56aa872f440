"""Feature: the system administrator migrates running instances from the 流程实例迁移 page — a dry run shows
each instance's verdict, 迁移 starts the job and the page shows its progress and results (issue 12 point 7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from service.instance_migration import worker as migration_worker
from tests.api_helpers import Actor
from tests.browser.driver import Person
from tests.integration.test_instance_migration import started_at, version_1, version_2


def test_migrate_a_running_instance_in_a_dry_run_and_for_real(
    page: Page, screenshots: Path, client: Any, tokens: dict[str, str], services: Any
) -> None:
    admin, office = Actor(client, tokens["admin"]), Actor(client, tokens["dcs_li"])
    # Given v1 instances at 登记 (kept in v2) and at 审核 (removed in v2), and v2 deployed
    version_1(admin, "mig_page")
    movable = started_at(admin, office, "mig_page", "register")
    stuck = started_at(admin, office, "mig_page", "review")
    version_2(admin, "mig_page")

    # When the administrator opens the page and runs a dry run from v1 to v2
    me = Person(page, screenshots)
    me.sign_in("admin")
    page.click("[data-nav=admin]")  # 流程管理 → the process's 迁移实例
    page.click("#processes tr[data-key=mig_page] a[href$='/migrate']")
    page.select_option("#from-version", "1")
    page.select_option("#to-version", "2")
    page.click("#dry-run")
    # Then the table says which instance can move and why the other cannot
    ok_row = page.locator(f"#dry-run-rows tr[data-instance-id='{movable['id']}']")
    stuck_row = page.locator(f"#dry-run-rows tr[data-instance-id='{stuck['id']}']")
    expect(ok_row).to_contain_text("可迁移")
    expect(stuck_row).to_contain_text("不可迁移")
    expect(stuck_row).to_contain_text("审核")
    assert admin.instance(movable["id"])["definition_version"] == 1  # a dry run changes nothing
    me.shot("migration-dry-run")

    # When the administrator gives a reason and migrates
    page.fill("#migration-reason", "审核环节改为复核")
    page.click("#start-migration")
    expect(page.locator("#job-progress")).to_be_visible()
    assert migration_worker.run_pending(services.uow, services.ctx) == 2  # the background worker's pass
    # Then the page shows the job done: one moved, one not moved with its reason
    expect(page.locator("#job-progress")).to_have_attribute("data-status", "done", timeout=15000)
    expect(page.locator("#job-progress")).to_contain_text("已迁移 1")
    expect(page.locator(f"#job-rows tr[data-instance-id='{movable['id']}']")).to_have_attribute("data-result", "moved")
    expect(page.locator(f"#job-rows tr[data-instance-id='{stuck['id']}']")).to_have_attribute("data-result", "refused")
    me.shot("migration-done")
    assert admin.instance(movable["id"])["definition_version"] == 2
    assert admin.instance(stuck["id"])["definition_version"] == 1


def test_the_page_is_for_the_system_administrator_only(page: Page, screenshots: Path) -> None:
    me = Person(page, screenshots)
    me.sign_in("dcs_li")
    response = page.goto("/admin/processes/supervision_item/migrate")
    assert response is not None and response.status == 403
