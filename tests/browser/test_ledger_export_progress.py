"""Feature: a large 台账 export runs in the background and the 台账 page shows its progress, then the file
downloads by itself (issue 14 point 3)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from service.ledger import export_jobs
from tests.api_helpers import Actor
from tests.browser.driver import Person


def test_the_ledger_page_shows_an_export_jobs_progress_and_downloads_it(
    page: Page, screenshots: Path, client: Any, tokens: dict[str, str], services: Any, monkeypatch: Any
) -> None:
    # Given three items with a tag, and exports of more than one row counted as large
    monkeypatch.setattr(export_jobs, "BACKGROUND_ABOVE", 1)
    tag = f"导出{uuid.uuid4().hex[:6]}"
    office = Actor(client, tokens["dcs_li"])
    for n in range(3):
        data = {
            "title": f"后台导出事项{n}{tag}",
            "content": "内容",
            "source_type": "文件",
            "source_ref": "县政府第1次常务会议",
            "lead_unit": "xiayang",
            "time_limit_days": 10,
            "responsible_leader": "陈常务副县长",
        }
        iid = office.start("supervision_item", data)["id"]
        office.do(iid, "register", data)
    # When the office opens the 台账 for them and asks for the export
    me = Person(page, screenshots)
    me.sign_in("dcs_li")
    page.goto(f"/ledger?q={tag}")
    expect(page.locator("#ledger-list tbody tr")).to_have_count(3)
    page.click("#ledger-export-background")
    # Then the page says the job waits for the background worker
    status = page.locator("#ledger-export-status")
    expect(status).to_have_attribute("data-status", "queued")
    expect(page.locator("#ledger-export-text")).to_contain_text("排队")
    with services.uow() as uow:
        job_id = uow.ledger_exports.recent("dcs_li")[0].id
    # When a worker has written one row of three
    with services.uow() as uow:
        uow.begin_write()
        job = uow.ledger_exports.get(job_id)
        assert job is not None and job.total == 3
        job.status, job.done, job.claimed_by = "running", 1, "a-worker-elsewhere"
        uow.commit()
    # Then the page shows it, as a bar and in words
    expect(status).to_have_attribute("data-status", "running")
    expect(page.locator("#ledger-export-text")).to_contain_text("1 / 3")
    expect(page.locator("#ledger-export-progress")).to_have_attribute("value", "33")
    me.shot("ledger-export-running")
    # When the job is done (its worker died; another one takes it over and writes it)
    with services.uow() as uow:
        uow.begin_write()
        job = uow.ledger_exports.get(job_id)
        assert job is not None
        job.status, job.done, job.claimed_by = "queued", 0, None
        uow.commit()
    with page.expect_download(timeout=15000) as download:
        assert export_jobs.run_pending(services.uow, services.ctx) == 1
    # Then the file downloads by itself, the page says so, and keeps a link to it
    assert download.value.suggested_filename.endswith(".xlsx")
    expect(status).to_have_attribute("data-status", "done")
    expect(page.locator("#ledger-export-text")).to_contain_text("共 3 行")
    expect(page.locator("#ledger-export-download")).to_be_visible()
    me.shot("ledger-export-done")
