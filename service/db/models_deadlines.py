"""Item deadline changes: extensions (延期申请) and manual reminders (催办)."""

from __future__ import annotations

from .models import Base  # noqa: F401 - tables of this area subclass Base
