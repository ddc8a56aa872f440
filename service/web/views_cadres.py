"""督查人员 pages: the list with the 人员标准 check, the 附件3 and 附件2 forms (plain POST forms with CSRF).

The forms call the same use cases as the API (service.cadres.records), so both validate alike; bad input
comes back next to its field with what was typed. The draws page lives in views_cadre_draws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service.access.principal import Principal
from service.cadres import access, present, records, vocabulary
from service.cadres.eligibility import Failure
from service.errors import Conflict, InvalidInput
from service.http.field_errors import joined_errors
from service.i18n import gettext
from service.web import bp
from service.web.pages import page, services

BLANK_DISCIPLINE_ROWS = 2
MIN_EVALUATION_ROWS = 3


@bp.app_template_filter("cadre_failure")
def cadre_failure(failure: Failure) -> str:
    return gettext(failure.template, **failure.values)


@bp.app_context_processor
def _cadre_nav() -> dict[str, Any]:
    return {"may_use_cadres": access.may_use, "may_see_draws": access.reads_all}


@bp.get("/cadres")
@page
def cadres(principal: Principal) -> ResponseReturnValue:
    app = services()
    unit = request.args.get("unit", "").strip()[:64] or None
    eligible = {"yes": True, "no": False}.get(request.args.get("eligible", ""))
    now = app.ctx.now()
    with app.uow() as uow:
        found = records.list_cadres(uow, principal, now, unit=unit, eligible=eligible)
        leaders = records.list_leaders(uow, principal, unit)
        units = uow.units.all()
    return render_template(
        "web/cadres.html",
        active="cadres",
        cadres=found,
        leaders=leaders,
        units=units,
        args=request.args,
        today=records.local_date(now),
        age_on=vocabulary.age_on,
        may_manage=access.may_manage(principal),
        own_unit=access.own_unit(principal),
    )


def _form_values() -> dict[str, Any]:
    """The posted form as the use cases take it (rows of 处分 and 年度考核 from parallel lists)."""
    form = request.form
    raw: dict[str, Any] = {k: v for k, v in form.items() if k != "csrf_token" and not k.startswith(("d_", "e_"))}
    raw["disciplines"] = [
        {"date": d, "kind": k, "issuer": i}
        for d, k, i in zip(form.getlist("d_date"), form.getlist("d_kind"), form.getlist("d_issuer"), strict=False)
    ]
    raw["evaluations"] = [
        {"year": y, "grade": g} for y, g in zip(form.getlist("e_year"), form.getlist("e_grade"), strict=False)
    ]
    return raw


def _filled(rows: Any) -> list[dict[str, Any]]:
    return [r for r in rows or [] if isinstance(r, dict) and any(str(v or "").strip() for v in r.values())]


def _with_blank_rows(values: dict[str, Any]) -> dict[str, Any]:
    """The rows entered, then a few empty ones to add more (a form posted back does not grow each time)."""
    disciplines, evaluations = _filled(values.get("disciplines")), _filled(values.get("evaluations"))
    disciplines += [{}] * BLANK_DISCIPLINE_ROWS
    evaluations += [{}] * max(MIN_EVALUATION_ROWS - len(evaluations), 1)
    return {**values, "disciplines": disciplines, "evaluations": evaluations}


def _save(
    action: Callable[[Any, dict[str, Any]], Any], render: Callable[..., ResponseReturnValue]
) -> ResponseReturnValue:
    """Run a create/update with the posted form; on bad input the form again, with the errors beside fields."""
    raw = _form_values()
    try:
        with services().uow() as uow:
            action(uow, raw)
    except InvalidInput as exc:
        errors = joined_errors(exc)
        return render(raw, errors, 422)
    except Conflict as exc:
        flash(gettext(exc.message), "error")
        return render(raw, {}, 409)
    flash(gettext("已保存"), "info")
    return redirect(url_for("web.cadres"))


def _render_form(
    principal: Principal, template: str, values: dict[str, Any], errors: dict[str, str], status: int, **extra: Any
) -> ResponseReturnValue:
    """A cadre (附件3) or leader (附件2) form page; writable by the office or the record's own unit."""
    with services().uow() as uow:
        units = uow.units.all()
    unit = values.get("unit") or access.own_unit(principal)
    may_write = access.may_manage(principal) or (unit is not None and unit == access.own_unit(principal))
    body = render_template(
        template,
        active="cadres",
        values=values,
        errors=errors,
        units=units,
        may_write=may_write,
        may_manage=access.may_manage(principal),
        vocab=vocabulary,
        **extra,
    )
    return body, status


