"""Feature: `duban user add` and `duban user passwd` on the server's shell, policy-checked and audited as
actor "cli" (issue 12 point 8)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from service import cli
from tests.access_helpers import bearer
from tests.conftest import own_database

services, app, tokens = own_database()


@pytest.fixture()
def shell(services: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`duban ...` on the tests' database, the password typed on standard input."""
    monkeypatch.setenv("DATABASE_URL", services.settings.database_url)
    monkeypatch.setenv("DUBAN_DATA_DIR", str(services.settings.data_dir))

    def run(argv: list[str], password: str) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
        return cli.main(argv)

    return run


def test_a_user_added_on_the_shell_must_change_the_password_first(client, tokens, shell, capsys):
    argv = ["user", "add", "cli_ll", "--name", "张三", "--role", "承办单位", "--unit", "xiayang"]
    assert shell([*argv, "--position", "联络员", "--password-stdin"], "Shell-Pass-2026") == 0
    assert "已新建用户 cli_ll" in capsys.readouterr().out
    user = client.get("/api/v1/users/cli_ll", headers=bearer(tokens["anquan"])).get_json()
    assert (user["display_name"], user["unit"], user["position"], user["must_change_password"]) == (
        "张三",
        "xiayang",
        "联络员",
        True,
    )
    refused = client.post("/api/v1/auth/token", json={"username": "cli_ll", "password": "Shell-Pass-2026"})
    assert refused.get_json()["error"] == "password_change_required"
    audit = client.get(
        "/api/v1/audit-log", query_string={"action": "user_created"}, headers=bearer(tokens["shenjiguan"])
    ).get_json()["items"]
    assert (audit[0]["actor"], audit[0]["target"]) == ("cli", "cli_ll")


def test_a_weak_password_or_a_bad_role_mix_is_refused_and_nothing_is_made(client, tokens, shell, capsys):
    assert shell(["user", "add", "cli_weak", "--name", "弱", "--role", "审计", "--password-stdin"], "123") == 2
    assert "密码策略" in capsys.readouterr().err
    argv = ["user", "add", "cli_two", "--name", "两员", "--role", "系统管理员", "--role", "安全管理员"]
    assert shell([*argv, "--password-stdin"], "Shell-Pass-2026") == 2
    assert "三员分立" in capsys.readouterr().err
    for name in ("cli_weak", "cli_two"):
        assert client.get(f"/api/v1/users/{name}", headers=bearer(tokens["anquan"])).status_code == 404


def test_passwd_sets_a_new_password_on_the_shell(client, tokens, shell, capsys):
    argv = ["user", "add", "cli_pw", "--name", "李四", "--role", "审计", "--password-stdin", "--no-change-required"]
    assert shell(argv, "Shell-Pass-2026") == 0
    assert (
        client.post("/api/v1/auth/token", json={"username": "cli_pw", "password": "Shell-Pass-2026"}).status_code == 200
    )
    assert shell(["user", "passwd", "cli_pw", "--password-stdin"], "Shell-Newer-2027") == 0
    assert "已重置 cli_pw 的密码" in capsys.readouterr().out
    old = client.post("/api/v1/auth/token", json={"username": "cli_pw", "password": "Shell-Pass-2026"})
    assert old.status_code == 401
    new = client.post("/api/v1/auth/token", json={"username": "cli_pw", "password": "Shell-Newer-2027"})
    assert new.get_json()["error"] == "password_change_required"
    assert shell(["user", "passwd", "nobody_here", "--password-stdin"], "Shell-Newer-2027") == 2
