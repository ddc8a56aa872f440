"""Pages: bulletins."""

from __future__ import annotations

from . import bp  # noqa: F401 - routes are added to the web blueprint
