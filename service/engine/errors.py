"""Engine errors carry context (file, element id, line) like SpiffWorkflow's own exceptions."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from service.errors import InvalidInput, ProcessError


@dataclass
class DefinitionProblem:
    """One thing wrong with a diagram or form. `field` names the properties-panel entry it belongs to
    (formKey, lane, due, unit, script, condition, timer, startedBy, ...); warnings do not stop a deploy."""

    message: str
    file: str = ""
    element_id: str = ""
    line: int | None = None
    severity: str = "error"
    field: str = ""
    engine_text: str = ""  # the engine's own (English) words, for experts; the message is Chinese

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class DefinitionInvalid(InvalidInput):
    """A BPMN/form upload that cannot be deployed; `problems` says where."""

    code = "invalid_definition"

    def __init__(self, problems: list[DefinitionProblem]) -> None:
        self.problems = problems
        first = problems[0].message if problems else "invalid definition"
        super().__init__(f"流程定义有误：{first}", {"errors": [p.as_dict() for p in problems]})


class ExecutionFailed(ProcessError):
    """A script, condition or timer expression failed while the engine ran."""

    code = "execution_failed"

    def __init__(self, message: str, element_id: str = "", line: int | None = None) -> None:
        self.element_id = element_id
        self.line = line
        super().__init__(message, {"element_id": element_id, "line": line})


_ADDRESS = re.compile(r"<([\w.]+)(?: object)? at 0x[0-9a-fA-F]+>")
_KINDS = {
    "NameError": "变量未定义",
    "KeyError": "缺少数据",
    "TypeError": "类型错误",
    "ValueError": "取值错误",
    "ZeroDivisionError": "除数为零",
    "IndexError": "下标越界",
    "AttributeError": "属性不存在",
    "MemoryError": "内存超出限制",
    "RecursionError": "递归层数超出限制",
    "ScriptTimeout": "脚本运行超时",
    "ScriptRejected": "脚本不被允许",
    "WorkflowDataException": "流程数据缺失",
}


def _clean(text: str) -> str:
    """No memory addresses or object reprs in what users read."""
    return _ADDRESS.sub(lambda m: m.group(1).rsplit(".", 1)[-1], text)[:500]


def _original(exc: BaseException) -> BaseException:
    """The exception a SpiffWorkflow wrapper was raised for (it keeps it as the context)."""
    seen = {id(exc)}
    current = exc
    while True:
        inner = getattr(current, "error", None) or current.__cause__ or current.__context__
        if not isinstance(inner, BaseException) or id(inner) in seen:
            return current
        seen.add(id(inner))
        current = inner


def readable_error(exc: BaseException, element_name: str = "") -> str:
    """A Chinese message for an engine failure: the element, what went wrong, and the detail."""
    inner = _original(exc)
    kind = getattr(exc, "error_type", None) if inner is exc else inner.__class__.__name__
    kind = kind if isinstance(kind, str) and kind != "unknown" else inner.__class__.__name__
    detail = str(inner.args[0]) if inner.args else ""
    if isinstance(inner, NameError) and getattr(inner, "name", None):
        detail = f"变量 {inner.name} 未定义（流程数据中没有它）"
    elif isinstance(inner, KeyError):
        detail = f"数据项 {detail} 不存在"
    elif inner is exc and detail.startswith(f"{kind}:"):
        detail = detail[len(kind) + 1 :]
    label = _KINDS.get(kind, "执行出错")
    where = f"环节“{element_name}”" if element_name else "流程"
    return _clean(f"{where}{label}：{detail}" if detail else f"{where}{label}")
