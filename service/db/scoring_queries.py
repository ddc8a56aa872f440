"""SQL for the scoring area."""

from __future__ import annotations

from sqlalchemy.orm import Session


class ScoringRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
