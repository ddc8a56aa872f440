"""Rules of our own over a parsed diagram, beyond what the engine refuses: the mistakes a flow's owner
makes in a modeler that a deploy would otherwise accept and a county would find months later.

- a timer without a time (no timeDate / timeDuration / timeCycle), or a literal date without an offset
  (read in the server's zone instead of Asia/Shanghai): errors on the timer;
- a timer on a task inside a loop: re-armed on every pass (a reminder sent again after each 退回): a warning;
- an exclusive gateway with several ways out and no default: a warning.
Each problem names the element, its line and the properties-panel field, in Chinese.
"""

from __future__ import annotations

import re

from lxml import etree

from service.engine.errors import DefinitionProblem

_B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_TIME_TAGS = tuple(f"{_B}{t}" for t in ("timeDate", "timeDuration", "timeCycle"))
# A quoted ISO date-time literal, e.g. "2027-01-05T09:00:00"; an offset is Z or ±hh:mm at its end.
_LITERAL = re.compile(r"""^\s*(['"])(\d{4}-\d{2}-\d{2}T[^'"]*)\1\s*$""")
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


def _name(el: etree._Element) -> str:
    return str(el.get("name") or el.get("id", ""))


def timer_problems(root: etree._Element, filename: str) -> list[DefinitionProblem]:
    found = []
    for definition in root.iter(f"{_B}timerEventDefinition"):
        event = definition.getparent()
        if event is None:
            continue
        event_id = event.get("id", "")
        times = [child for child in definition if child.tag in _TIME_TAGS]
        if not any((t.text or "").strip() for t in times):
            message = f"定时事件“{_name(event)}”没有设置时间（日期、时长或周期）"
            found.append(DefinitionProblem(message, filename, event_id, event.sourceline, field="timer"))
            continue
        for when in times:
            literal = _LITERAL.match(when.text or "")
            if when.tag == f"{_B}timeDate" and literal and not _OFFSET.search(literal.group(2)):
                message = (
                    f"定时事件“{_name(event)}”的日期 {literal.group(2)} 没有时区偏移："
                    "请写成 …+08:00，或使用 reminder_at / overdue_at"
                )
                found.append(DefinitionProblem(message, filename, event_id, when.sourceline, field="timer"))
    return found


def _successors(process: etree._Element) -> dict[str, set[str]]:
    """Who follows whom inside one process or subprocess, by sequence flows and attached boundary events."""
    following: dict[str, set[str]] = {}
    for flow in process.iterfind(f"{_B}sequenceFlow"):
        following.setdefault(flow.get("sourceRef", ""), set()).add(flow.get("targetRef", ""))
    for boundary in process.iterfind(f"{_B}boundaryEvent"):
        following.setdefault(boundary.get("attachedToRef", ""), set()).add(boundary.get("id", ""))
    return following


def _on_a_cycle(start: str, following: dict[str, set[str]]) -> bool:
    seen, stack = set(), list(following.get(start, ()))
    while stack:
        node = stack.pop()
        if node == start:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(following.get(node, ()))
    return False


def loop_timer_warnings(root: etree._Element, filename: str) -> list[DefinitionProblem]:
    found = []
    containers = [*root.iter(f"{_B}process"), *root.iter(f"{_B}subProcess")]
    for container in containers:
        following = _successors(container)
        for boundary in container.iterfind(f"{_B}boundaryEvent"):
            if boundary.find(f"{_B}timerEventDefinition") is None:
                continue
            task = boundary.get("attachedToRef", "")
            if _on_a_cycle(task, following):
                message = (
                    f"定时事件“{_name(boundary)}”挂在循环中的任务 {task} 上：每次退回重办都会重新计时"
                    "（催办会重复发送）；请把它放在包住循环的子流程上"
                )
                found.append(
                    DefinitionProblem(
                        message, filename, boundary.get("id", ""), boundary.sourceline, "warning", "timer"
                    )
                )
    return found


def gateway_warnings(root: etree._Element, filename: str) -> list[DefinitionProblem]:
    found = []
    for gateway in root.iter(f"{_B}exclusiveGateway"):
        gateway_id = gateway.get("id", "")
        outgoing = [f for f in root.iter(f"{_B}sequenceFlow") if f.get("sourceRef") == gateway_id]
        if len(outgoing) > 1 and not gateway.get("default"):
            message = f"排他网关“{_name(gateway)}”没有默认出线：条件都不满足时流程会停在异常"
            found.append(DefinitionProblem(message, filename, gateway_id, gateway.sourceline, "warning", "default"))
    return found


def problems(root: etree._Element, filename: str) -> list[DefinitionProblem]:
    return [
        *timer_problems(root, filename),
        *loop_timer_warnings(root, filename),
        *gateway_warnings(root, filename),
    ]
