"""API: 通知（站内信）."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("notifications", __name__, description="通知（站内信）")
