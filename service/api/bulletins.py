"""API: 督查通报与文书."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("bulletins", __name__, description="督查通报与文书")
