"""Feature: the history export's readable page, opened from the zip on a computer without the service,
draws the diagram with the path the item took (issue 13 point 6)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.api_helpers import Actor
from tests.integration.test_supervised_item_flow import ITEM


def test_the_exported_page_shows_the_path_on_the_diagram_offline(
    page: Page, client: Any, tokens: Any, tmp_path: Path, screenshots: Path
) -> None:
    # Given an item registered and approved, exported by the auditor
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    data = {**ITEM, "co_units": []}
    iid = office.start("supervision_item", data)["id"]
    office.do(iid, "register", data)
    leader.do(iid, "approve", {"decision": "approve"})
    response = Actor(client, tokens["shenji"]).get(f"/process-instances/{iid}/export")
    assert response.status_code == 200
    package = tmp_path / "export.zip"
    package.write_bytes(response.data)
    with zipfile.ZipFile(package) as zf:
        zf.extract("index.html", tmp_path)

    # When its index.html is opened from the disk, with no network
    page.context.route("http*://**", lambda route: route.abort())
    page.goto((tmp_path / "index.html").as_uri())

    # Then the diagram is drawn with the steps passed marked, beside the timeline
    expect(page.locator("#diagram svg[data-element-id]")).to_be_visible()
    expect(page.locator("#diagram [data-element-id='register'].done")).to_be_attached()
    expect(page.locator("#diagram [data-element-id='approve'].done")).to_be_attached()
    expect(page.locator("h2", has_text="时间线")).to_be_visible()
    page.screenshot(path=str(screenshots / "history-export-offline.png"), full_page=True)
