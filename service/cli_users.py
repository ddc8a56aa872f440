"""`duban user add|passwd`: accounts from the server's shell (the first 安全管理员 of a new install, a
forgotten password). Both go through 安全管理员's use cases with the actor "cli", so the password policy,
三员分立 and the audit log apply as they do on the pages."""

from __future__ import annotations

import argparse
import getpass
import sys

from service.access import user_admin
from service.access.principal import ROLES
from service.config import Settings
from service.errors import InvalidInput
from service.wiring import build_services


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码：")
    if getpass.getpass("再次输入密码：") != first:
        raise InvalidInput("两次输入的密码不一致", {"errors": {"password": ["两次输入的密码不一致"]}})
    return first


def cmd_user_add(args: argparse.Namespace) -> int:
    fields = {
        "username": args.username,
        "display_name": args.name,
        "roles": args.role,
        "unit": args.unit,
        "position": args.position,
        "email": args.email,
        "password": _password(args),
        "must_change_password": not args.no_change_required,
    }
    services = build_services(Settings())
    try:
        with services.uow() as uow:
            user = user_admin.create_user(uow, user_admin.CLI, services.ctx.now(), fields)
            print(
                f"已新建用户 {user.username}（{user.display_name}）"
                + ("，首次登录须修改密码" if user.must_change_password else "")
            )
    finally:
        services.close()
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:
    password = _password(args)
    services = build_services(Settings())
    try:
        with services.uow() as uow:
            user_admin.reset_password(
                uow,
                user_admin.CLI,
                services.ctx.now(),
                args.username,
                password,
                must_change=not args.no_change_required,
            )
        print(f"已重置 {args.username} 的密码；其全部登录和令牌已失效")
    finally:
        services.close()
    return 0


def _password_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）；否则交互输入")
    p.add_argument("--no-change-required", action="store_true", help="不要求下次登录修改密码")


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `user` command group."""
    users = sub.add_parser("user", help="用户账户（安全管理员的操作，审计记为 cli）").add_subparsers(
        dest="user_command", required=True
    )
    p = users.add_parser("add", help="新建用户")
    p.add_argument("username")
    p.add_argument("--name", required=True, help="姓名")
    p.add_argument("--role", action="append", required=True, choices=ROLES, help="角色（可重复）")
    p.add_argument("--unit", help="所属单位代码，如 xiayang")
    p.add_argument("--position", default="", choices=["", *user_admin.POSITIONS], help="职务")
    p.add_argument("--email")
    _password_options(p)
    p.set_defaults(func=cmd_user_add)
    p = users.add_parser("passwd", help="重置用户密码")
    p.add_argument("username")
    _password_options(p)
    p.set_defaults(func=cmd_user_passwd)
