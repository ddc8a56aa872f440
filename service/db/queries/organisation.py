"""SQL of the organisation: users (with their roles and API tokens) and units."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, String, bindparam, func, literal, select

from service.db.models import ApiToken, Role, Unit, User, UserRole
from service.db.queries.base import Repository, table_of


@dataclass(frozen=True)
class TokenHolder:
    """Who an API token belongs to, as one statement reads it (every API request asks)."""

    expires_at: datetime
    username: str
    display_name: str
    active: bool
    must_change_password: bool
    unit_code: str | None
    position: str
    roles: frozenset[str]


# Built once, like every statement of a request's hot path: building a statement and its cache key costs
# more than SQLite running it (0.74 ms against 0.19 ms for this one; decision 0029).
_TOKENS, _USERS, _UNITS, _USER_ROLES, _ROLES = map(table_of, (ApiToken, User, Unit, UserRole, Role))
# On the tables, not the ORM attributes: a statement of plain columns then skips the ORM's execution path
# (0.19 -> 0.09 ms here, decision 0029); the columns keep their types, so the rows read the same.
_TOKEN_HOLDER = (
    select(
        _TOKENS.c.expires_at,
        _USERS.c.username,
        _USERS.c.display_name,
        _USERS.c.active,
        _USERS.c.must_change_password,
        _UNITS.c.code,
        _USERS.c.position,
        _ROLES.c.name,
    )
    .select_from(_TOKENS)
    .join(_USERS, _USERS.c.id == _TOKENS.c.user_id)
    .outerjoin(_UNITS, _UNITS.c.id == _USERS.c.unit_id)
    .outerjoin(_USER_ROLES, _USER_ROLES.c.user_id == _USERS.c.id)
    .outerjoin(_ROLES, _ROLES.c.id == _USER_ROLES.c.role_id)
    .where(_TOKENS.c.token_hash == bindparam("token_hash"))
)


class UserRepository(Repository):
    def by_username(self, username: str) -> User | None:
        return self.session.scalars(select(User).where(User.username == username)).first()

    def get(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def all(self) -> Sequence[User]:
        return self.session.scalars(select(User).order_by(User.id)).all()

    def in_unit(self, unit_code: str, position: str) -> Sequence[User]:
        """The active users of a unit holding a position (联络员, 负责人, …), oldest account first."""
        stmt = (
            select(User)
            .join(Unit, User.unit_id == Unit.id)
            .where(Unit.code == unit_code, User.position == position, User.active.is_(True))
            .order_by(User.id)
        )
        return self.session.scalars(stmt).all()

    def role(self, name: str) -> Role | None:
        return self.session.scalars(select(Role).where(Role.name == name)).first()

    def display_names(self) -> dict[str, str]:
        """username -> display name, for showing who did what."""
        return {u: n for u, n in self.session.execute(select(User.username, User.display_name))}

    def token(self, token_hash: str) -> ApiToken | None:
        return self.session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash)).first()

    def token_holder(self, token_hash: str) -> TokenHolder | None:
        """The token's expiry and its user with unit and roles, in one statement of plain rows (one per role):
        three ORM loads (token, user with unit, roles) took 1.2 ms of every request."""
        rows = self.session.execute(_TOKEN_HOLDER, {"token_hash": token_hash}).all()
        if not rows:
            return None
        first = rows[0]
        roles = frozenset(row[7] for row in rows if row[7] is not None)
        return TokenHolder(
            first[0], first[1], first[2], bool(first[3]), bool(first[4]), first[5], first[6] or "", roles
        )


_NAMES = select(Unit.code, Unit.name)  # built once: every 台账 projection with a unit task reads it


class UnitRepository(Repository):
    def by_code(self, code: str) -> Unit | None:
        return self.session.scalars(select(Unit).where(Unit.code == code)).first()

    def all(self) -> Sequence[Unit]:
        """Every unit, deactivated ones too, in the organisation's order."""
        return self.session.scalars(select(Unit).order_by(Unit.sort_order, Unit.id)).all()

    def active(self) -> Sequence[Unit]:
        """The units that may be offered and given new work."""
        stmt = select(Unit).where(Unit.active.is_(True)).order_by(Unit.sort_order, Unit.id)
        return self.session.scalars(stmt).all()

    def names(self) -> dict[str, str]:
        """code -> Chinese name, for showing units to people."""
        return {code: name for code, name in self.session.execute(_NAMES)}

    @staticmethod
    def spelled(pieces: Sequence[tuple[str, str | None]], limit: int) -> ColumnElement[str]:
        """SQL for a text of `pieces`, each its text then the name of its unit (the code when there is no
        such unit; nothing for None), cut to `limit` characters. A row's column set to it takes the names
        inside its own INSERT or UPDATE, without a query of its own."""
        text: ColumnElement[str] = literal("", String)
        for before, code in pieces:
            text = text + literal(before, String)
            if code is not None:
                name = select(Unit.name).where(Unit.code == literal(code, String)).scalar_subquery()
                text = text + func.coalesce(name, literal(code, String))
        return func.substr(text, 1, limit)
