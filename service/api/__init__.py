"""REST API v1 (flask-smorest): thin handlers that parse, call a use case, and dump."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from flask_smorest import Api

from service.http.errors import ErrorSchema
from service.http.request_limits import Int64Converter

API_PREFIX = "/api/v1"


class DubanApi(Api):  # type: ignore[misc]
    """Every operation's error responses are declared with the shape they really have: {error, message, details}.

    The OpenAPI document is built when it is first read (the docs page, /api/v1/openapi.json), not while the
    service starts: documenting ~90 paths took a third of a second or more of every start."""

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._undocumented: list[tuple[Any, str, Any]] = []  # (blueprint, name, parameters), in order
        self._documenting = threading.RLock()
        super().__init__(*args, **kwargs)

    @property
    def spec(self) -> Any:
        with self._documenting:
            pending, self._undocumented = self._undocumented, []
            for blp, name, parameters in pending:  # what flask-smorest's register_blueprint does at once
                blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
                self._spec.tag({"name": name, "description": blp.description})
            return self._spec

    @spec.setter
    def spec(self, value: Any) -> None:
        self._spec = value

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))


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
