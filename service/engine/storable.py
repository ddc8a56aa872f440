"""What a script may leave in the task data: values the instance state can be saved with.

A set, a range, a complex number, an int over Python's 4,300-digit str limit, NaN or a list that
contains itself would pass the script and then fail when the state is serialized — after the user's
submission, leaving the instance stuck. Checking here makes it the script's error, at its element.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import Any

MAX_DEPTH = 32
MAX_NODES = 1_000_000
MAX_INT_BITS = 13_000  # about 3,900 decimal digits: below the interpreter's 4,300-digit str() limit
_SCALARS = (str, bool, type(None), date, datetime, time, timedelta)
_TYPE_WORDS = {"set": "集合", "frozenset": "集合", "range": "range 对象", "complex": "复数", "bytes": "字节串"}


class NotStorable(ValueError):
    """A value the instance state cannot hold."""


def check_storable(name: str, value: Any) -> None:
    """Raise NotStorable (Chinese message naming the variable) unless `value` can be saved."""
    nodes = 0
    path: set[int] = set()

    def walk(item: Any, depth: int) -> None:
        nonlocal nodes
        nodes += 1
        if nodes > MAX_NODES:
            raise NotStorable(f"变量 {name} 过大（超过 {MAX_NODES} 个元素），无法保存")
        if isinstance(item, _SCALARS):
            return
        if isinstance(item, int):
            if item.bit_length() > MAX_INT_BITS:
                raise NotStorable(f"变量 {name} 中的整数过大，无法保存")
            return
        if isinstance(item, float):
            if not math.isfinite(item):
                raise NotStorable(f"变量 {name} 中有非有限数（NaN 或无穷大），无法保存")
            return
        if depth >= MAX_DEPTH:
            raise NotStorable(f"变量 {name} 嵌套超过 {MAX_DEPTH} 层，无法保存")
        if isinstance(item, list | tuple | dict):
            if id(item) in path:
                raise NotStorable(f"变量 {name} 引用了自身，无法保存")
            path.add(id(item))
            if isinstance(item, dict):
                for key, inner in item.items():
                    if not isinstance(key, str | int | float | bool) and key is not None:
                        raise NotStorable(f"变量 {name} 的字典键只能是文本或数字")
                    walk(inner, depth + 1)
            else:
                for inner in item:
                    walk(inner, depth + 1)
            path.discard(id(item))
            return
        kind = type(item).__name__
        raise NotStorable(f"变量 {name} 的值是{_TYPE_WORDS.get(kind, kind)}，只能保存文本、数字、真假、列表或字典")

    walk(value, 0)
