"""Feature: the 系统管理员 changes a flow in the modeler pages — a new user task with a new form made in the
form editor, a problem marked on the diagram and fixed, deploy, and the new step is done by its role; a
diagram saved by another modeler is imported, fixed and deployed; the versions page shows the difference
(issue 12 points 1, 2, 5 and 10).

The module has a database of its own: the flows it deploys must not reach the other browser tests."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from tests.browser.driver import Person
from tests.conftest import own_database

services, app, tokens = own_database()


@pytest.fixture(scope="module")
def own_server(app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture()
def browser_context_args(own_server: str) -> dict[str, Any]:
    """Pages of this module's server (the session's browser_context_args would start the session's one)."""
    return {"base_url": own_server, "viewport": {"width": 1400, "height": 900}}


ADD_TASK = """() => {
  const m = window.dubanModeler;
  const registry = m.get('elementRegistry'), modeling = m.get('modeling');
  const start = registry.get('start'), prepare = registry.get('prepare');
  const bo = m.get('bpmnFactory').create('bpmn:UserTask', {id: 'confirm_source', name: '核实来源'});
  const shape = m.get('elementFactory').createShape({type: 'bpmn:UserTask', businessObject: bo});
  const at = {x: start.x + start.width + 70, y: start.y + start.height / 2 + 90};
  const task = modeling.createShape(shape, at, registry.get('participant_supervision_item'));
  const flow = registry.get('flow_start_prepare');
  modeling.reconnectEnd(flow, task, {x: task.x, y: task.y + task.height / 2});
  modeling.connect(task, prepare);
  return task.id;
}"""


def modeler_ready(page: Page) -> None:
    expect(page.locator("body[data-modeler-ready='1']")).to_be_attached()
    page.wait_for_load_state("networkidle")


def select(page: Page, element_id: str) -> None:
    page.evaluate(
        "(id) => { const m = window.dubanModeler; m.get('selection').select(m.get('elementRegistry').get(id)); }",
        element_id,
    )
    group = page.locator("#properties [data-group-id='group-duban']")
    expect(group).to_be_visible()
    if not group.locator(".bio-properties-panel-group-entries.open").count():
        group.locator(".bio-properties-panel-group-header").click()


def problem(page: Page, element_id: str) -> Any:
    return page.locator(f"#problems li.problem[data-element-id='{element_id}']")


