"""流程实例迁移 page (系统管理员): choose two versions, 试运行, then 迁移 and watch the job (issue 12 point 7).
The page calls the REST API (migrate.js); this view only renders the versions to choose from."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from service.access.principal import Principal
from service.instance_migration import jobs
from service.web import bp
from service.web.pages import page, services


@bp.get("/admin/processes/<string:key>/migrate")
@page
def migrate_page(principal: Principal, key: str) -> ResponseReturnValue:
    with services().uow() as uow:
        versions = jobs.versions(uow, principal, key)
    return render_template("web/migrate.html", key=key, versions=versions, active="admin")
