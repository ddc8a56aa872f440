"""Every script, condition, timer and `due` expression of a diagram, checked by the sandbox compiler.

Compiling never runs the text: RestrictedPython parses and rewrites it, so the cost is bounded by its
length (capped here) and a refusal is an exception, not a crash. Running stays in the engine process.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from lxml import etree

from service.engine import sandbox
from service.engine.messages import script_message, syntax_message

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
MAX_LENGTH = 65_536  # characters; a longer script is refused before it is parsed

Kind = Literal["script", "condition", "timer", "due"]
KINDS: tuple[Kind, ...] = ("script", "condition", "timer", "due")


@dataclass(frozen=True)
class Expression:
    element_id: str
    line: int | None
    kind: Kind
    text: str


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str = ""
    line: int | None = None  # within the text


def check(kind: Kind, text: str) -> Verdict:
    """The sandbox compiler's verdict on one field; scripts are statements, the rest expressions."""
    if len(text) > MAX_LENGTH:
        return Verdict(False, f"内容过长（超过 {MAX_LENGTH} 个字符）", None)
    if not text.strip():
        return Verdict(False, "内容为空", None)
    mode = "exec" if kind == "script" else "eval"
    try:
        sandbox.compile_only(text, mode)
    except SyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        return Verdict(False, f"第 {line or 1} 行：{syntax_message(str(exc.msg))}", line)
    except sandbox.ScriptRejected as exc:
        found = re.search(r"Line (\d+):", str(exc))
        line = int(found.group(1)) if found else None
        return Verdict(False, (f"第 {line} 行：" if line else "") + script_message(str(exc)), line)
    except (RecursionError, MemoryError, ValueError, OverflowError):
        return Verdict(False, "表达式过于复杂，无法检查", None)
    return Verdict(True)


def _text(node: etree._Element | None) -> str:
    return (node.text or "") if node is not None else ""


def _owner(node: etree._Element) -> etree._Element:
    """The nearest ancestor (or self) with an id: the element the problem is marked on."""
    current: etree._Element | None = node
    while current is not None and (not current.get("id") or str(current.tag).endswith("EventDefinition")):
        current = current.getparent()
    return current if current is not None else node


def expressions(root: etree._Element) -> Iterator[Expression]:
    """Each evaluated text of the file with the element it belongs to and its line."""

    def found(node: etree._Element, kind: Kind, text: str) -> Expression:
        owner = _owner(node)
        return Expression(owner.get("id", ""), node.sourceline, kind, text)

    for task in root.iter(f"{{{BPMN}}}scriptTask"):
        script = task.find(f"{{{BPMN}}}script")
        yield found(task if script is None else script, "script", _text(script))
    for tag in ("preScript", "postScript"):
        for script in root.iter(f"{{{SPIFF}}}{tag}"):
            if _text(script).strip():
                yield found(script, "script", _text(script))
    for tag in ("conditionExpression", "completionCondition", "loopCardinality", "condition"):
        for condition in root.iter(f"{{{BPMN}}}{tag}"):
            yield found(condition, "condition", _text(condition))
    for timer in root.iter(f"{{{BPMN}}}timerEventDefinition"):
        for tag in ("timeDuration", "timeDate", "timeCycle"):
            for when in timer.iterfind(f"{{{BPMN}}}{tag}"):
                yield found(when, "timer", _text(when))
    for prop in root.iter(f"{{{SPIFF}}}property"):
        if prop.get("name") == "due" and (prop.get("value") or "").strip():
            yield found(prop, "due", prop.get("value", ""))
