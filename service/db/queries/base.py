"""The one repository base: a repository is a view of the unit of work's session for one area."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Select, Table, func, inspect, select
from sqlalchemy.orm import Session

_T = TypeVar("_T")


def table_of(model: type[Any]) -> Table:
    """A model's plain table: statements on its columns skip the ORM's execution path (decision 0029)."""
    return cast(Table, model.__table__)


class Repository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: Any) -> None:
        self.session.add(obj)

    def flush(self) -> None:
        self.session.flush()

    def _get(self, entity: type[_T], by_id: Select[tuple[_T]], ident: Any) -> _T | None:
        """`session.get(entity, ident)`, with `by_id` (built once, its key the bound parameter `id`) for the
        SELECT: session.get builds its statement and cache key anew whenever it reads (when the session does
        not hold the object, or holds it expired, as after the read phase's transaction), which cost as much
        as the query (decision 0029). An object held and current is session.get's to return, without SQL."""
        held = self.session.identity_map.get(self.session.identity_key(entity, ident))
        if held is not None and not inspect(held).expired:
            return self.session.get(entity, ident)
        return self.session.scalars(by_id, {"id": ident}).first()

    def _page(
        self, stmt: Select[Any], order: Iterable[Any], offset: int, limit: int, *, rows: bool = False
    ) -> tuple[Sequence[Any], int]:
        """One page of a list: `stmt` in `order` from `offset` (ORM objects, or with `rows` the selected
        columns as rows), and the total of the whole list."""
        paged = stmt.order_by(*order).offset(offset).limit(limit)
        found = self.session.execute(paged).all() if rows else self.session.scalars(paged).all()
        if whole_list(found, offset, limit):
            return found, len(found)
        return found, self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def whole_list(found: Sequence[Any], offset: int, limit: int) -> bool:
    """A first page shorter than its limit is the whole list: its length is the total, no count needed."""
    return offset == 0 and len(found) < limit
