"""The password policy (等保 2.0 level 3 复杂度): at least 10 characters, at least three of the four
classes (lower case, upper case, digits, symbols), not the username, not the demo password."""

from __future__ import annotations

from service.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 128
MIN_CLASSES = 3
DEMO_PASSWORD = "duban-demo"


def _classes(password: str) -> int:
    lower = any(c.islower() and c.isascii() for c in password)
    upper = any(c.isupper() and c.isascii() for c in password)
    digit = any(c.isdigit() for c in password)
    symbol = any(not c.isalnum() or not c.isascii() for c in password)
    return sum((lower, upper, digit, symbol))


def problems(password: str, username: str) -> list[str]:
    """What is wrong with a new password, in Chinese; empty when it is acceptable."""
    found = []
    if len(password) < MIN_LENGTH:
        found.append(f"密码至少 {MIN_LENGTH} 个字符")
    if len(password) > MAX_LENGTH:
        found.append(f"密码最多 {MAX_LENGTH} 个字符")
    if _classes(password) < MIN_CLASSES:
        found.append("密码须包含小写字母、大写字母、数字、符号中的至少三类")
    lowered = password.lower()
    if username and username.lower() in lowered:
        found.append("密码不能包含用户名")
    if DEMO_PASSWORD in lowered:
        found.append("不能使用演示密码")
    return found


def check(password: str, username: str, field: str = "new_password") -> None:
    """InvalidInput with the problems as field errors of `field`."""
    found = problems(password, username)
    if found:
        raise InvalidInput("新密码不符合密码策略：" + "；".join(found), {"errors": {field: found}})
