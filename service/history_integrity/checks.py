"""Verification of history chains for people: one instance (auditors, the administrator, anyone who reads
the instance), or every instance (the command line)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from service.access.principal import Principal
from service.db.session import UnitOfWork
from service.process import history, instances


def verify_one(uow: UnitOfWork, actor: Principal, instance_id: int) -> history.Verification:
    instances.readable(uow, actor, instance_id)
    return history.verify(uow, instance_id)


def verify_all(uow_factory: Callable[[], UnitOfWork]) -> Iterator[tuple[int, history.Verification]]:
    """Every instance's verification, one short transaction each (a long run does not hold a lock)."""
    with uow_factory() as uow:
        ids = list(uow.instances.all_ids())
    for instance_id in ids:
        with uow_factory() as uow:
            yield instance_id, history.verify(uow, instance_id)


def line(instance_id: int, result: history.Verification) -> str:
    mark = "一致" if result.ok else f"不一致（{result.problem}）"
    return f"{instance_id}\t{mark}\t{result.message}"