def test_a_new_task_with_a_new_form_is_modelled_fixed_deployed_and_done(page: Page, screenshots: Path) -> None:
    me = Person(page, screenshots)
    title = f"建模器新增步骤 {uuid.uuid4().hex[:6]}"

    # Given the administrator in the modeler of 督办事项
    me.sign_in("admin")
    page.click("[data-nav=admin]")
    page.locator("#processes tr[data-key=supervision_item] a").first.click()
    modeler_ready(page)
    expect(page.locator("#draft-state")).to_contain_text("尚未保存草稿")
    # with an overview (minimap) of the large diagram, opened from its toggle
    page.click(".djs-minimap .toggle")
    expect(page.locator(".djs-minimap.open .map svg")).to_be_visible()

    # Then the 督办设置 group shows what the service reads: timers, scripts, conditions, process properties
    select(page, "remind_overdue")
    expect(page.locator("#properties select[name=timerKind]")).to_have_value("timeDate")
    expect(page.locator("#properties [name=timerText]")).to_have_value("overdue_at(deadline)")
    select(page, "assign")
    expect(page.locator("#properties [name=script]")).to_have_value(re.compile("time_limit_days"))
    select(page, "flow_coordination_yes")
    expect(page.locator("#properties [name=condition]")).not_to_have_value("")
    select(page, "participant_supervision_item")
    expect(page.locator("#properties [name='process-startableBy']")).to_have_value("督查室,系统管理员")
    select(page, "lane_office")
    expect(page.locator("#properties select[name=laneRole]")).to_have_value("督查室")

    # When a user task is put between the start and 准备事项数据, without a form
    assert page.evaluate(ADD_TASK) == "confirm_source"
    page.click("#validate")
    # Then the validator marks it on the diagram and lists the problem
    expect(problem(page, "confirm_source").first).to_be_visible()
    expect(page.locator("#problems li.problem.error[data-element-id='confirm_source']").first).to_be_visible()
    expect(page.locator(".djs-element.duban-error[data-element-id='confirm_source']")).to_be_attached()
    me.shot("modeler-task-without-form")

    # When clicking the problem, the task is selected; its role is its lane's
    problem(page, "confirm_source").first.click()
    select(page, "confirm_source")
    expect(page.locator("#properties .duban-lane")).to_contain_text("督查室")
    # And a due expression with a mistake is refused by the sandbox compiler when leaving the field
    due = page.locator("#properties [name=due]")
    due.fill("add_workdays(today(), 3")
    due.blur()
    expect(page.locator("#properties [data-check=due].bad")).to_be_visible()
    due.fill("add_workdays(today(), 3)")
    due.blur()
    expect(page.locator("#properties [data-check=due].ok")).to_be_visible()

    # When a new form is made for it in the form editor
    page.locator("#properties .duban-new-form").fill("source_check")
    page.locator("#properties .duban-new-form-go").click()
    page.wait_for_url("**/admin/forms/source_check?process=supervision_item")
    expect(page.locator("body[data-form-editor-ready='1']")).to_be_attached()
    page.locator(".fjs-palette-field[data-field-type=textfield]").focus()
    page.keyboard.press("Enter")
    field = page.locator(".fjs-editor-container .fjs-form-field-textfield").first
    expect(field).to_be_visible()
    field.click()
    page.evaluate(
        """() => { const e = window.dubanFormEditor;
        const f = e.get('formFieldRegistry').getAll().find((x) => x.type === 'textfield');
        const changes = {key: 'source_note', label: '来源核实情况', validate: {required: true}};
        e.get('modeling').editFormField(f, changes); }"""
    )
    expect(page.locator("#form-preview")).to_contain_text("来源核实情况")
    page.click("#save-form")
    expect(page.locator("#message")).to_contain_text("表单已保存到草稿")
    me.shot("form-editor")

    # Then back in the modeler the draft has the task with the form, and it validates
    page.click("text=返回建模器")
    modeler_ready(page)
    expect(page.locator("#draft-state")).to_contain_text("草稿")
    select(page, "confirm_source")
    expect(page.locator("#properties select[name=formKey]")).to_have_value("source_check")
    page.click("#validate")
    expect(page.locator("#message")).to_contain_text("校验通过")
    expect(problem(page, "confirm_source")).to_have_count(0)

    # When it is deployed with a note
    page.fill("#deploy-note", "新增核实来源步骤")
    page.click("#deploy")
    expect(page.locator("#message")).to_contain_text("已部署为版本 2")

    # And an item is started on the new version (from the API, as the administrator may)
    started = page.evaluate(
        "(title) => window.dubanApi('POST', '/process-instances', {process_key: 'supervision_item', data: {title}})",
        title,
    )
    assert started["status"] == 201, started
    assert started["body"]["definition_version"] == 2
    me.sign_out()

    # Then the 督查室 finds the new step in 待办 and completes it through its new form
    me.sign_in("dcs_li")
    me.open_todo(title, "核实来源")
    me.type("来源核实情况", "来源已核实：县政府常务会议纪要")
    me.submit()
    me.submitted()
    me.open_todo(title)
    expect(page.locator("h1")).not_to_contain_text("核实来源")
    me.sign_out()

    # And the versions page shows the added task and form
    me.sign_in("admin")
    page.goto("/admin/processes/supervision_item/versions")
    expect(page.locator("body[data-versions-ready='1']")).to_be_attached()
    expect(page.locator("#versions tr[data-version='2']")).to_contain_text("新增核实来源步骤")
    page.click("#compare")
    expect(page.locator("#diff[data-ready='1']")).to_be_attached()
    expect(page.locator("#diff-elements .diff-added", has_text="confirm_source")).to_contain_text("核实来源")
    expect(page.locator("#diff-forms")).to_contain_text("source_check")
    expect(page.locator("#diff-to .djs-element.diff-added[data-element-id='confirm_source']")).to_be_attached()
    me.shot("versions-diff")


