"""Recording and reading 督查问责 referrals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service import notifications
from service.access.principal import AUDITOR, SUPERVISORS, Principal
from service.db.models.accountability import AccountabilityReferral
from service.db.models.ledger import co_unit_codes
from service.db.session import UnitOfWork
from service.errors import Forbidden, InvalidInput, NotFound
from service.process import history, instances, names
from service.process.context import ServiceContext

KINDS = ("推诿", "拒办", "弄虚作假", "失职")
EVENT = "accountability_recorded"


@dataclass(frozen=True)
class Referral:
    id: int
    instance_id: int
    business_number: str
    title: str
    unit_code: str
    kind: str
    facts: str
    outcome: str
    recorded_by: str
    recorded_at: datetime


def _text(errors: dict[str, list[str]], key: str, value: Any, limit: int, what: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        errors[key] = [f"请填写{what}"]
    elif len(text) > limit:
        errors[key] = [f"{what}不能超过 {limit} 字"]
    return text


def record(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Principal,
    instance_id: int,
    *,
    unit: Any,
    kind: Any,
    facts: Any,
    outcome: Any,
) -> Referral:
    if not actor.roles & SUPERVISORS:
        raise Forbidden("只有督查室可以记录督查问责")
    item = uow.instances.lock(instance_id)
    if item is None or item.process_key != names.SUPERVISION_ITEM:
        raise NotFound(f"督办事项 {instance_id} 不存在")
    row = uow.ledger.get(item.id)
    handling = [row.lead_unit, *co_unit_codes(row.co_units)] if row is not None else []
    errors: dict[str, list[str]] = {}
    if unit not in [u for u in handling if u]:
        errors["unit"] = ["只能是该事项的承办单位"]
    if kind not in KINDS:
        errors["kind"] = [f"问责情形只能是 {'、'.join(KINDS)}"]
    fact_text = _text(errors, "facts", facts, 4000, "问责事实")
    outcome_text = _text(errors, "outcome", outcome, 2000, "处理结果")
    if errors:
        raise InvalidInput("问责记录填写有误，请按提示修改", {"errors": errors})
    now = ctx.now()
    referral = AccountabilityReferral(instance_id=item.id, unit_code=str(unit), kind=str(kind), facts=fact_text,
                                      outcome=outcome_text, recorded_by=actor.username, recorded_at=now)  # fmt: skip
    uow.accountability.add(referral)
    uow.accountability.flush()
    history.append(uow, item.id, EVENT, actor.username, now, {"unit": unit, "kind": kind, "facts": fact_text,
                                                              "outcome": outcome_text})  # fmt: skip
    notifications.notify_unit(uow, ctx, unit_code=str(unit), kind="accountability", title=f"督查问责：{item.title}",
                              body=f"{kind}：{fact_text}（处理结果：{outcome_text}）", link=f"/items/{item.id}",
                              instance_id=item.id, now=now)  # fmt: skip
    found = Referral(referral.id, item.id, item.business_number, item.title, referral.unit_code, referral.kind,
                     referral.facts, referral.outcome, referral.recorded_by, referral.recorded_at)  # fmt: skip
    uow.commit()
    return found


def for_item(uow: UnitOfWork, actor: Principal, instance_id: int) -> list[Referral]:
    item = instances.readable(uow, actor, instance_id)
    return [
        Referral(
            r.id,
            item.id,
            item.business_number,
            item.title,
            r.unit_code,
            r.kind,
            r.facts,
            r.outcome,
            r.recorded_by,
            r.recorded_at,
        )  # fmt: skip
        for r in uow.accountability.for_instance(item.id)
        if actor.reads_every_item or r.unit_code == actor.staff_unit
    ]


def listing(
    uow: UnitOfWork, actor: Principal, *, unit: str | None = None, offset: int = 0, limit: int = 50
) -> tuple[Sequence[Referral], int]:
    """Newest first. The supervisors, the county leaders and the auditors see all; a unit's staff their own."""
    if not (actor.reads_every_item or AUDITOR in actor.roles):
        if actor.staff_unit is None:
            raise Forbidden("您无权查看督查问责记录")
        unit = actor.staff_unit
    rows, total = uow.accountability.page(offset, limit, unit)
    return [
        Referral(
            r.id, r.instance_id, number, title, r.unit_code, r.kind, r.facts, r.outcome, r.recorded_by, r.recorded_at
        )  # fmt: skip
        for r, number, title in rows
    ], total
