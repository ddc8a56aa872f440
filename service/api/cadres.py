"""API: 督查人员信息库."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("cadres", __name__, description="督查人员信息库")
