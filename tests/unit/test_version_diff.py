# ruff: noqa: E501 - BPMN fixtures read best on one line
"""The difference of two versions: elements by id (added, removed, what changed), form fields by key."""

from __future__ import annotations

from service.modeling.diff import diff_elements, diff_forms, forms_to_compare

NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'


def xml(body: str) -> str:
    return f'<bpmn:definitions {NS} id="d" targetNamespace="t"><bpmn:process id="p">{body}</bpmn:process></bpmn:definitions>'


BEFORE = xml(
    '<bpmn:userTask id="a" name="办理" /><bpmn:scriptTask id="s"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'
    '<bpmn:sequenceFlow id="f" sourceRef="a" targetRef="s" />'
)


def test_an_identical_diagram_has_no_difference() -> None:
    assert diff_elements(BEFORE, BEFORE) == {"added": [], "removed": [], "changed": []}


def test_added_removed_and_changed_elements_are_named() -> None:
    after = xml(
        '<bpmn:userTask id="a" name="办理并报告" /><bpmn:scriptTask id="s"><bpmn:script>x = 2</bpmn:script></bpmn:scriptTask>'
        '<bpmn:manualTask id="m" name="签收" />'
    )
    result = diff_elements(BEFORE, after)
    assert [(e["id"], e["name"]) for e in result["added"]] == [("m", "签收")]
    assert [e["id"] for e in result["removed"]] == ["f"]
    changed = {e["id"]: e["changes"] for e in result["changed"]}
    assert set(changed) == {"a", "s"}
    assert any("脚本" in c for c in changed["s"])


def test_form_fields_are_compared_by_key() -> None:
    old = {"f": {"components": [{"key": "a", "type": "textfield"}, {"key": "b", "type": "textfield"}]}, "gone": {}}
    new = {
        "f": {"components": [{"key": "a", "type": "textarea"}, {"key": "c", "type": "textfield"}]},
        "fresh": {"components": []},
    }
    result = diff_forms(old, new)
    assert result["added"] == ["fresh"] and result["removed"] == ["gone"]
    (change,) = result["changed"]
    assert change == {"key": "f", "fields_added": ["c"], "fields_removed": ["b"], "fields_changed": ["a"]}


def test_a_form_an_old_version_stored_but_never_named_is_not_reported_removed() -> None:
    spiff = 'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
    named = (
        f'<bpmn:userTask id="a" {spiff}><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="formKey" value="used" /></spiffworkflow:properties></bpmn:extensionElements>'
        "</bpmn:userTask>"
    )
    form = {"components": [{"key": "x", "type": "textfield"}]}
    old = {"used": form, "stray": form, "dropped": form}
    old_xml = xml(named + named.replace('id="a"', 'id="b"').replace('"used"', '"dropped"'))
    result = forms_to_compare(old_xml, old, xml(named), {"used": form})
    assert result == {"added": [], "removed": ["dropped"], "changed": []}
