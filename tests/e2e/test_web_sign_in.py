"""Feature: signing in to the web pages — CSRF-protected forms, lockout, timeout, language."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from service.db.models import User

HTML = {"Accept": "text/html"}


def _csrf(client: Any, path: str = "/login") -> str:
    page = client.get(path, headers=HTML).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page) or re.search(
        r'name="csrf-token" content="([^"]+)"', page
    )
    assert match, page[:500]
    return match.group(1)


def sign_in(client: Any, username: str, password: str = "duban-demo") -> Any:
    return client.post(
        "/login", data={"csrf_token": _csrf(client), "username": username, "password": password}, headers=HTML
    )


def test_signing_in_leads_to_the_inbox_and_signing_out_ends_the_session(client: Any) -> None:
    response = sign_in(client, "dcs_wang")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox")
    assert "待办" in client.get("/inbox", headers=HTML).get_data(as_text=True)
    token = _csrf(client, "/inbox")
    assert client.post("/logout", data={"csrf_token": token}, headers=HTML).status_code == 302
    assert client.get("/inbox", headers=HTML).headers["Location"].startswith("/login")


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(client: Any) -> None:
    client.get("/login", headers=HTML)
    response = client.post("/login", data={"username": "dcs_wang", "password": "duban-demo"}, headers=HTML)
    assert response.status_code == 403 and "CSRF" in response.get_data(as_text=True)
    assert client.get("/inbox", headers=HTML).status_code == 302  # still signed out


def test_the_api_accepts_the_session_only_with_the_csrf_header_for_changes(client: Any) -> None:
    sign_in(client, "dcs_wang")
    assert client.get("/api/v1/tasks").status_code == 200
    refused = client.post("/api/v1/process-instances", json={"process_key": "supervision_item", "data": {}})
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
    token = _csrf(client, "/inbox")
    started = client.post(
        "/api/v1/process-instances",
        json={"process_key": "supervision_item", "data": {}},
        headers={"X-CSRF-Token": token},
    )
    assert started.status_code == 201


def test_wrong_password_shows_a_message_and_five_failures_lock_the_account(client: Any, services: Any) -> None:
    response = sign_in(client, "jyj_fzr", "wrong")
    assert response.status_code == 401 and "用户名或密码错误" in response.get_data(as_text=True)
    for _ in range(4):
        sign_in(client, "jyj_fzr", "wrong")
    locked = sign_in(client, "jyj_fzr")  # the right password, too late
    assert locked.status_code == 401 and "锁定" in locked.get_data(as_text=True)
    with services.uow() as uow:  # unlock for other tests
        user = uow.session.query(User).filter_by(username="jyj_fzr").one()
        user.locked_until = None
        uow.commit()


def test_an_idle_session_times_out(client: Any) -> None:
    sign_in(client, "dcs_wang")
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 31 * 60
    response = client.get("/inbox", headers=HTML)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "登录已超时" in client.get(response.headers["Location"], headers=HTML).get_data(as_text=True)
    assert client.get("/api/v1/tasks").status_code == 401


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_sign_in_never_redirects_to_another_site(client: Any, target: str) -> None:
    token = _csrf(client)
    response = client.post(
        "/login",
        data={"csrf_token": token, "username": "dcs_wang", "password": "duban-demo", "next": target},
        headers=HTML,
    )
    assert response.headers["Location"] == "/inbox"


def test_pages_are_chinese_by_default_and_english_on_request(client: Any) -> None:
    sign_in(client, "dcs_wang")
    assert "待办" in client.get("/inbox", headers=HTML).get_data(as_text=True)
    client.get("/lang/en?next=/inbox")
    english = client.get("/inbox", headers=HTML).get_data(as_text=True)
    assert "To do" in english and 'lang="en"' in english
    client.get("/lang/zh")


def test_browser_errors_are_pages_and_api_errors_stay_json(client: Any) -> None:
    sign_in(client, "dcs_wang")
    page = client.get("/items/99999999", headers=HTML)
    assert page.status_code == 404 and page.mimetype == "text/html" and "不存在" in page.get_data(as_text=True)
    api = client.get("/api/v1/process-instances/99999999", headers=HTML)
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"
