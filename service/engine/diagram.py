"""What the item page needs from a BPMN diagram: its sequence flows (id, source, target)."""

from __future__ import annotations

import functools

from service.engine.xml_safety import parse_safe_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@functools.lru_cache(maxsize=64)
def sequence_flows(bpmn_xml: str) -> tuple[tuple[str, str, str], ...]:
    root = parse_safe_xml(bpmn_xml.encode("utf-8"), "diagram")
    return tuple(
        (flow.get("id", ""), flow.get("sourceRef", ""), flow.get("targetRef", ""))
        for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow")
    )
