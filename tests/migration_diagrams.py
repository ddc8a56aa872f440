"""A small linear process for instance migration and replay: start → user tasks in order → end, all in the
督查室 lane, each with the note form. The tests deploy versions of it; bench/ times them."""

from __future__ import annotations

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
FORM = {"type": "default", "components": [{"type": "textfield", "key": "note", "label": "备注"}]}
FORM_FILE = "note_form.form.json"


def diagram(key: str, *tasks: tuple[str, str]) -> bytes:
    """start → the user tasks in order → end, all in the 督查室 lane, each with the note form."""
    ids = ["start", *[t[0] for t in tasks], "end"]
    refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i, _ in tasks)
    body = [f'<bpmn:laneSet id="ls"><bpmn:lane id="lane_office" name="督查室">{refs}</bpmn:lane></bpmn:laneSet>']
    body.append('<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>')
    for element_id, name in tasks:
        body.append(
            f'<bpmn:userTask id="{element_id}" name="{name}"><bpmn:extensionElements><spiffworkflow:properties>'
            '<spiffworkflow:property name="formKey" value="note_form" /></spiffworkflow:properties>'
            "</bpmn:extensionElements></bpmn:userTask>"
        )
    for n, (source, target) in enumerate(zip(ids, ids[1:], strict=False)):
        body.append(f'<bpmn:sequenceFlow id="f{n}" sourceRef="{source}" targetRef="{target}"/>')
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN}" xmlns:spiffworkflow="{SPIFF}" id="d_{key}" targetNamespace="http://duban.test">
  <bpmn:process id="{key}" name="迁移测试 {key}" isExecutable="true">{"".join(body)}</bpmn:process>
</bpmn:definitions>""".encode()
