"""Users, units and roles: listing, and loading the demo organisation."""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources

from service.access import user_admin
from service.access.authentication import hash_password
from service.access.password_policy import DEMO_PASSWORD
from service.access.principal import ROLES, UNIT_LANE, Principal
from service.db.models import Role, Unit, User
from service.db.session import UnitOfWork

__all__ = ["DEMO_PASSWORD", "ensure_roles", "list_units", "list_users", "load_demo"]


def list_users(uow: UnitOfWork, actor: Principal) -> Sequence[User]:
    return user_admin.list_users(uow, actor)


def list_units(uow: UnitOfWork) -> Sequence[Unit]:
    return uow.units.all()


def ensure_roles(uow: UnitOfWork) -> dict[str, Role]:
    roles = {}
    for name in ROLES:
        role = uow.users.role(name)
        if role is None:
            role = Role(name=name)
            uow.users.add(role)
        roles[name] = role
    uow.users.flush()
    return roles


def load_demo(uow: UnitOfWork, password: str = DEMO_PASSWORD, *, must_change_password: bool = False) -> list[User]:
    """Create the demo organisation and commit (idempotent: existing usernames and unit codes are kept).

    Demo users share the demo password; outside demo mode (`duban demo` without DUBAN_DEMO_MODE=1) they
    are created with `must_change_password`, and the demo password is refused for work anyway."""
    spec = json.loads(resources.files("service.demo").joinpath("organisation.json").read_text("utf-8"))
    roles = ensure_roles(uow)
    units: dict[str, Unit] = {}
    for u in spec["units"]:
        unit = uow.units.by_code(u["code"]) or Unit(code=u["code"], name=u["name"], kind=u["kind"])
        uow.units.add(unit)
        units[u["code"]] = unit
    uow.units.flush()
    password_hash = hash_password(password)  # one hash for all demo users: hashing is slow on purpose
    people = list(spec["users"])
    for code, unit in units.items():
        if unit.kind == "县政府办":
            continue
        for position, suffix in spec["unit_staff"].items():
            people.append(
                {
                    "username": f"{code}_{suffix}",
                    "display_name": f"{unit.name}{position}",
                    "roles": [UNIT_LANE],
                    "unit": code,
                    "position": position,
                }
            )
    created = []
    for p in people:
        email = p.get("email") or f"{p['username']}@duban.local"  # demo addresses, for notifications
        existing = uow.users.by_username(p["username"])
        if existing is not None:
            existing.email = existing.email or email  # demo databases made before users had addresses
            continue
        user = User(
            username=p["username"],
            display_name=p["display_name"],
            password_hash=password_hash,
            unit=units.get(p.get("unit", "")),
            position=p.get("position", ""),
            email=email,
            active=True,
            failed_logins=0,
            must_change_password=must_change_password,
        )
        user.roles = [roles[r] for r in p["roles"]]
        uow.users.add(user)
        created.append(user)
    uow.users.flush()
    uow.commit()
    return created
