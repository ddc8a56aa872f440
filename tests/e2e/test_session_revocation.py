"""Issue 9 (web and API): sessions are revoked on the server — at logout, on a password change, a reset
by the security administrator and when a user is disabled — and the session cookie is SameSite=Lax,
HttpOnly, and Secure when served over HTTPS (DUBAN_SECURE_COOKIES)."""

from __future__ import annotations

from typing import Any

from tests.access_helpers import HTML, NEWER, STRONG, bearer, create_user, csrf, session_cookie, sign_in, token_for


def _set_cookie(response: Any) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_session_cookie_replayed_after_logout_is_refused(app: Any, client: Any) -> None:
    assert sign_in(client, "dcs_wang").status_code == 302
    saved = session_cookie(client)
    assert client.get("/api/v1/tasks").status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf(client, "/inbox")}, headers=HTML).status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", saved)
    page = replay.get("/inbox", headers=HTML)
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert replay.get("/api/v1/tasks").status_code == 401


def test_cookie_has_samesite_lax(client: Any) -> None:
    header = _set_cookie(sign_in(client, "dcs_wang"))
    assert "SameSite=Lax" in header and "HttpOnly" in header
    assert "Secure" not in header  # plain http, DUBAN_SECURE_COOKIES=auto


def test_cookie_is_secure_when_served_over_https(client: Any) -> None:
    page = client.get("/login", headers=HTML, base_url="https://localhost")
    assert "Secure" in _set_cookie(page) and "SameSite=Lax" in _set_cookie(page)


def test_secure_cookies_setting_forces_the_flag_on_and_off(app: Any) -> None:
    try:
        app.config["DUBAN_SECURE_COOKIES"] = "1"
        assert "Secure" in _set_cookie(app.test_client().get("/login", headers=HTML))
        app.config["DUBAN_SECURE_COOKIES"] = "0"
        https = app.test_client().get("/login", headers=HTML, base_url="https://localhost")
        assert "Secure" not in _set_cookie(https)
    finally:
        app.config["DUBAN_SECURE_COOKIES"] = "auto"


def test_password_change_revokes_other_sessions_and_tokens(app: Any, client: Any, tokens: Any) -> None:
    create_user(client, tokens, "pwchange_user")
    token = token_for(client, "pwchange_user")
    other = app.test_client()
    assert sign_in(other, "pwchange_user", STRONG).status_code == 302
    assert sign_in(client, "pwchange_user", STRONG).status_code == 302
    form = {
        "csrf_token": csrf(client, "/password"),
        "current_password": STRONG,
        "new_password": NEWER,
        "confirm_password": NEWER,
    }
    assert client.post("/password", data=form, headers=HTML).status_code == 302
    assert client.get("/inbox", headers=HTML).status_code == 200  # this session stays
    assert other.get("/inbox", headers=HTML).headers["Location"].startswith("/login")  # the other one ended
    refused = client.get("/api/v1/tasks", headers=bearer(token))
    assert refused.status_code == 401 and refused.get_json()["error"] == "unauthorized"
    assert token_for(client, "pwchange_user", NEWER)


def test_security_admin_reset_revokes_sessions_and_tokens(app: Any, client: Any, tokens: Any) -> None:
    create_user(client, tokens, "reset_user")
    token = token_for(client, "reset_user")
    assert sign_in(client, "reset_user", STRONG).status_code == 302
    reset = app.test_client().post(
        "/api/v1/users/reset_user/password-reset",
        json={"password": "Temporary-Pw-42"},
        headers=bearer(tokens["anquan"]),
    )
    assert reset.status_code == 200 and reset.get_json()["must_change_password"] is True
    assert client.get("/inbox", headers=HTML).headers["Location"].startswith("/login")
    assert client.get("/api/v1/tasks", headers=bearer(token)).status_code == 401
    again = client.post("/api/v1/auth/token", json={"username": "reset_user", "password": "Temporary-Pw-42"})
    assert again.status_code == 403 and again.get_json()["error"] == "password_change_required"


def test_disabling_a_user_ends_their_sessions_and_tokens(app: Any, client: Any, tokens: Any) -> None:
    create_user(client, tokens, "disable_user")
    token = token_for(client, "disable_user")
    assert sign_in(client, "disable_user", STRONG).status_code == 302
    admin = bearer(tokens["anquan"])
    assert app.test_client().post("/api/v1/users/disable_user/disable", headers=admin).get_json()["active"] is False
    assert client.get("/inbox", headers=HTML).headers["Location"].startswith("/login")
    assert client.get("/api/v1/tasks", headers=bearer(token)).status_code == 401
    assert app.test_client().post("/api/v1/users/disable_user/enable", headers=admin).get_json()["active"] is True
    assert token_for(client, "disable_user")  # enabled again: signs in with the same password
