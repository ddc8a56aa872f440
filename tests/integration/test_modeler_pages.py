"""Feature: the process pages (流程管理, 建模器, 表单编辑器, 版本) are for the 系统管理员; 审计 reads the versions
(issue 12 points 1, 2, 5). The pages are shells under the CSP: their scripts are bundled files of this site."""

from __future__ import annotations

from typing import Any

import pytest

from service.config import ROOT
from tests.access_helpers import HTML, sign_in

PAGES = [
    "/admin",
    "/admin/processes/supervision_item",
    "/admin/forms/handling_report?process=supervision_item",
    "/admin/processes/supervision_item/versions",
]


def test_the_administrator_opens_every_process_page(client: Any) -> None:
    # Given the 系统管理员 signed in
    sign_in(client, "admin")
    for path in PAGES:
        # When a process page is opened
        response = client.get(path, headers=HTML)
        # Then it is there, with its script from this site and its data in a JSON block
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert "/static/web/build/" in html
        assert 'id="page-data"' in html
        assert "<style" not in html


@pytest.mark.parametrize("username", ["dcs_li", "changwu", "anquan"])
def test_other_roles_are_refused_the_process_pages(client: Any, username: str) -> None:
    sign_in(client, username)
    for path in PAGES:
        assert client.get(path, headers=HTML).status_code == 403, (username, path)


def test_the_auditor_reads_the_versions_but_does_not_model(client: Any) -> None:
    sign_in(client, "shenji")
    assert client.get("/admin/processes/supervision_item/versions", headers=HTML).status_code == 200
    assert client.get("/admin/processes/supervision_item", headers=HTML).status_code == 403
    assert client.get("/admin", headers=HTML).status_code == 403


def test_an_impossible_process_key_is_not_found(client: Any) -> None:
    sign_in(client, "admin")
    assert client.get("/admin/processes/%3Cscript%3E", headers=HTML).status_code == 404
    assert client.get("/admin/forms/a?process=%3Cx%3E", headers=HTML).status_code == 404


def test_anonymous_browsers_go_to_the_sign_in_page(client: Any) -> None:
    response = client.get("/admin/processes/supervision_item", headers=HTML)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_bundles_are_built_from_the_sources_by_setup() -> None:
    # scripts/setup.sh runs scripts/build-assets.sh: every page's script has its bundle
    built = ROOT / "service" / "web" / "static" / "build"
    for name in ("admin-index", "modeler", "form-editor", "versions"):
        assert (built / f"{name}.js").is_file(), f"{name}.js: run scripts/setup.sh"


def test_the_versions_page_download_link_works_with_the_page_session(client: Any) -> None:
    # Given the auditor signed in on the pages (no bearer token: the link is followed by the browser)
    sign_in(client, "shenji")
    # When the download link of a version is followed
    response = client.get("/api/v1/process-definitions/supervision_item/versions/1/diagram.bpmn")
    # Then the BPMN file comes back
    assert response.status_code == 200
    assert b"<bpmn:process" in response.data


def test_the_addresses_other_products_use_lead_to_the_process_list(client: Any) -> None:
    sign_in(client, "admin")
    for path in ("/definitions", "/modeler"):
        response = client.get(path, headers=HTML)
        assert response.status_code == 302 and response.headers["Location"].endswith("/admin"), path
    sign_in(client, "dcs_li")
    assert client.get("/modeler", headers=HTML).status_code == 403
