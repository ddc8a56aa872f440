"""Issue 9 (三员分立): a password policy on every new password, with field errors in Chinese; the demo
password works only in demo mode — elsewhere the first sign-in leads to changing it (API: 403)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from service.access.authentication import hash_password
from service.db.models import User
from tests.access_helpers import HTML, STRONG, bearer, create_user, csrf, sign_in, token_for

WEAK = {
    "short1A!": "密码至少 10 个字符",
    "alllowercase": "密码须包含小写字母、大写字母、数字、符号中的至少三类",
    "Policy_user-99": "密码不能包含用户名",
    "Xduban-demo1": "不能使用演示密码",
}


@pytest.mark.parametrize(("password", "message"), list(WEAK.items()))
def test_weak_passwords_are_refused_with_chinese_field_errors(
    client: Any, tokens: Any, password: str, message: str
) -> None:
    body = {"username": "policy_user", "display_name": "策略", "password": password, "roles": ["督查室"]}
    response = client.post("/api/v1/users", json=body, headers=bearer(tokens["anquan"]))
    assert response.status_code == 422
    assert message in response.get_json()["details"]["errors"]["password"]
    assert set(response.get_json()) >= {"error", "message", "details"}


def test_a_new_user_must_change_the_initial_password_first(client: Any, tokens: Any) -> None:
    body = {"username": "first_signin", "display_name": "首次", "password": "Initial-Pass-99", "roles": ["督查室"]}
    assert client.post("/api/v1/users", json=body, headers=bearer(tokens["anquan"])).status_code == 201
    refused = client.post("/api/v1/auth/token", json={"username": "first_signin", "password": "Initial-Pass-99"})
    assert refused.status_code == 403 and refused.get_json()["error"] == "password_change_required"
    signed_in = sign_in(client, "first_signin", "Initial-Pass-99")
    assert signed_in.status_code == 302 and signed_in.headers["Location"].startswith("/password")
    assert client.get("/inbox", headers=HTML).headers["Location"].startswith("/password")
    assert client.get("/api/v1/tasks").get_json()["error"] == "password_change_required"
    weak = {"csrf_token": csrf(client, "/password"), "current_password": "Initial-Pass-99"}
    page = client.post("/password", data={**weak, "new_password": "short", "confirm_password": "short"}, headers=HTML)
    assert page.status_code == 422 and "密码至少 10 个字符" in page.get_data(as_text=True)
    done = client.post("/password", data={**weak, "new_password": STRONG, "confirm_password": STRONG}, headers=HTML)
    assert done.status_code == 302
    assert client.get("/inbox", headers=HTML).status_code == 200
    assert token_for(client, "first_signin")


@pytest.fixture()
def production_mode(services: Any) -> Iterator[None]:
    services.settings.demo_mode = False
    try:
        yield
    finally:
        services.settings.demo_mode = True


@pytest.fixture()
def demo_password_user(services: Any) -> str:
    """A user whose password is still the demo password (as `duban demo` leaves them)."""
    with services.uow() as uow:
        unit = uow.units.by_code("dcs")
        user = User(
            username="still_demo",
            display_name="演示密码用户",
            password_hash=hash_password("duban-demo"),
            unit=unit,
            active=True,
            failed_logins=0,
        )
        user.roles = [uow.users.role("督查室")]  # type: ignore[list-item]
        uow.users.add(user)
        uow.commit()
    return "still_demo"


def test_demo_password_is_refused_outside_demo_mode_until_changed(
    client: Any, production_mode: None, demo_password_user: str
) -> None:
    refused = client.post("/api/v1/auth/token", json={"username": demo_password_user, "password": "duban-demo"})
    assert refused.status_code == 403 and refused.get_json()["error"] == "password_change_required"
    signed_in = sign_in(client, demo_password_user)
    assert signed_in.headers["Location"].startswith("/password")
    assert client.get("/ledger", headers=HTML).headers["Location"].startswith("/password")
    changed = client.post(
        "/api/v1/auth/password",
        json={"username": demo_password_user, "current_password": "duban-demo", "new_password": "duban-demo"},
    )
    assert changed.status_code == 422 and "不能使用演示密码" in changed.get_json()["details"]["errors"]["new_password"]
    changed = client.post(
        "/api/v1/auth/password",
        json={"username": demo_password_user, "current_password": "duban-demo", "new_password": STRONG},
    )
    assert changed.status_code == 204
    assert client.get("/inbox", headers=HTML).headers["Location"].startswith("/login")  # sessions ended
    assert token_for(client, demo_password_user)


def test_demo_password_works_in_demo_mode(client: Any, services: Any) -> None:
    assert services.settings.demo_mode is True
    assert sign_in(client, "dcs_li").headers["Location"].endswith("/inbox")


def test_changing_the_password_needs_the_current_one(client: Any, tokens: Any) -> None:
    create_user(client, tokens, "wrong_current")
    response = client.post(
        "/api/v1/auth/password",
        json={"username": "wrong_current", "current_password": "not-it", "new_password": "Another-Pass-88"},
    )
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
