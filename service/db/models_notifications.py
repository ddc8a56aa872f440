"""Notifications (in-app list) and the delivery outbox (email, webhooks)."""

from __future__ import annotations

from .models import Base  # noqa: F401 - tables of this area subclass Base
