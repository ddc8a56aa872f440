"""SQL for the notification area: who receives, the in-app list; the outbox is `.outbox`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from service.db.models import Role, Unit, User, UserRole
from service.db.models.notifications import Notification
from service.db.queries.base import table_of
from service.db.queries.batched import BatchedInserts
from service.db.queries.outbox import OutboxRepository


class Recipient(NamedTuple):
    username: str
    email: str | None
    display_name: str


_USERS, _UNITS, _USER_ROLES, _ROLES = map(table_of, (User, Unit, UserRole, Role))
# Plain table columns: these statements skip the ORM's execution path (decision 0029).
_RECIPIENT = (_USERS.c.username, _USERS.c.email, _USERS.c.display_name)
# Built once (every 催办 and 新待办 reads a unit's staff): its construction cost as much as the query.
_OF_UNIT = (
    select(*_RECIPIENT)
    .select_from(_USERS)
    .join(_UNITS, _UNITS.c.id == _USERS.c.unit_id)
    .where(_UNITS.c.code == bindparam("unit_code"), _USERS.c.active)
    .order_by(_USERS.c.username)
)


def _with_role_statement(*, of_unit: bool, of_position: bool) -> Any:
    stmt = (
        select(*_RECIPIENT)
        .select_from(_USERS)
        .join(_USER_ROLES, _USER_ROLES.c.user_id == _USERS.c.id)
        .join(_ROLES, _ROLES.c.id == _USER_ROLES.c.role_id)
        .where(_ROLES.c.name == bindparam("role"), _USERS.c.active)
    )
    if of_unit:
        stmt = stmt.join(_UNITS, _UNITS.c.id == _USERS.c.unit_id).where(_UNITS.c.code == bindparam("unit_code"))
    if of_position:
        stmt = stmt.where(_USERS.c.position == bindparam("position"))
    return stmt.order_by(_USERS.c.username)


# Built once (every new task's recipients): by whether a unit and a position narrow them.
_WITH_ROLE = {
    (of_unit, of_position): _with_role_statement(of_unit=of_unit, of_position=of_position)
    for of_unit in (False, True)
    for of_position in (False, True)
}


class NotificationRepository(BatchedInserts):
    table = Notification.__table__  # type: ignore[assignment]
    _staff: dict[str, list[Recipient]] | None = None  # inside `held`: each unit's staff, read once

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.outbox = OutboxRepository(session)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Several commands written as one transaction (service.db.queries.batched): their in-app and outbox
        rows go in by one INSERT each at the end, and a unit's staff is read once for them all."""
        with super().held(), self.outbox.held():
            outermost = self._staff is None
            if outermost:
                self._staff = {}
            try:
                yield
            finally:
                if outermost:
                    self._staff = None

    # --- recipients: active users ----------------------------------------------------------------
    def recipients(self, usernames: Iterable[str]) -> list[Recipient]:
        names = sorted(set(usernames))
        if not names:
            return []
        stmt = select(*_RECIPIENT).where(User.username.in_(names), User.active)
        return [Recipient(*row) for row in self.session.execute(stmt.order_by(User.username))]

    def with_role(self, role: str, unit_code: str | None = None, position: str | None = None) -> list[Recipient]:
        """Active users holding `role` (of unit `unit_code`, holding `position` in it, when given)."""
        stmt = _WITH_ROLE[unit_code is not None, bool(position)]
        params = {"role": role, "unit_code": unit_code, "position": position}
        return [Recipient(*row) for row in self.session.execute(stmt, params)]

    def of_unit(self, unit_code: str) -> list[Recipient]:
        if self._staff is not None and unit_code in self._staff:
            return list(self._staff[unit_code])
        found = [Recipient(*row) for row in self.session.execute(_OF_UNIT, {"unit_code": unit_code})]
        if self._staff is not None:
            self._staff[unit_code] = list(found)
        return found

    # --- the in-app list ----------------------------------------------------------------------
    def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        self._add_rows(rows)

    def listing(
        self, username: str, *, unread_only: bool, offset: int, limit: int
    ) -> tuple[Sequence[Notification], int]:
        self._before_read()
        where = [Notification.username == username]
        if unread_only:
            where.append(Notification.read_at.is_(None))
        return self._page(select(Notification).where(*where), (Notification.id.desc(),), offset, limit)

    def unread_count(self, username: str) -> int:
        self._before_read()
        stmt = select(func.count()).select_from(Notification)
        return int(
            self.session.scalar(stmt.where(Notification.username == username, Notification.read_at.is_(None))) or 0
        )

    def get_for(self, username: str, notification_id: int) -> Notification | None:
        self._before_read()
        stmt = select(Notification).where(Notification.id == notification_id, Notification.username == username)
        return self.session.scalars(stmt).first()

    def mark_all_read(self, username: str, now: datetime) -> int:
        self._before_read()
        stmt = (
            update(Notification)
            .where(Notification.username == username, Notification.read_at.is_(None))
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(self.session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]

    def for_instance(self, instance_id: int) -> Sequence[Notification]:
        self._before_read()
        stmt = select(Notification).where(Notification.instance_id == instance_id).order_by(Notification.id)
        return self.session.scalars(stmt).all()
