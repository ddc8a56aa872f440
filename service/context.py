"""What every use case needs besides the unit of work: the engine, the clock, compiled definitions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from threading import Lock
from typing import Any

from service.db.models import ProcessDefinition, ProcessInstance
from service.db.session import UnitOfWork
from service.engine.parser import CompiledDefinition, compile_definition
from service.engine.runtime import ProcessEngine
from service.errors import NotFound
from service.notifications.config import NotifyConfig

# (uow, ctx, instance, its final data, who completed it)
CompletionHook = Callable[[UnitOfWork, "ServiceContext", ProcessInstance, dict[str, Any], str], None]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    engine: ProcessEngine
    clock: Callable[[], datetime] = system_clock
    notify_config: NotifyConfig = field(default_factory=NotifyConfig)  # email, webhooks, quiet hours
    # process key → called in the same transaction when an instance of it completes (see progress.persist)
    completion_hooks: dict[str, CompletionHook] = field(default_factory=dict)
    _compiled: dict[int, CompiledDefinition] = field(default_factory=dict)
    _lock: Lock = field(default_factory=Lock)

    def now(self) -> datetime:
        return self.clock()

    def definition_files(self, uow: UnitOfWork, definition: ProcessDefinition) -> dict[str, bytes]:
        """The definition's BPMN plus, transitively, the versions of the processes it calls."""
        files = {f"{definition.key}.bpmn": definition.bpmn_xml.encode("utf-8")}
        pending = list(definition.called_versions.items())
        while pending:
            key, version = pending.pop()
            if f"{key}.bpmn" in files:
                continue
            called = uow.definitions.version(key, version)
            if called is None:
                raise NotFound(f"被调用的流程 {key} 第 {version} 版不存在")
            files[f"{key}.bpmn"] = called.bpmn_xml.encode("utf-8")
            pending.extend(called.called_versions.items())
        return files

    def compiled(self, uow: UnitOfWork, definition: ProcessDefinition) -> CompiledDefinition:
        with self._lock:
            cached = self._compiled.get(definition.id)
        if cached is None:
            cached = compile_definition(self.definition_files(uow, definition))
            with self._lock:
                self._compiled[definition.id] = cached
        return cached

    def load_workflow(self, uow: UnitOfWork, instance: ProcessInstance) -> Any:
        """The instance's live engine workflow, its spec re-attached from the definition version."""
        return self.engine.load(self.compiled(uow, instance.definition), instance.state, str(instance.definition_id))
