"""Helpers for the access tests: users made by the security administrator, browser sign-in."""

from __future__ import annotations

import re
from typing import Any

HTML = {"Accept": "text/html"}
STRONG = "Duban-Strong-2026"
NEWER = "Duban-Newer-2027!"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def csrf(client: Any, path: str = "/login") -> str:
    page = client.get(path, headers=HTML).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page) or re.search(
        r'name="csrf-token" content="([^"]+)"', page
    )
    assert match, page[:500]
    return match.group(1)


def sign_in(client: Any, username: str, password: str = "duban-demo") -> Any:
    data = {"csrf_token": csrf(client), "username": username, "password": password}
    return client.post("/login", data=data, headers=HTML)


def session_cookie(client: Any) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return str(cookie.value)


def create_user(
    client: Any, tokens: Any, username: str, roles: list[str] | None = None, unit: str | None = None
) -> None:
    """A new user made by 安全管理员 `anquan`, who has already set their own password (STRONG). By default
    an auditor: a role that acts on no task, so the new user changes nothing other tests count (whom a
    new task notifies, for one)."""
    body = {
        "username": username,
        "display_name": f"测试{username}",
        "password": "Initial-Pass-99",
        "roles": roles or ["审计"],
    }
    if unit:
        body["unit"] = unit
    created = client.post("/api/v1/users", json=body, headers=bearer(tokens["anquan"]))
    assert created.status_code == 201, created.get_json()
    changed = client.post(
        "/api/v1/auth/password",
        json={"username": username, "current_password": "Initial-Pass-99", "new_password": STRONG},
    )
    assert changed.status_code == 204, changed.get_json()


def token_for(client: Any, username: str, password: str = STRONG) -> str:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return str(response.get_json()["token"])
