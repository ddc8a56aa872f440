"""Engine errors carry context (file, element id, line) like SpiffWorkflow's own exceptions."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from service.errors import InvalidInput, ProcessError


@dataclass
class DefinitionProblem:
    message: str
    file: str = ""
    element_id: str = ""
    line: int | None = None

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
