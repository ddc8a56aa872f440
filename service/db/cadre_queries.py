"""SQL for the cadre area."""

from __future__ import annotations

from sqlalchemy.orm import Session


class CadreRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
