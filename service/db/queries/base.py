"""The one repository base: a repository is a view of the unit of work's session for one area."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


class Repository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: Any) -> None:
        self.session.add(obj)

    def flush(self) -> None:
        self.session.flush()

    def _page(
        self, stmt: Select[Any], order: Iterable[Any], offset: int, limit: int, *, rows: bool = False
    ) -> tuple[Sequence[Any], int]:
        """One page of a list: `stmt` in `order` from `offset` (ORM objects, or with `rows` the selected
        columns as rows), and the total of the whole list."""
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        paged = stmt.order_by(*order).offset(offset).limit(limit)
        found = self.session.execute(paged).all() if rows else self.session.scalars(paged).all()
        return found, total
