"""Browser libraries installed by npm (bpmn-js, form-js, Chart.js, the properties panel's CSS), served by the app:
intranets have no CDN.

Only the listed distribution folders are reachable, never the rest of node_modules.
"""

from __future__ import annotations

from flask import Blueprint, abort, send_from_directory
from flask.typing import ResponseReturnValue

from service.config import ROOT

bp = Blueprint("vendor", __name__)
PACKAGES = {
    "bpmn-js": ROOT / "node_modules" / "bpmn-js" / "dist",
    "form-js": ROOT / "node_modules" / "@bpmn-io" / "form-js" / "dist",
    "chart.js": ROOT / "node_modules" / "chart.js" / "dist",
    "properties-panel": ROOT / "node_modules" / "@bpmn-io" / "properties-panel" / "dist",  # the modeler's CSS
    "minimap": ROOT / "node_modules" / "diagram-js-minimap" / "assets",  # the modeler's overview, CSS only
}


@bp.get("/vendor/<package>/<path:filename>")
def asset(package: str, filename: str) -> ResponseReturnValue:
    folder = PACKAGES.get(package)
    if folder is None or not folder.is_dir():
        abort(404)
    response = send_from_directory(folder, filename, max_age=86400)
    return response
