"""SQL for the bulletin area."""

from __future__ import annotations

from sqlalchemy.orm import Session


class BulletinRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
