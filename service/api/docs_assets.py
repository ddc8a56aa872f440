"""Swagger UI assets from the npm package `swagger-ui-dist`, served locally (no CDN)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory
from flask.typing import ResponseReturnValue

from service.config import ROOT

bp = Blueprint("docs_assets", __name__)
ASSETS = ROOT / "node_modules" / "swagger-ui-dist"


@bp.get("/docs-assets/<path:filename>")
def asset(filename: str) -> ResponseReturnValue:
    if not Path(ASSETS).is_dir():
        abort(404)
    return send_from_directory(ASSETS, filename)