def _render_cadre(
    principal: Principal, values: dict[str, Any], errors: dict[str, str], status: int, view: Any = None
) -> ResponseReturnValue:
    return _render_form(principal, "web/cadre_form.html", _with_blank_rows(values), errors, status, view=view)


@bp.route("/cadres/new", methods=["GET", "POST"])
@page
def cadre_new(principal: Principal) -> ResponseReturnValue:
    access.check_may_register(principal)
    app = services()

    def render(values: dict[str, Any], errors: dict[str, str], status: int) -> ResponseReturnValue:
        return _render_cadre(principal, values, errors, status)

    if request.method == "GET":
        return render({"unit": access.own_unit(principal) or ""}, {}, 200)
    return _save(lambda uow, raw: records.create_cadre(uow, principal, raw, app.ctx.now()), render)


@bp.route("/cadres/<int:cadre_id>", methods=["GET", "POST"])
@page
def cadre_edit(principal: Principal, cadre_id: int) -> ResponseReturnValue:
    app = services()
    now = app.ctx.now()
    with app.uow() as uow:
        view = records.cadre_view(uow, principal, cadre_id, now)
        stored = present.cadre_dict(view, records.local_date(now), uow.units.names())

    def render(values: dict[str, Any], errors: dict[str, str], status: int) -> ResponseReturnValue:
        return _render_cadre(principal, values, errors, status, view)

    if request.method == "GET":
        return render(stored, {}, 200)
    return _save(lambda uow, raw: records.update_cadre(uow, principal, cadre_id, raw, now), render)


@bp.post("/cadres/<int:cadre_id>/remove")
@page
def cadre_remove(principal: Principal, cadre_id: int) -> ResponseReturnValue:
    app = services()
    with app.uow() as uow:
        records.remove_cadre(uow, principal, cadre_id, app.ctx.now())
    flash(gettext("已移出信息库"), "info")
    return redirect(url_for("web.cadres"))


def _render_leader(
    principal: Principal, values: dict[str, Any], errors: dict[str, str], status: int, leader_id: int | None = None
) -> ResponseReturnValue:
    return _render_form(principal, "web/cadre_leader_form.html", values, errors, status, leader_id=leader_id)


@bp.route("/cadres/leaders/new", methods=["GET", "POST"])
@page
def leader_new(principal: Principal) -> ResponseReturnValue:
    access.check_may_register(principal)
    app = services()

    def render(values: dict[str, Any], errors: dict[str, str], status: int) -> ResponseReturnValue:
        return _render_leader(principal, values, errors, status)

    if request.method == "GET":
        return render({"unit": access.own_unit(principal) or ""}, {}, 200)
    return _save(lambda uow, raw: records.create_leader(uow, principal, raw, app.ctx.now()), render)


@bp.route("/cadres/leaders/<int:leader_id>", methods=["GET", "POST"])
@page
def leader_edit(principal: Principal, leader_id: int) -> ResponseReturnValue:
    app = services()
    now = app.ctx.now()
    with app.uow() as uow:
        leader = records.get_leader(uow, principal, leader_id)
        stored = present.leader_dict(leader, records.local_date(now), uow.units.names())

    def render(values: dict[str, Any], errors: dict[str, str], status: int) -> ResponseReturnValue:
        return _render_leader(principal, values, errors, status, leader_id)

    if request.method == "GET":
        return render(stored, {}, 200)
    return _save(lambda uow, raw: records.update_leader(uow, principal, leader_id, raw, now), render)


@bp.post("/cadres/leaders/<int:leader_id>/remove")
@page
def leader_remove(principal: Principal, leader_id: int) -> ResponseReturnValue:
    app = services()
    with app.uow() as uow:
        records.remove_leader(uow, principal, leader_id, app.ctx.now())
    flash(gettext("已移出信息库"), "info")
    return redirect(url_for("web.cadres"))


from service.web import views_cadre_draws  # noqa: E402, F401 - the draws page's routes
