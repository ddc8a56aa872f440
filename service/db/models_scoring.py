"""考核 scoring rule sets."""

from __future__ import annotations

from .models import Base  # noqa: F401 - tables of this area subclass Base
