"""What every use case needs besides the unit of work: the engine processes, the clock, definitions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Any

from service import workdays
from service.db.models import ProcessDefinition, ProcessInstance
from service.db.session import UnitOfWork
from service.engine.commands import EngineOutcome, EngineRequest, Operation
from service.engine.isolation import EnginePool
from service.errors import NotFound
from service.process.events import StepSaved

if TYPE_CHECKING:  # the core only carries it for the notifications; service/wiring.py fills it in
    from service.notifications.config import NotifyConfig

# A reaction to every saved engine step (service.process.events), called in the step's transaction.
Subscriber = Callable[[UnitOfWork, "ServiceContext", StepSaved], None]


@dataclass
class ServiceContext:
    engines: EnginePool
    # How notifications are delivered (email, webhooks, quiet hours): read by service.notifications only.
    notify_config: NotifyConfig
    clock: workdays.Clock = workdays.system_clock
    # What reacts to every saved engine step, in order (service/wiring.py composes and explains it).
    subscribers: Sequence[Subscriber] = ()
    # Where documents a subscriber makes during a step are kept (the data dir of service.config.Settings).
    data_dir: Path | None = None
    # How long a timer pass's claim on a due instance lasts (service.process.scheduler; DUBAN_TIMER_LEASE_SECONDS).
    timer_lease_seconds: float = 120.0
    _files: dict[int, Mapping[str, bytes]] = field(default_factory=dict)
    _forms: dict[int, Mapping[str, Any]] = field(default_factory=dict)
    _lock: Lock = field(default_factory=Lock)

    def now(self) -> datetime:
        return self.clock()

    def publish(self, uow: UnitOfWork, step: StepSaved) -> None:
        """Every subscriber, in order; one that fails stops the rest and fails the command."""
        for subscriber in self.subscribers:
            subscriber(uow, self, step)

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

    def files_of(self, uow: UnitOfWork, definition: ProcessDefinition) -> Mapping[str, bytes]:
        """`definition_files`, cached: a deployed version never changes."""
        return self._per_version(self._files, definition.id, lambda: self.definition_files(uow, definition))

    def forms_of(self, uow: UnitOfWork, definition_id: int) -> Mapping[str, Any]:
        """A deployed version's forms, decoded once per process (a version never changes). Shared by every
        command: read them, never change them."""
        return self._per_version(self._forms, definition_id, lambda: uow.definitions.forms(definition_id))

    def _per_version(self, store: dict[int, Any], definition_id: int, make: Callable[[], Any]) -> Any:
        """What `make` gives for a definition version, made once per process (two threads may both make it
        the first time; either result is the same)."""
        with self._lock:
            cached = store.get(definition_id)
        if cached is None:
            cached = make()
            with self._lock:
                store[definition_id] = cached
        return cached

    def run_engine(
        self, files: Mapping[str, bytes], request: EngineRequest, target_files: Mapping[str, bytes] | None = None
    ) -> EngineOutcome:
        """Run one engine command in an engine process (no database transaction should be open).
        The working-day calendar goes along, for the script helpers; `target_files` are the files of the
        version a "plan" or "migrate" moves the state to."""
        calendar = workdays.current()
        target = (lambda: target_files) if target_files is not None else None
        return self.engines.run(request, lambda: files, (calendar, calendar), target)

    def engine_command(
        self,
        uow: UnitOfWork,
        instance: ProcessInstance,
        *,
        op: Operation,
        now: datetime,
        data: dict[str, Any] | None = None,
        task_id: str | None = None,
        known_ready: frozenset[str] | None = None,
    ) -> tuple[Mapping[str, bytes], EngineRequest]:
        """What `run_engine` needs for a command on the instance's stored state, read in the read phase:
        the definition's files and the request (tasks already projected need no `due` again). A caller
        preparing many instances passes their ready task ids (`known_ready`), read for all in one query."""
        known = (
            known_ready
            if known_ready is not None
            else frozenset(t.id for t in uow.tasks.ready_for_instance(instance.id))
        )
        request = EngineRequest(
            op=op,
            cache_key=cache_key(instance.definition),
            now=now,
            state=instance.state,
            data=dict(data or {}),
            task_id=task_id,
            known_ready=known,
        )
        return self.files_of(uow, instance.definition), request


def cache_key(definition: ProcessDefinition) -> str:
    """Names a definition version's compiled spec in the engine processes: id and content, so two
    databases served by one process never share an entry."""
    return f"{definition.id}:{definition.sha256[:16]}"
