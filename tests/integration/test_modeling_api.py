# ruff: noqa: E501 - BPMN fixtures read best one element per line
"""Feature: the modeler's working copy (草稿) over the API — saved with its problems, imported from other
modelers, deployed as a new version; versions listed with their instances, compared and downloaded."""

from __future__ import annotations

import io
from typing import Any

from tests.api_helpers import Actor

NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
FORM = {"type": "default", "components": [{"type": "textfield", "key": "note", "label": "备注"}]}


def diagram(
    pid: str, *, form_key: str = "note_form", extra: str = "", process_attrs: str = 'isExecutable="true"'
) -> str:
    """start → 办理 (督查室, form `form_key`) → end, plus `extra` elements inside the process."""
    form_prop = f'<spiffworkflow:property name="formKey" value="{form_key}" />' if form_key else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} id="d_{pid}" targetNamespace="http://duban.test">
  <bpmn:process id="{pid}" name="测试 {pid}" {process_attrs}>
    <bpmn:laneSet id="ls"><bpmn:lane id="lane_office" name="督查室"><bpmn:flowNodeRef>work</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:userTask id="work" name="办理"><bpmn:extensionElements><spiffworkflow:properties>{form_prop}</spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
{extra}
  </bpmn:process>
</bpmn:definitions>"""


class Admin(Actor):
    def put(self, path: str, **kw: Any) -> Any:
        return self.client.put(f"/api/v1{path}", headers=self.headers, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete(f"/api/v1{path}", headers=self.headers, **kw)


def deploy_file(admin: Actor, pid: str, xml: str, forms: dict[str, Any]) -> dict[str, Any]:
    files = [(io.BytesIO(xml.encode()), f"{pid}.bpmn")]
    files += [(io.BytesIO(__import__("json").dumps(f).encode()), f"{k}.form.json") for k, f in forms.items()]
    response = admin.post("/process-definitions", data={"files": files}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_draft_is_the_latest_version_until_saved_and_keeps_its_problems(client, tokens):
    """Given version 1 of a process, when the administrator opens its draft, then it is v1's content
    (saved=false); when a diagram whose task has no form is saved, then it is kept with the problem marked
    on the task's formKey field; a different process id in the file is refused on bpmn_xml."""
    admin = Admin(client, tokens["admin"])
    deploy_file(admin, "modeling_open", diagram("modeling_open"), {"note_form": FORM})

    opened = admin.get("/process-definitions/modeling_open/draft")
    assert opened.status_code == 200
    body = opened.get_json()
    assert body["saved"] is False and body["base_version"] == 1 and "note_form" in body["forms"]
    assert body["problems"] == []

    saved = admin.put(
        "/process-definitions/modeling_open/draft", json={"bpmn_xml": diagram("modeling_open", form_key="")}
    )
    assert saved.status_code == 200, saved.get_json()
    kept = saved.get_json()
    assert kept["saved"] is True and kept["updated_by"] == "admin" and kept["base_version"] == 1
    marked = [p for p in kept["problems"] if p["element_id"] == "work"]
    assert marked and marked[0]["field"] == "formKey" and marked[0]["severity"] == "error"
    assert admin.get("/process-definitions/modeling_open/draft").get_json()["saved"] is True
    assert [d["key"] for d in admin.get("/process-definitions/drafts").get_json()] == ["modeling_open"]

    wrong = admin.put("/process-definitions/modeling_open/draft", json={"bpmn_xml": diagram("someone_else")})
    assert wrong.status_code == 422
    assert wrong.get_json()["details"]["errors"][0]["field"] == "bpmn_xml"

    assert admin.delete("/process-definitions/modeling_open/draft").status_code == 204
    assert admin.get("/process-definitions/modeling_open/draft").get_json()["saved"] is False
    assert admin.delete("/process-definitions/modeling_open/draft").status_code == 404


