"""Feature: administrators deploy new versions of a flow without code changes."""

from __future__ import annotations

import io
from pathlib import Path

from tests.api_helpers import Actor

ROOT = Path(__file__).resolve().parents[2]


def _files(*items: tuple[str, bytes]) -> dict:
    return {"files": [(io.BytesIO(content), name) for name, content in items]}


def test_deploying_a_changed_flow_creates_a_new_version_and_old_versions_stay_readable(client, tokens):
    admin = Actor(client, tokens["admin"])
    current = admin.get("/process-definitions/special_inspection_application").get_json()
    bpmn = (ROOT / "processes" / "special_inspection_application.bpmn").read_text("utf-8")
    changed = bpmn.replace(
        'id="special_inspection_application" name="专项督查工作申报"',
        'id="special_inspection_application" name="专项督查工作申报（修订）"',
    )
    response = admin.post(
        "/process-definitions",
        data=_files(("special_inspection_application.bpmn", changed.encode())),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["version"] == current["version"] + 1
    latest = admin.get("/process-definitions/special_inspection_application").get_json()
    assert latest["name"] == "专项督查工作申报（修订）" and "bpmn_xml" in latest
    old = admin.get(
        "/process-definitions/special_inspection_application", query_string={"version": current["version"]}
    ).get_json()
    assert old["name"] == "专项督查工作申报"
    # the same upload again creates nothing new
    again = admin.post(
        "/process-definitions",
        data=_files(("special_inspection_application.bpmn", changed.encode())),
        content_type="multipart/form-data",
    )
    assert again.status_code == 200 and again.get_json()["version"] == latest["version"]


def test_a_user_task_without_its_form_is_refused_with_the_element(client, tokens):
    admin = Actor(client, tokens["admin"])
    bpmn = (ROOT / "processes" / "special_inspection_application.bpmn").read_text("utf-8")
    broken = bpmn.replace('value="signoff"', 'value="no_such_form"').replace(
        'id="special_inspection_application"', 'id="renamed_application"'
    )
    response = admin.post(
        "/process-definitions", data=_files(("renamed.bpmn", broken.encode())), content_type="multipart/form-data"
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {e["element_id"] for e in errors} >= {"sign_office", "sign_magistrate"}
    assert all(e["line"] for e in errors) and any("no_such_form" in e["message"] for e in errors)


def test_bad_form_json_is_refused(client, tokens):
    admin = Actor(client, tokens["admin"])
    bpmn = (ROOT / "processes" / "special_inspection_application.bpmn").read_bytes()
    response = admin.post(
        "/process-definitions",
        data=_files(("special_inspection_application.bpmn", bpmn), ("signoff.form.json", b"{not json")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["file"] == "signoff.form.json"
