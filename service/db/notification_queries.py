"""SQL for the notification area."""

from __future__ import annotations

from sqlalchemy.orm import Session


class NotificationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