def test_a_form_made_in_the_editor_is_deployed_with_the_diagram_that_uses_it(client, tokens):
    """Given a draft whose new task names a form not yet made, when the form is saved from the form editor
    and the draft deployed, then version 2 holds both, the draft is gone and an instance of v2 reaches the
    new task; version 1 and its instances are unchanged."""
    admin = Admin(client, tokens["admin"])
    deploy_file(admin, "modeling_forms", diagram("modeling_forms"), {"note_form": FORM})
    old = admin.start("modeling_forms", {})

    draft = admin.put(
        "/process-definitions/modeling_forms/draft", json={"bpmn_xml": diagram("modeling_forms", form_key="check_form")}
    )
    assert any(p["element_id"] == "work" and "check_form" in p["message"] for p in draft.get_json()["problems"])
    refused = admin.post("/process-definitions/modeling_forms/draft/deploy", json={"note": "too early"})
    assert refused.status_code == 422
    assert admin.get("/process-definitions/modeling_forms/draft").get_json()["saved"] is True  # kept

    bad_form = admin.put(
        "/process-definitions/modeling_forms/draft/forms/check_form", json={"schema": {"components": "x"}}
    )
    assert bad_form.status_code == 422
    check_form = {"type": "default", "components": [{"type": "textfield", "key": "opinion", "label": "核查意见"}]}
    with_form = admin.put("/process-definitions/modeling_forms/draft/forms/check_form", json={"schema": check_form})
    assert with_form.status_code == 200 and with_form.get_json()["problems"] == []

    deployed = admin.post("/process-definitions/modeling_forms/draft/deploy", json={"note": "新增核查表单"})
    assert deployed.status_code == 201, deployed.get_json()
    assert deployed.get_json()["version"] == 2 and deployed.get_json()["note"] == "新增核查表单"
    assert admin.get("/process-definitions/modeling_forms/draft").get_json()["saved"] is False
    v2 = admin.get("/process-definitions/modeling_forms/versions/2").get_json()
    assert "check_form" in v2["forms"]

    office = Actor(client, tokens["dcs_li"])
    new = admin.start("modeling_forms", {})
    task = office.task(new["id"], "work")
    assert office.get(f"/tasks/{task['id']}").get_json()["form"]["components"][0]["key"] == "opinion"
    office.complete(task["id"], {"opinion": "已核查"})
    assert admin.instance(new["id"])["status"] == "completed"
    assert admin.instance(old["id"])["definition_version"] == 1


