"""督查人员信息库: supervision leaders (附件2), cadres (附件3), rotation draws (轮训抽选)."""

from __future__ import annotations

from .models import Base  # noqa: F401 - tables of this area subclass Base
