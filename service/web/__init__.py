"""Server-rendered pages for staff (Jinja2, Chinese by default) and the JS/CSS they need, all served locally."""

from __future__ import annotations

from flask import Blueprint, Flask, request

from service import i18n
from service.access import audit_log
from service.http import cookies, sessions
from service.process import names
from service.web import filters

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static/web")


def init_web(app: Flask) -> None:
    from service.web import (  # noqa: F401 - routes
        vendor,
        views_accountability,
        views_admin,
        views_audit,
        views_auth,
        views_bulletins,
        views_cadres,
        views_calendar,
        views_deadlines,
        views_inbox,
        views_integrity,
        views_items,
        views_ledger,
        views_migration,
        views_notifications,
        views_operations,
        views_organisation,
        views_replay,
        views_scoring,
        views_security,
        views_stalls,
        views_tasks,
    )

    app.register_blueprint(bp)
    app.register_blueprint(vendor.bp)
    app.jinja_env.globals.update(_=i18n.gettext, csrf_token=sessions.csrf_token, languages=i18n.LANGUAGES)
    app.jinja_env.globals["current_language"] = i18n.current_language
    app.jinja_env.globals["SUPERVISION_ITEM"] = names.SUPERVISION_ITEM  # the item page's 文书 card
    filters.register(app)
    cookies.configure(app, app.extensions["duban"].settings.secure_cookies)
    app.before_request(lambda: audit_log.set_origin(request.remote_addr))  # the audit log's client address
