"""系统管理员's process pages: the list of flows, the modeler, the form editor and the versions (审计 reads those).

The pages are shells: their scripts (bundled from service/web/assets/ by scripts/setup.sh) read and write
through /api/v1/process-definitions, whose use cases check the caller again.
"""

from __future__ import annotations

import re

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service.access.principal import AUDITOR, LANE_ROLES, LANES, Principal
from service.errors import Forbidden, NotFound
from service.web import bp
from service.web.pages import page

KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")


def _admin_only(principal: Principal) -> None:
    if not principal.is_admin:
        raise Forbidden("只有系统管理员可以管理流程")


def _checked(key: str) -> str:
    if not KEY.match(key):
        raise NotFound("流程不存在")
    return key


@bp.get("/admin")
@page
def admin_index(principal: Principal) -> ResponseReturnValue:
    _admin_only(principal)
    return render_template("web/admin_index.html", active="admin")


@bp.get("/definitions")
@bp.get("/modeler")
@page
def admin_shortcut(principal: Principal) -> ResponseReturnValue:
    """The addresses other BPMN products use lead the administrator to the process list."""
    _admin_only(principal)
    return redirect(url_for("web.admin_index"))


@bp.get("/admin/processes/<key>")
@page
def admin_modeler(principal: Principal, key: str) -> ResponseReturnValue:
    _admin_only(principal)
    lanes = {"lanes": list(LANES), "roles": list(LANE_ROLES)}
    return render_template("web/admin_modeler.html", active="admin", key=_checked(key), **lanes)


@bp.get("/admin/forms/<form_key>")
@page
def admin_form_editor(principal: Principal, form_key: str) -> ResponseReturnValue:
    _admin_only(principal)
    process = request.args.get("process", "")
    return render_template(
        "web/admin_form.html", active="admin", form_key=_checked(form_key), process=_checked(process) if process else ""
    )


@bp.get("/admin/processes/<key>/versions")
@page
def admin_versions(principal: Principal, key: str) -> ResponseReturnValue:
    if not (principal.is_admin or AUDITOR in principal.roles):
        raise Forbidden("只有系统管理员和审计可以查看流程版本")
    return render_template("web/admin_versions.html", active="admin", key=_checked(key), may_edit=principal.is_admin)
