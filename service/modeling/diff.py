"""What changed between two versions: elements matched by id, form fields matched by key (pure)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from lxml import etree

from service.engine.xml_safety import parse_safe_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_TEXTS = {  # child elements whose text is part of an element's meaning
    f"{{{BPMN}}}script": "脚本",
    f"{{{BPMN}}}conditionExpression": "条件",
    f"{{{BPMN}}}timeDuration": "定时（时长）",
    f"{{{BPMN}}}timeDate": "定时（日期）",
    f"{{{BPMN}}}timeCycle": "定时（周期）",
    f"{{{BPMN}}}documentation": "说明",
    f"{{{SPIFF}}}preScript": "前置脚本",
    f"{{{SPIFF}}}postScript": "后置脚本",
}
_IGNORED_ATTRIBUTES = {"id", "name"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _elements(root: etree._Element) -> dict[str, etree._Element]:
    """The process elements (tasks, events, gateways, flows, lanes, subprocesses) by id, not diagram shapes."""
    found: dict[str, etree._Element] = {}
    for container in root.iter(f"{{{BPMN}}}process", f"{{{BPMN}}}collaboration"):
        for el in container.iter():
            if _is_element(el):
                found.setdefault(el.get("id", ""), el)
    return found


def _is_element(el: etree._Element) -> bool:
    """An event definition belongs to its event (its timer text is the event's change)."""
    tag = el.tag
    return (
        isinstance(tag, str)
        and bool(el.get("id"))
        and tag.startswith(f"{{{BPMN}}}")
        and not tag.endswith("EventDefinition")
    )


def _properties(el: etree._Element) -> dict[str, str]:
    path = f"{{{BPMN}}}extensionElements/{{{SPIFF}}}properties/{{{SPIFF}}}property"
    return {str(p.get("name")): str(p.get("value", "")) for p in el.iterfind(path) if p.get("name")}


def _texts(el: etree._Element) -> dict[str, str]:
    texts = {}
    for child in el.iter():
        if child is not el and child.tag in _TEXTS and _owner_id(child) == el.get("id"):
            texts[_TEXTS[str(child.tag)]] = (child.text or "").strip()
    return texts


def _owner_id(node: etree._Element) -> str:
    current: etree._Element | None = node.getparent()
    while current is not None and not _is_element(current):
        current = current.getparent()
    return current.get("id", "") if current is not None else ""


def _changes(old: etree._Element, new: etree._Element) -> list[str]:
    changes = []
    if old.tag != new.tag:
        changes.append(f"类型：{_local(str(old.tag))} → {_local(str(new.tag))}")
    if (old.get("name") or "") != (new.get("name") or ""):
        changes.append(f"名称：{old.get('name') or '（无）'} → {new.get('name') or '（无）'}")
    old_attrs = {k: v for k, v in old.attrib.items() if k not in _IGNORED_ATTRIBUTES}
    new_attrs = {k: v for k, v in new.attrib.items() if k not in _IGNORED_ATTRIBUTES}
    for attr in sorted(old_attrs.keys() | new_attrs.keys()):
        if old_attrs.get(attr) != new_attrs.get(attr):
            changes.append(
                f"{_local(str(attr))}：{old_attrs.get(attr) or '（无）'} → {new_attrs.get(attr) or '（无）'}"
            )
    old_props, new_props = _properties(old), _properties(new)
    for prop in sorted(old_props.keys() | new_props.keys()):
        if old_props.get(prop) != new_props.get(prop):
            changes.append(f"属性 {prop}：{old_props.get(prop) or '（无）'} → {new_props.get(prop) or '（无）'}")
    old_texts, new_texts = _texts(old), _texts(new)
    for what in sorted(old_texts.keys() | new_texts.keys()):
        if old_texts.get(what) != new_texts.get(what):
            changes.append(f"{what}已修改")
    return changes


def _summary(el: etree._Element) -> dict[str, str]:
    return {"id": el.get("id", ""), "name": el.get("name") or "", "type": _local(str(el.tag))}


def diff_elements(old_xml: str, new_xml: str) -> dict[str, list[dict[str, Any]]]:
    old = _elements(parse_safe_xml(old_xml.encode("utf-8"), "from.bpmn"))
    new = _elements(parse_safe_xml(new_xml.encode("utf-8"), "to.bpmn"))
    changed = []
    for element_id in sorted(old.keys() & new.keys()):
        if changes := _changes(old[element_id], new[element_id]):
            changed.append({**_summary(new[element_id]), "changes": changes})
    return {
        "added": [_summary(new[i]) for i in sorted(new.keys() - old.keys())],
        "removed": [_summary(old[i]) for i in sorted(old.keys() - new.keys())],
        "changed": changed,
    }


def _fields(components: Any) -> Iterator[tuple[str, Any]]:
    for component in components if isinstance(components, list) else []:
        if not isinstance(component, dict):
            continue
        key = component.get("key") or component.get("id")
        nested = component.get("components")
        if isinstance(key, str):
            yield key, {k: v for k, v in component.items() if k != "components"}
        yield from _fields(nested)


def diff_forms(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    changed = []
    for key in sorted(old.keys() & new.keys()):
        if old[key] == new[key]:
            continue
        old_fields = dict(_fields((old[key] or {}).get("components")))
        new_fields = dict(_fields((new[key] or {}).get("components")))
        same = old_fields.keys() & new_fields.keys()
        changed.append(
            {
                "key": key,
                "fields_added": sorted(new_fields.keys() - old_fields.keys()),
                "fields_removed": sorted(old_fields.keys() - new_fields.keys()),
                "fields_changed": sorted(
                    k
                    for k in same
                    if json.dumps(old_fields[k], sort_keys=True) != json.dumps(new_fields[k], sort_keys=True)
                ),
            }
        )
    return {"added": sorted(new.keys() - old.keys()), "removed": sorted(old.keys() - new.keys()), "changed": changed}


_FORM_PROPERTIES = {"formKey", "startForm"}


def used_forms(xml: str) -> set[str]:
    """The forms a diagram names (a task's formKey, the process's startForm)."""
    root = parse_safe_xml(xml.encode("utf-8"), "diagram.bpmn")
    return {
        (prop.get("value") or "").strip()
        for prop in root.iter(f"{{{SPIFF}}}property")
        if prop.get("name") in _FORM_PROPERTIES and (prop.get("value") or "").strip()
    }


def forms_to_compare(old_xml: str, old: Mapping[str, Any], new_xml: str, new: Mapping[str, Any]) -> dict[str, Any]:
    """A version may carry forms its diagram never names (an older deploy stored the whole forms folder):
    an old form counts only when either diagram names it or the new version still has it, so the diff
    shows what the modeler changed, not what an earlier deploy happened to store."""
    used = used_forms(old_xml) | used_forms(new_xml)
    kept_old = {k: v for k, v in old.items() if k in used or k in new}
    return diff_forms(kept_old, new)
