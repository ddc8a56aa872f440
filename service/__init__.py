"""duban — 督查督办 process service. `create_app` is the Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy.exc import OperationalError, ProgrammingError

from service.config import Settings
from service.wiring import Services, build_services


def create_app(settings: Settings | None = None, services: Services | None = None, *, warm: bool = True) -> Flask:
    """The application. `warm`: start the engine processes now (gunicorn's workers); `duban serve` starts
    them once it is listening, so they do not compete with its own start-up for the CPU."""
    services = services or build_services(settings)
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(
        SECRET_KEY=services.settings.secret_key,
        # Room for the multipart envelope, so a file just under the limit gets the clear 422 from the use case.
        MAX_CONTENT_LENGTH=services.settings.max_upload_bytes + 1024 * 1024,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["duban"] = services  # read back by service.http.services.current_services

    from service.api import init_api
    from service.http import request_limits, security_headers
    from service.http.errors import register_error_handlers
    from service.web import init_web

    _load_calendar(services)
    request_limits.init_app(app)  # before the blueprints: their routes take its `int` converter
    init_api(app)
    init_web(app)
    register_error_handlers(app)
    security_headers.init_app(app)
    _reads_do_not_queue(app)
    if warm:
        services.ctx.engines.warm()  # the engine processes start importing now, not on the first request
    return app


def _reads_do_not_queue(app: Flask) -> None:
    """A GET reads: on SQLite its transactions begin deferred and never wait for the writer."""
    from flask import request

    from service.db.session import prefer_reads

    @app.before_request
    def _mark() -> None:
        prefer_reads(request.method in ("GET", "HEAD", "OPTIONS"))


def _load_calendar(services: Services) -> None:
    """The working-day calendar, seeded on first start; before `duban db upgrade` weeks stay Monday–Friday."""
    from service.workdays import calendar

    try:
        calendar.ensure_loaded(services.uow)
    except (OperationalError, ProgrammingError):
        logging.getLogger(__name__).warning("工作日历表不存在，请先运行 duban db upgrade；暂按周一至周五计算")
