"""The one repository base: a repository is a view of the unit of work's session for one area."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


class Repository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: Any) -> None:
        self.session.add(obj)

    def flush(self) -> None:
        self.session.flush()
