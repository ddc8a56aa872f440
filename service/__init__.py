"""duban — 督查督办 process service. `create_app` is the Flask application factory."""

from __future__ import annotations

from flask import Flask, redirect
from flask.typing import ResponseReturnValue

from service.config import Settings
from service.wiring import Services, build_services


def create_app(settings: Settings | None = None, services: Services | None = None) -> Flask:
    services = services or build_services(settings)
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(
        SECRET_KEY=services.settings.secret_key,
        MAX_CONTENT_LENGTH=services.settings.max_upload_bytes,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["duban"] = services

    from service.api import init_api
    from service.api.errors import register_error_handlers

    init_api(app)
    register_error_handlers(app)

    @app.get("/")
    def index() -> ResponseReturnValue:
        # The web pages for staff come with the web-application issue; until then the API docs.
        return redirect("/api/v1/docs")

    return app
