"""REST API v1 (flask-smorest): thin handlers that parse, call a use case, and dump."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

API_PREFIX = "/api/v1"


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
    api = Api(app)
    from . import (
        attachments,
        bulletins,
        cadres,
        calendar,
        definitions,
        docs_assets,
        drafts,
        extensions,
        instances,
        ledger,
        notifications,
        organisation,
        scoring,
        session,
        tasks,
    )

    modules = (session, definitions, instances, tasks, organisation, attachments, drafts, ledger, calendar)
    issue4 = (notifications, bulletins, scoring, cadres, extensions)  # supervision rules
    for module in (*modules, *issue4):
        api.register_blueprint(module.blp, url_prefix=API_PREFIX)
    app.register_blueprint(docs_assets.bp, url_prefix=API_PREFIX)
    return api
