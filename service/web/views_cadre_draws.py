"""The 轮训抽选 page: every draw with its seed, candidate list, result and re-run check; draw and void forms."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service.access.principal import Principal
from service.cadres import access, draws, present, records, vocabulary
from service.errors import Conflict, InvalidInput
from service.http.field_errors import joined_errors
from service.i18n import gettext
from service.web import bp
from service.web.pages import page, services


def _page(principal: Principal, errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    app = services()
    today = records.local_date(app.ctx.now())
    with app.uow() as uow:
        found = [present.draw_dict(d) for d in draws.list_draws(uow, principal)]
    body = render_template(
        "web/cadre_draws.html",
        active="cadres",
        draws=found,
        errors=errors,
        args=request.form if request.method == "POST" else request.args,
        current_half=vocabulary.half_of(today),
        may_draw=access.may_manage(principal),
    )
    return body, status


@bp.get("/cadres/draws")
@page
def cadre_draws(principal: Principal) -> ResponseReturnValue:
    return _page(principal, {})


@bp.post("/cadres/draws")
@page
def cadre_draw(principal: Principal) -> ResponseReturnValue:
    app = services()
    count = request.form.get("count", "")
    try:
        with app.uow() as uow:
            record = draws.draw(
                uow, principal, request.form.get("half", ""), int(count) if count.isdigit() else count, app.ctx.now()
            )
            drawn = "、".join(d["name"] for d in present.draw_dict(record)["drawn"])
    except InvalidInput as exc:
        return _page(principal, joined_errors(exc), 422)
    except Conflict as exc:
        flash(gettext(exc.message), "error")
        return redirect(url_for("web.cadre_draws"))
    flash(gettext("{half} 轮训抽选结果：{names}", half=record.half, names=drawn), "info")
    return redirect(url_for("web.cadre_draws"))


@bp.post("/cadres/draws/<int:draw_id>/void")
@page
def cadre_draw_void(principal: Principal, draw_id: int) -> ResponseReturnValue:
    app = services()
    try:
        with app.uow() as uow:
            draws.void(uow, principal, draw_id, request.form.get("reason", ""), app.ctx.now())
    except InvalidInput as exc:
        reason = "；".join(exc.details.get("errors", {}).get("reason", [exc.message]))
        return _page(principal, {f"reason-{draw_id}": reason}, 422)
    except Conflict as exc:
        flash(gettext(exc.message), "error")
    else:
        flash(gettext("已作废，该半年度可重新抽选"), "info")
    return redirect(url_for("web.cadre_draws"))
