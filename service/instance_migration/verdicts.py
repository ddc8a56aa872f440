"""The dry run: each movable instance's verdict, what a move would do (nothing is changed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from service.access.principal import Principal
from service.db.session import UnitOfWork
from service.instance_migration.rules import MOVABLE, check_admin, engine_request, plan_of, refusal, source_and_target
from service.process.context import ServiceContext, cache_key


@dataclass
class Verdict:
    instance_id: int
    business_number: str
    title: str
    status: str
    plan: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "instance_id": self.instance_id,
            "business_number": self.business_number,
            "title": self.title,
            "status": self.status,
            **self.plan,
        }


def dry_run(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Principal,
    key: str,
    from_version: int,
    to_version: int,
    instance_ids: Sequence[int] | None = None,
) -> tuple[int, int, list[Verdict]]:
    """(from version, to version, verdicts): each movable instance of `from_version` (or only
    `instance_ids`), with what a move would do. Changes nothing. The engine runs per instance with no
    transaction open."""
    check_admin(actor)
    uow.begin_read()
    source, target = source_and_target(uow, key, from_version, to_version)
    rows = uow.migrations.instances_on(source.id, MOVABLE, instance_ids)
    refs = [(r.id, r.business_number, r.title, r.status) for r in rows]
    files, target_files = ctx.files_of(uow, source), ctx.files_of(uow, target)
    source_key, target_key, source_id = cache_key(source), cache_key(target), source.id
    uow.end_read()
    verdicts = []
    for instance_id, number, title, status in refs:
        uow.begin_read()
        instance = uow.instances.get(instance_id)
        state = instance.state if instance is not None and instance.definition_id == source_id else None
        uow.release_loaded()
        uow.end_read()
        verdict = Verdict(instance_id, number, title, status)
        if state is None:
            verdict.plan = refusal(f"实例已不在第 {from_version} 版上")
        else:
            request = engine_request(source_key, target_key, state, ctx.now(), "plan")
            verdict.plan = plan_of(ctx.run_engine(files, request, target_files))
        verdicts.append(verdict)
    return from_version, to_version, verdicts
