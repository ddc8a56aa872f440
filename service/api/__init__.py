"""REST API v1 (flask-smorest): thin handlers that parse, call a use case, and dump."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api

from service.http.errors import ErrorSchema
from service.http.request_limits import Int64Converter

API_PREFIX = "/api/v1"


class DubanApi(Api):  # type: ignore[misc]
    """Every operation's error responses are declared with the shape they really have: {error, message, details}."""

    ERROR_SCHEMA = ErrorSchema


def init_api(app: Flask) -> Api:
    app.config.update(
        API_TITLE="duban 督查督办 API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        # Served by the app itself: government intranets have no internet (see service/api/docs_assets.py).
        OPENAPI_SWAGGER_UI_URL=f"{API_PREFIX}/docs-assets/",
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
        },
    )
    api = DubanApi(app)
    api.register_converter(Int64Converter, integer_path_parameter)
    from service.api import (
        access,
        accountability,
        attachments,
        bulletins,
        cadres,
        calendar,
        campaigns,
        definitions,
        docs_assets,
        drafts,
        extensions,
        instances,
        integrity,
        ledger,
        migrations,
        modeling,
        notifications,
        operations,
        organisation,
        replay,
        replay_check,
        scoring,
        session,
        stalls,
        tasks,
    )

    modules = (session, definitions, instances, tasks, organisation, attachments, drafts, ledger, calendar)
    issue4 = (notifications, bulletins, scoring, cadres, extensions)  # supervision rules
    issue9 = (access,)  # 三员分立: passwords, user management, audit log
    issue11 = (campaigns, accountability)  # Flow A: a campaign's rectification items, archives; 督查问责
    issue12 = (modeling, migrations, operations)  # process administration in the browser
    issue13 = (stalls, integrity, replay, replay_check)  # auditors: stalls, integrity and export, replay, re-run
    for module in (*modules, *issue4, *issue9, *issue11, *issue12, *issue13):
        api.register_blueprint(module.blp, url_prefix=API_PREFIX)
    app.register_blueprint(docs_assets.bp, url_prefix=API_PREFIX)
    docs_assets.replace_swagger_ui(app)
    return api


def integer_path_parameter(converter: Int64Converter) -> dict[str, Any]:
    """How an `<int:…>` path segment is documented: the bounds the converter enforces."""
    return {"type": "integer", "minimum": converter.min or 0, "maximum": converter.max}
