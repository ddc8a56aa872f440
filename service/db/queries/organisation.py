"""SQL of the organisation: users (with their roles and API tokens) and units."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from service.db.models import ApiToken, Role, Unit, User
from service.db.queries.base import Repository


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
        return {code: name for code, name in self.session.execute(select(Unit.code, Unit.name))}
