"""Issue 14 point 1: every API request finds its caller by the bearer token in one statement of plain rows
(`UserRepository.token_holder`). The principal it gives is the one the user's ORM object gives, and an unknown
or expired token, a disabled user and a user who must change their password are refused as before."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from service.access import authentication as auth
from service.access.principal import Principal
from service.errors import Unauthorized

# A unit's 联络员, the office, a county leader (no unit) and the security administrator.
USERS = ["fgj_ll", "dcs_li", "changwu", "anquan"]


@pytest.mark.parametrize("username", USERS)
def test_the_token_gives_the_users_unit_roles_and_position(services: Any, tokens: Any, username: str) -> None:
    token = tokens[username]
    with services.uow() as uow:
        now = services.ctx.now()
        found = auth.principal_for_token(uow, token, now)
        user = uow.users.by_username(username)
        assert user is not None
        assert found == Principal.of(user)
        assert found.roles  # every demo user holds a role; a join that lost them would give none


def test_a_user_without_roles_gets_an_empty_role_set(services: Any, tokens: Any) -> None:
    token = tokens["fgj_ll"]
    with services.uow() as uow:
        user = uow.users.by_username("fgj_ll")
        assert user is not None
        user.roles = []
        uow.session.flush()  # seen by the lookup in this transaction; rolled back when the block ends
        assert auth.principal_for_token(uow, token, services.ctx.now()).roles == frozenset()


def test_unknown_and_expired_tokens_are_refused(services: Any, tokens: Any) -> None:
    token = tokens["fgj_ll"]
    with services.uow() as uow:
        row = uow.users.token(auth._token_digest(token))
        assert row is not None
        with pytest.raises(Unauthorized):
            auth.principal_for_token(uow, token + "x", services.ctx.now())
        auth.principal_for_token(uow, token, row.expires_at - timedelta(seconds=1))
        with pytest.raises(Unauthorized):
            auth.principal_for_token(uow, token, row.expires_at)


def test_a_disabled_user_and_one_who_must_change_the_password_are_refused(services: Any, tokens: Any) -> None:
    token = tokens["dcs_li"]
    with services.uow() as uow:
        user = uow.users.by_username("dcs_li")
        assert user is not None
        user.must_change_password = True
        uow.session.flush()
        with pytest.raises(auth.PasswordChangeRequired):
            auth.principal_for_token(uow, token, services.ctx.now())
        user.must_change_password, user.active = False, False
        uow.session.flush()
        with pytest.raises(Unauthorized):
            auth.principal_for_token(uow, token, services.ctx.now())