def test_a_diagram_from_another_modeler_is_imported_as_a_draft_and_never_replaces_one_silently(client, tokens):
    """Given a Camunda Modeler file without isExecutable, when imported, then it becomes the draft of its
    process id; a second import is a 409 draft_exists until replace=true; after it is deployed, it is v1."""
    admin = Admin(client, tokens["admin"])
    camunda = diagram("modeling_import", process_attrs='camunda:versionTag="2"').replace(
        "<bpmn:definitions ", '<bpmn:definitions xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    )
    imported = admin.post("/process-definitions/drafts", json={"bpmn_xml": camunda, "filename": "x.bpmn"})
    assert imported.status_code == 201, imported.get_json()
    assert imported.get_json()["key"] == "modeling_import" and imported.get_json()["base_version"] is None
    problems = imported.get_json()["problems"]
    assert any("note_form" in p["message"] for p in problems)  # the form did not come with the file

    again = admin.post("/process-definitions/drafts", json={"bpmn_xml": camunda, "filename": "x.bpmn"})
    assert again.status_code == 409 and again.get_json()["error"] == "draft_exists"
    replaced = admin.post(
        "/process-definitions/drafts", json={"bpmn_xml": camunda, "filename": "x.bpmn", "replace": True}
    )
    assert replaced.status_code == 201

    admin.put("/process-definitions/modeling_import/draft/forms/note_form", json={"schema": FORM})
    deployed = admin.post("/process-definitions/modeling_import/draft/deploy", json={})
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 1

    unsafe = admin.post("/process-definitions/drafts", json={"bpmn_xml": '<!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>'})
    assert unsafe.status_code == 422


def test_validate_and_check_expression_answer_without_storing(client, tokens):
    """When the modeler asks to validate a diagram with a bad condition, then every problem is listed with
    element, line and field, and nothing is stored; the expression check answers per field."""
    admin = Admin(client, tokens["admin"])
    broken = diagram(
        "modeling_validate",
        extra="""    <bpmn:scriptTask id="calc" name="计算"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>""",
    )
    report = admin.post("/process-definitions/validate", json={"bpmn_xml": broken, "forms": {"note_form": FORM}})
    assert report.status_code == 200
    body = report.get_json()
    assert body["valid"] is False
    calc = [p for p in body["problems"] if p["element_id"] == "calc"]
    assert (
        calc
        and calc[0]["field"] == "script"
        and calc[0]["line"] == broken.splitlines().index(next(x for x in broken.splitlines() if 'id="calc"' in x)) + 1
    )
    assert admin.get("/process-definitions/modeling_validate/draft").status_code == 404

    good = admin.post("/process-definitions/check-expression", json={"kind": "condition", "text": "decision == 'pass'"})
    assert good.status_code == 200 and good.get_json()["ok"] is True
    bad = admin.post("/process-definitions/check-expression", json={"kind": "condition", "text": "decision =="})
    assert bad.status_code == 200 and bad.get_json()["ok"] is False and bad.get_json()["message"]
    unknown = admin.post("/process-definitions/check-expression", json={"kind": "sql", "text": "1"})
    assert unknown.status_code == 422 and unknown.get_json()["error"]


def test_versions_list_their_instances_compare_and_download(client, tokens):
    """Given two versions, the second adding a task, then the versions list counts instances per version,
    the diff names the added task and the changed form, and each version downloads as a file; the auditor
    reads them, a unit's liaison may not."""
    admin = Admin(client, tokens["admin"])
    deploy_file(admin, "modeling_versions", diagram("modeling_versions"), {"note_form": FORM})
    admin.start("modeling_versions", {})
    extra = '    <bpmn:manualTask id="sign" name="签收" />'
    changed = {
        "type": "default",
        "components": [*FORM["components"], {"type": "textfield", "key": "more", "label": "补充"}],
    }
    admin.put(
        "/process-definitions/modeling_versions/draft",
        json={"bpmn_xml": diagram("modeling_versions", extra=extra), "forms": {"note_form": changed}},
    )
    assert admin.post("/process-definitions/modeling_versions/draft/deploy", json={"note": "加签收"}).status_code == 201

    rows = admin.get("/process-definitions/modeling_versions/versions").get_json()
    assert [r["version"] for r in rows] == [2, 1]
    assert rows[1]["instances"]["running"] == 1 and rows[0]["instances"]["running"] == 0
    assert rows[0]["note"] == "加签收" and rows[0]["deployed_by"] == "admin"

    auditor = Actor(client, tokens["shenji"])
    difference = auditor.get("/process-definitions/modeling_versions/diff", query_string={"from": 1, "to": 2})
    assert difference.status_code == 200, difference.get_json()
    body = difference.get_json()
    assert [e["id"] for e in body["elements"]["added"]] == ["sign"]
    assert body["forms"]["changed"][0]["key"] == "note_form" and body["forms"]["changed"][0]["fields_added"] == ["more"]

    download = auditor.get("/process-definitions/modeling_versions/versions/1/diagram.bpmn")
    assert download.status_code == 200 and b'id="modeling_versions"' in download.data and b"sign" not in download.data
    assert auditor.get("/process-definitions/modeling_versions/versions/9").status_code == 404

    liaison = Admin(client, tokens["zjj_ll"])
    assert liaison.get("/process-definitions/modeling_versions/versions").status_code == 403
    assert liaison.get("/process-definitions/modeling_versions/draft").status_code == 403
    assert (
        liaison.put(
            "/process-definitions/modeling_versions/draft", json={"bpmn_xml": diagram("modeling_versions")}
        ).status_code
        == 403
    )
    assert liaison.get("/forms").status_code == 403
    assert auditor.post("/process-definitions/modeling_versions/draft/deploy", json={}).status_code == 403


LOOPED_REMINDER = """    <bpmn:boundaryEvent id="remind" name="催办" attachedToRef="work" cancelActivity="false"><bpmn:outgoing>f_r</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>"P3D"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f_r" sourceRef="remind" targetRef="reminded" />
    <bpmn:endEvent id="reminded"><bpmn:incoming>f_r</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="back" sourceRef="work" targetRef="work" />
    <bpmn:intermediateCatchEvent id="wait_naive" name="等到开会"><bpmn:timerEventDefinition><bpmn:timeDate>"2027-03-01T09:00:00"</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="wait_nothing" name="等待"><bpmn:timerEventDefinition /></bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="wait_ok" name="等到"><bpmn:timerEventDefinition><bpmn:timeDate>"2027-03-01T09:00:00+08:00"</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"""


def test_our_rules_mark_timers_without_a_time_or_an_offset_and_a_reminder_a_loop_re_arms(client, tokens):
    """When a diagram has a timer with no time, a date without an offset, and a reminder on a task that
    loops back to itself, then validation marks each on its element: the first two as errors on the timer,
    the reminder as a warning; a date with +08:00 passes."""
    admin = Admin(client, tokens["admin"])
    xml = diagram("modeling_rules", extra=LOOPED_REMINDER)
    report = admin.post(
        "/process-definitions/validate", json={"bpmn_xml": xml, "forms": {"note_form": FORM}}
    ).get_json()
    ours = {(p["element_id"], p["severity"], p["field"]) for p in report["problems"] if p["field"] == "timer"}
    assert ours == {
        ("wait_naive", "error", "timer"),
        ("wait_nothing", "error", "timer"),
        ("remind", "warning", "timer"),
    }
    naive = next(p for p in report["problems"] if p["element_id"] == "wait_naive")
    assert (
        "+08:00" in naive["message"]
        and naive["line"] == xml.splitlines().index(next(x for x in xml.splitlines() if 'id="wait_naive"' in x)) + 1
    )
