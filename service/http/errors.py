"""Every error leaves in one place: JSON {error, message, details} with the right status for the API and
API clients, a page with the same message for browsers (401 becomes the sign-in page)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, redirect, render_template, request, url_for
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from service.errors import DubanError
from service.i18n import gettext

log = logging.getLogger(__name__)

_MESSAGES = {
    400: "请求格式不正确",
    401: "请先登录",
    403: "没有权限",
    404: "资源不存在",
    405: "不支持该请求方法",
    409: "状态冲突",
    413: "上传内容过大",
    415: "不支持的内容类型",
    422: "请求数据有误",
    429: "请求过于频繁",
    500: "服务器内部错误",
}


TITLES = {
    400: "请求有误",
    401: "请先登录",
    403: "没有权限",
    404: "页面不存在",
    409: "状态已变化",
    413: "上传内容过大",
    422: "填写有误",
    500: "系统出错了",
}


def wants_html() -> bool:
    return not request.path.startswith("/api/") and request.accept_mimetypes.accept_html


def html_error(status: int, message: str) -> Response:
    if status == 401:
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))  # type: ignore[return-value]
    title = gettext(TITLES.get(status, "出错了"))
    body = render_template("web/error.html", status=status, title=title, message=gettext(message))
    return Response(body, status=status, mimetype="text/html")


class ErrorSchema(Schema):
    """What every error response carries; declared once as every operation's default response."""

    error = fields.String(required=True, metadata={"description": "错误类别（英文代码）"})
    message = fields.String(required=True, metadata={"description": "给用户看的说明（中文）"})
    details = fields.Dict(required=True, metadata={"description": "补充信息，如各字段的错误"})
    errors = fields.Raw(metadata={"description": "各字段的错误（有字段错误时，与 details.errors 相同）"})


def error_response(status: int, error: str, message: str, details: Any = None) -> Response:
    if wants_html():
        return html_error(status, message)
    body: dict[str, Any] = {"error": error, "message": message, "details": details or {}}
    if isinstance(details, dict) and "errors" in details:
        body["errors"] = details["errors"]  # the shape API clients read for field errors
    response = jsonify(body)
    response.status_code = status
    return response


def _http(exc: HTTPException) -> Response:
    status = exc.code or 500
    details: Any = {}
    data = getattr(exc, "data", None)  # webargs/flask-smorest put parsing errors here
    if isinstance(data, dict) and data.get("messages"):
        messages = data["messages"]
        # {"json": {"field": [...]}} -> {"field": [...]}: where it came from is noise for a client
        flat: dict[str, Any] = {}
        for location in messages.values():
            flat.update(location if isinstance(location, dict) else {"_": location})
        details = {"errors": flat}
    name = exc.name.lower().replace(" ", "_") if exc.name else "http_error"
    return error_response(status, name, _MESSAGES.get(status, exc.description or ""), details)


def _domain(exc: DubanError) -> Response:
    return error_response(exc.status, exc.code, exc.message, exc.details)


def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error")
    return error_response(500, "internal_error", _MESSAGES[500])


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(DubanError, _domain)
    app.register_error_handler(Exception, _unexpected)