CAMUNDA_FILE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
  id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn" exporter="Camunda Modeler" exporterVersion="5.20.0">
  <bpmn:process id="KEY" name="来文登记">
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_1" name="办公室">
        <bpmn:flowNodeRef>StartEvent_1</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Activity_1</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>EndEvent_1</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Activity_1" name="登记来文" camunda:assignee="demo">
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>Flow_2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Activity_1" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Activity_1" targetRef="EndEvent_1" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="KEY">
      <bpmndi:BPMNShape id="Lane_1_di" bpmnElement="Lane_1" isHorizontal="true">
        <dc:Bounds x="130" y="60" width="500" height="200" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="179" y="142" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Activity_1_di" bpmnElement="Activity_1">
        <dc:Bounds x="270" y="120" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="EndEvent_1_di" bpmnElement="EndEvent_1">
        <dc:Bounds x="432" y="142" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_1_di" bpmnElement="Flow_1">
        <di:waypoint x="215" y="160" /><di:waypoint x="270" y="160" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_2_di" bpmnElement="Flow_2">
        <di:waypoint x="370" y="160" /><di:waypoint x="432" y="160" /></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def test_a_diagram_from_another_modeler_is_imported_fixed_and_deployed(
    page: Page, screenshots: Path, tmp_path: Path
) -> None:
    me = Person(page, screenshots)
    key = f"incoming_{uuid.uuid4().hex[:6]}"
    diagram = tmp_path / f"{key}.bpmn"
    diagram.write_text(CAMUNDA_FILE.replace("KEY", key), encoding="utf-8")

    # Given the administrator on 流程管理, importing a Camunda Modeler file (no isExecutable, lane 办公室)
    me.sign_in("admin")
    page.goto("/admin")
    page.set_input_files("#import-file", str(diagram))
    page.wait_for_url(f"**/admin/processes/{key}")
    modeler_ready(page)
    # Then the validator marks the task: its lane is not a role, and it has no form
    expect(page.locator("#problems li.problem.error[data-element-id='Activity_1']")).to_have_count(2)
    expect(page.locator("#problems")).to_contain_text("不在角色泳道中")
    expect(page.locator(".djs-element.duban-error[data-element-id='Activity_1']")).to_be_attached()
    me.shot("imported-diagram-problems")

    # When the lane is named with a role and the task gets an existing form, through the properties panel
    select(page, "Lane_1")
    page.locator("#properties select[name=laneRole]").select_option("督查室")
    select(page, "Activity_1")
    page.locator("#properties select[name=formKey]").select_option("archive")
    page.click("#validate")
    expect(page.locator("#message")).to_contain_text("校验通过")
    # And it is deployed
    page.fill("#deploy-note", "从 Camunda Modeler 导入")
    page.click("#deploy")
    expect(page.locator("#message")).to_contain_text("已部署为版本 1")
    listed = page.evaluate("() => window.dubanApi('GET', '/process-definitions')")
    assert any(d["key"] == key and d["version"] == 1 for d in listed["body"])

    # When a redrawn diagram of the same process (no element in common, already fixed) is imported twice
    redrawn = tmp_path / f"{key}-redrawn.bpmn"
    text = CAMUNDA_FILE.replace("_1", "_r1").replace("_2", "_r2").replace('name="办公室"', 'name="督查室"')
    form = '<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formKey" value="archive" />'
    text = text.replace(
        'camunda:assignee="demo">',
        'camunda:assignee="demo">' + form + "</spiffworkflow:properties></bpmn:extensionElements>",
    )
    text = text.replace(
        "xmlns:camunda=", 'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" xmlns:camunda='
    )
    redrawn.write_text(text.replace("KEY", key), encoding="utf-8")
    page.set_input_files("#import-file", str(redrawn))
    expect(page.locator("#message")).to_contain_text("已导入为草稿")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    with page.expect_response(lambda r: r.url.endswith("/process-definitions/drafts") and r.status == 201):
        page.set_input_files("#import-file", str(redrawn))
    # Then replacing the waiting draft was asked first
    assert asked and "已有未部署的草稿" in asked[0]
    expect(page.locator(".djs-element[data-element-id='Activity_r1']")).to_be_attached()
    # And deploying a diagram unrelated to the latest version asks for a confirmation
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click("#deploy")
    expect(page.locator("#message")).to_contain_text("已部署为版本 2")
    assert "几乎没有相同的元素" in asked[-1]


def test_the_form_editor_edits_our_rules_and_saves_them_in_the_draft(page: Page, screenshots: Path) -> None:
    me = Person(page, screenshots)
    # Given the administrator in the form editor of supervision_item's 办理情况报告
    me.sign_in("admin")
    page.goto("/admin/forms/handling_report?process=supervision_item")
    expect(page.locator("body[data-form-editor-ready='1']")).to_be_attached()
    expect(page.locator("#form-preview")).to_contain_text("申请协调事由")
    # When the field 协调事由 is selected, its requiredWhen shows in our side panel
    page.locator(".fjs-editor-container .fjs-form-field-textarea", has_text="申请协调事由").first.click()
    expect(page.locator("#rule-field")).to_have_text("coordination_reason")
    expect(page.locator("#rule-required-when")).to_have_value("need_coordination=true")
    # And when it is changed and the form saved
    page.fill("#rule-required-when", "need_coordination=true&completion=partial")
    page.locator("#rule-required-when").blur()
    page.click("#save-form")
    expect(page.locator("#message")).to_contain_text("表单已保存到草稿")
    me.shot("form-editor-rules")
    # Then the draft's form carries the rule
    draft = page.evaluate("() => window.dubanApi('GET', '/process-definitions/supervision_item/draft')")
    fields = {c.get("key"): c for c in draft["body"]["forms"]["handling_report"]["components"]}
    assert fields["coordination_reason"]["properties"]["requiredWhen"] == "need_coordination=true&completion=partial"
    assert (
        page.evaluate("() => window.dubanApi('DELETE', '/process-definitions/supervision_item/draft')")["status"] == 204
    )
