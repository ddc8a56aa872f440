"""Swagger UI from the npm package `swagger-ui-dist`, served locally (no CDN), started without inline script."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, render_template, send_from_directory, url_for
from flask.typing import ResponseReturnValue

from service.config import ROOT

bp = Blueprint("docs_assets", __name__)
ASSETS = ROOT / "node_modules" / "swagger-ui-dist"
SWAGGER_UI_ENDPOINT = "api-docs.openapi_swagger_ui"  # flask-smorest's page, whose template has inline script


@bp.get("/docs-assets/<path:filename>")
def asset(filename: str) -> ResponseReturnValue:
    if not Path(ASSETS).is_dir():
        abort(404)
    return send_from_directory(ASSETS, filename)


def swagger_ui() -> ResponseReturnValue:
    title = current_app.config["API_TITLE"]
    return render_template("web/api_docs.html", title=title, spec_url=url_for("api-docs.openapi_json"))


def replace_swagger_ui(app: Flask) -> None:
    """Serve flask-smorest's /docs route with our template (scripts from files only)."""
    if SWAGGER_UI_ENDPOINT in app.view_functions:
        app.view_functions[SWAGGER_UI_ENDPOINT] = swagger_ui
