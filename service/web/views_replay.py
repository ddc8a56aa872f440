"""回放 page (issue 13 point 1): an instance's history step by step on its diagram. The page reads the
steps from the REST API page by page (replay.js); this view renders the diagram and how many steps there are."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from service.access.principal import Principal
from service.i18n import gettext
from service.process import replay
from service.web import bp, filters
from service.web.pages import page, services


@bp.get("/items/<int:instance_id>/replay")
@page
def item_replay(principal: Principal, instance_id: int) -> ResponseReturnValue:
    with services().uow() as uow:
        first = replay.replay(
            uow, principal, instance_id, 0, 1, now=services().ctx.now()
        )  # who may read it, how many steps
        instance = first.instance
        info = {
            "instance_id": instance.id,
            "xml": instance.definition.bpmn_xml,
            "total": first.total,
            "page": 100,
        }
        statuses = {k: gettext(v) for k, v in filters.STATUS_WORDS.items()}
        return render_template("web/replay.html", instance=instance, info=info, statuses=statuses, active="ledger")
