"""What may be moved and by whom, and what every step of a migration shares: the two versions, the
engine request, a refusal in the shape of the engine's plan."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.access.principal import Principal
from service.db.models import ProcessDefinition
from service.db.session import UnitOfWork
from service.engine.commands import EngineOutcome, EngineRequest, Operation
from service.errors import Forbidden, InvalidInput, NotFound

# What may be moved: a running instance, a suspended one (it stays suspended and is not advanced) and one
# in error (it stays in error; a retry then runs on the new version). Completed and withdrawn ones are not.
MOVABLE = ("running", "suspended", "error")
MAX_REASON = 500


def check_admin(actor: Principal) -> None:
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以迁移流程实例")


def source_and_target(uow: UnitOfWork, key: str, from_version: int, to_version: int) -> tuple[ProcessDefinition, ...]:
    if from_version == to_version:
        raise InvalidInput("源版本与目标版本相同", {"errors": {"to_version": ["须与源版本不同"]}})
    found = []
    for field_name, version in (("from_version", from_version), ("to_version", to_version)):
        definition = uow.definitions.version(key, version)
        if definition is None:
            raise NotFound(f"流程 {key} 第 {version} 版不存在", {"field": field_name})
        found.append(definition)
    return tuple(found)


def refusal(reason: str) -> dict[str, Any]:
    empty: list[Any] = []
    return {"can_move": False, "active": empty, "missing": [], "changed": [], "added": [], "removed": [],
            "reasons": [reason]}  # fmt: skip


def plan_of(outcome: EngineOutcome) -> dict[str, Any]:
    if outcome.plan is not None:
        return outcome.plan
    error = outcome.record.error
    return refusal(f"流程引擎未能判断：{error.message if error else '未知原因'}")


def engine_request(
    source_key: str, target_key: str, state: str, now: datetime, op: Operation, **kw: Any
) -> EngineRequest:
    return EngineRequest(op=op, cache_key=source_key, now=now, state=state, target_key=target_key, **kw)
