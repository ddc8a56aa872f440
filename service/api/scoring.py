"""API: 考核评分."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("scoring", __name__, description="考核评分")
