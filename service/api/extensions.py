"""API: 延期申请与催办."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("extensions", __name__, description="延期申请与催办")
