"""Bounds every request meets before a view runs, for the API and the pages alike.

- `<int:…>` in a URL is a signed 64-bit value (what the id columns hold); anything longer is no such
  resource (404), not a database overflow (500).
- A JSON body is at most 1 MB (413) and 64 levels deep (400); deeper would overflow the parser's stack.
  Start data has its own, narrower limits in the use case; these are the floor for every request.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter, Map

from service.errors import MalformedRequest, PayloadTooLarge

INT64_MAX = 2**63 - 1
MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64
TOO_LARGE = "请求内容过大（JSON 不超过 1 MB）"
TOO_DEEP = "JSON 嵌套层数过多（最多 64 层）"


def digits_at_most(limit: int) -> str:
    """A regex for the decimal numbers 0 … `limit`, so a bigger one never matches a route at all.

    Refusing it later in `to_python` is not enough: werkzeug then answers 405 when another route with
    the same path takes a different method.
    """
    text = str(limit)
    same_length = [f"{text[:i]}[0-{int(d) - 1}]\\d{{{len(text) - i - 1}}}" for i, d in enumerate(text) if d != "0"]
    return "(?:" + "|".join([f"\\d{{1,{len(text) - 1}}}", *same_length, text]) + ")"


class Int64Converter(IntegerConverter):
    """Flask's `int` converter for values a BIGINT column holds; a bigger id is no such resource (404)."""

    regex = digits_at_most(INT64_MAX)

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT64_MAX)
        super().__init__(map, *args, **kwargs)


def json_depth(value: Any) -> int:
    """How deep arrays and objects nest (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def check_json_body() -> None:
    if not request.is_json:
        return
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise PayloadTooLarge(TOO_LARGE, {"limit_bytes": MAX_JSON_BYTES})
    body = request.get_data(cache=True)  # the parser reads the same cached bytes afterwards
    if len(body) > MAX_JSON_BYTES:
        raise PayloadTooLarge(TOO_LARGE, {"limit_bytes": MAX_JSON_BYTES})
    try:
        too_deep = json_depth(json.loads(body)) > MAX_JSON_DEPTH
    except RecursionError:
        too_deep = True
    except json.JSONDecodeError:
        return  # malformed JSON: the argument parser answers 400 with its own message
    except ValueError:  # valid JSON the interpreter refuses to read, e.g. an int over 4,300 digits
        raise MalformedRequest("请求内容中有过大的数字，无法读取", {"body": ["数字过大"]}) from None
    if too_deep:
        raise MalformedRequest(TOO_DEEP, {"limit_depth": MAX_JSON_DEPTH})


def init_app(app: Flask) -> None:
    """Call before any blueprint is registered: routes pick their converters when they are added."""
    app.url_map.converters["int"] = Int64Converter
    app.before_request(check_json_body)
