"""Bounds on data a caller hands to the service as a JSON object (a flow's start data): size, nesting,
finite numbers, integer length. Checked without recursion, so no payload can exhaust the stack."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from service.errors import InvalidInput, PayloadTooLarge

MAX_BYTES = 1024 * 1024  # serialized as UTF-8 JSON
MAX_DEPTH = 32  # objects/arrays inside each other, the data object itself counted
MAX_INT_DIGITS = 4300  # CPython's own limit for int <-> str conversion
_INT_LIMIT = 10**MAX_INT_DIGITS

TOO_DEEP = f"嵌套层数超过 {MAX_DEPTH} 层"
NOT_FINITE = "数值必须是有限数（不接受 NaN 或 Infinity）"
TOO_LONG_INT = f"整数位数超过 {MAX_INT_DIGITS} 位"
NOT_JSON = "不是 JSON 数据（只接受对象、数组、字符串、数字、布尔值和 null）"
BAD_KEY = "对象的键必须是字符串"


def _problem(value: Any) -> str | None:
    """What is wrong with one scalar value, if anything."""
    if value is None or isinstance(value, bool | str):
        return None
    if isinstance(value, int):
        return TOO_LONG_INT if abs(value) >= _INT_LIMIT else None
    if isinstance(value, float):
        return None if math.isfinite(value) else NOT_FINITE
    return NOT_JSON


def _first_problem(value: Any, depth: int) -> str | None:
    """Walk one top-level value (at `depth`) breadth-first without recursion."""
    pending: list[tuple[Any, int]] = [(value, depth)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, Mapping | list | tuple):
            if level + 1 > MAX_DEPTH:
                return TOO_DEEP
            if isinstance(item, Mapping):
                if not all(isinstance(k, str) for k in item):
                    return BAD_KEY
                pending.extend((v, level + 1) for v in item.values())
            else:
                pending.extend((v, level + 1) for v in item)
        elif (found := _problem(item)) is not None:
            return found
    return None


def check(data: Any, what: str = "data") -> None:
    """InvalidInput (422) naming the offending top-level keys, or PayloadTooLarge (413)."""
    if not isinstance(data, Mapping):
        raise InvalidInput(f"{what} 必须是对象", {"errors": {what: ["必须是对象"]}})
    errors: dict[str, list[str]] = {}
    for key, value in data.items():
        if not isinstance(key, str):
            errors[str(key)] = [BAD_KEY]
        elif (found := _first_problem(value, 1)) is not None:
            errors[key] = [found]
    if errors:
        raise InvalidInput(f"{what} 中以下数据不被接受：{'、'.join(errors)}", {"errors": errors})
    size = len(json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8"))
    if size > MAX_BYTES:
        raise PayloadTooLarge(
            f"{what} 过大：{size} 字节，上限 {MAX_BYTES} 字节（1 MB）",
            {"errors": {what: [f"序列化后不能超过 {MAX_BYTES} 字节"]}},
        )
