"""历史完整性 for auditors and the system administrator: a section on the item page and its own page,
the verification in words with a green or red mark, the digests that cover the instance, the export."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask.typing import ResponseReturnValue

from service.access.principal import Principal
from service.errors import NotFound
from service.history_integrity import checks
from service.process import digests, history, instances
from service.web import bp
from service.web.pages import page, services


def _check(principal: Principal, instance_id: int) -> history.Verification | None:
    """The verification for the item page's section; None for those who do not read it."""
    if not digests.may_read(principal):
        return None
    with services().uow() as uow:
        return checks.verify_one(uow, principal, instance_id)


@bp.app_context_processor
def _integrity_helpers() -> dict[str, Any]:
    return {"history_check": _check}


@bp.get("/items/<int:instance_id>/integrity")
@page
def item_integrity(principal: Principal, instance_id: int) -> ResponseReturnValue:
    if not digests.may_read(principal):
        raise NotFound(f"流程实例 {instance_id} 不存在")
    with services().uow() as uow:
        instance = instances.readable(uow, principal, instance_id)
        result = history.verify(uow, instance_id)
        proofs = digests.proofs(uow, instance_id)
        title, number = instance.title, instance.business_number
    return render_template(
        "web/integrity.html",
        instance_id=instance_id,
        title=title,
        number=number,
        result=result,
        proofs=proofs,
        active="ledger",
    )
